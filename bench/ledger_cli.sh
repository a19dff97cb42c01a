#!/usr/bin/env bash
# Throughput of `edict eval --ledger URL --batch IN.jsonl`: every request an atomic decide
# through the ledger, one process, its answers written one by one as they become durable
# (docs/caps.md). Requests are bench/gen_requests.py's (seeded) without their `usage` (the
# ledger supplies it), with their ids (so every decide also stores its answer for
# idempotency), on the AI diffusion policy (JIT). Each back end runs one request at a time
# and with --jobs 8 (eight decides in flight, which SQLite and PostgreSQL commit in groups),
# three times each on a fresh ledger; prints each run and the median in decides per wall second and per CPU second of the
# edict process (net of start-up, i.e. the same command on a one-line batch).
#
#   ledger_cli.sh [BUILD_DIR] [N_MEMORY] [N_SQLITE]   (defaults: build-bench, 200000, 20000)
#
# With EDICT_BENCH_PG_URL=postgresql://… set, also times that PostgreSQL database (its ledger
# is reset before each run: give it a database of its own).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build-bench}"
n_memory="${2:-200000}"
n_sqlite="${3:-20000}"
edict="$build/bin/edict"
policy="$src/policies/ai_diffusion/2025-01-15.edict"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

max=$(( n_memory > n_sqlite ? n_memory : n_sqlite ))
python3 "$src/bench/gen_requests.py" "$max" 7 \
  | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    del r["usage"]
    sys.stdout.write(json.dumps(r, separators=(",", ":")) + "\n")' > "$tmp/all.jsonl"
head -n "$n_memory" "$tmp/all.jsonl" > "$tmp/memory.jsonl"
head -n "$n_sqlite" "$tmp/all.jsonl" > "$tmp/sqlite.jsonl"
head -n 1 "$tmp/all.jsonl" > "$tmp/one.jsonl"

# A sanity pass: every request gets a result line, some record, none is a ledger failure.
"$edict" eval --stdlib "$src/stdlib" "$policy" --ledger memory: --batch "$tmp/sqlite.jsonl" \
  > "$tmp/out.jsonl" || [ $? -eq 1 ] || { echo "edict eval --ledger failed"; exit 1; }
lines=$(wc -l < "$tmp/out.jsonl")
[ "$lines" -eq "$n_sqlite" ] || { echo "expected $n_sqlite result lines, got $lines"; exit 1; }
echo "sanity: $lines results, $(grep -c '"recorded": {"' "$tmp/out.jsonl" || true) recorded something," \
     "$(grep -c '"error"' "$tmp/out.jsonl" || true) errors (requests outside the policy's validity)"

cat > "$tmp/time.py" <<'PY'
import os, resource, statistics, subprocess, sys, time
edict, stdlib, policy, tmp, n_memory, n_sqlite = sys.argv[1:7]
pg = os.environ.get("EDICT_BENCH_PG_URL", "")
def run(url, batch, reset, jobs):
    reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with open("/dev/null", "wb") as null:
        p = subprocess.run([edict, "eval", "--stdlib", stdlib, policy, "--ledger", url,
                            "--batch", batch, "--jobs", str(jobs)], stdout=null)
    if p.returncode not in (0, 1):
        sys.exit(f"edict eval --ledger {url} failed with {p.returncode}")
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
def rm_sqlite():
    for suffix in ("", "-wal", "-shm", "-journal"):
        try: os.remove(f"{tmp}/bench.db{suffix}")
        except FileNotFoundError: pass
def reset_pg():
    subprocess.run([edict, "ledger", "reset", pg], check=True, stdout=subprocess.DEVNULL)
cases = [("memory", "memory:", int(n_memory), f"{tmp}/memory.jsonl", lambda: None),
         ("sqlite", f"sqlite:{tmp}/bench.db", int(n_sqlite), f"{tmp}/sqlite.jsonl", rm_sqlite)]
if pg:
    cases.append(("postgresql", pg, int(n_sqlite), f"{tmp}/sqlite.jsonl", reset_pg))
for (name, url, n, batch, reset), jobs in [(c, j) for c in cases for j in (1, 8)]:
    name = f"{name} --jobs {jobs}"
    ones = [run(url, f"{tmp}/one.jsonl", reset, jobs) for _ in range(3)]
    s_wall = statistics.median(w for w, _ in ones)
    s_cpu = statistics.median(c for _, c in ones)
    runs = [run(url, batch, reset, jobs) for _ in range(3)]
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print(f"{name}: {n} decides; wall s " + " ".join(f"{w:.3f}" for w, _ in runs)
          + "; CPU s " + " ".join(f"{c:.3f}" for _, c in runs)
          + f"; start-up {s_wall * 1e3:.0f} ms wall")
    print(f"{name}: median {n / wall:,.0f} decides/s wall ({n / max(wall - s_wall, 1e-9):,.0f} net"
          f" of start-up), {n / cpu:,.0f} decides/CPU-s")
PY
python3 "$tmp/time.py" "$edict" "$src/stdlib" "$policy" "$tmp" "$n_memory" "$n_sqlite"
