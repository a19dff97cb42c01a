#!/usr/bin/env bash
# JSON throughput of `edict eval --batch` on the AI diffusion policy (DESIGN.md target:
# >= 1,000,000 requests/s on one core). Generates N realistic requests (bench/gen_requests.py,
# seeded), then times `edict eval POLICY --batch IN.jsonl > /dev/null` three times for the .edict
# policy (JIT) and, when this edict has `build`, for the built lib<policy>.so. Prints each run and
# the medians: requests per wall second, and requests per CPU second (user + system of the edict
# process: the steadier figure on a shared machine, and "one core" in the target's sense), also
# net of start-up (the same command on a one-line batch).
#
#   eval_batch.sh [BUILD_DIR] [N]      (defaults: build-bench, 1000000)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build-bench}"
n="${2:-1000000}"
edict="$build/bin/edict"
policy="$src/policies/ai_diffusion/2025-01-15.edict"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 "$src/bench/gen_requests.py" "$n" 42 > "$tmp/requests.jsonl"
head -n 1 "$tmp/requests.jsonl" > "$tmp/one.jsonl"
echo "requests: $n lines, $(wc -c < "$tmp/requests.jsonl") bytes (gen_requests.py $n 42)"

# A sanity pass: every request must get a result line and none may be an error.
"$edict" eval --stdlib "$src/stdlib" "$policy" --batch "$tmp/requests.jsonl" > "$tmp/out.jsonl" \
  || { echo "edict eval --batch failed (status $?)"; exit 1; }
lines=$(wc -l < "$tmp/out.jsonl")
errors=$(grep -c '"error"' "$tmp/out.jsonl" || true)
echo "results: $lines lines, $errors errors"
[ "$lines" -eq "$n" ] || { echo "expected $n result lines"; exit 1; }
echo "first result: $(head -c 200 "$tmp/out.jsonl") …"

targets=("$policy")
if "$edict" --help 2>&1 | grep -qE '^\s*build\b'; then
  if "$edict" build --stdlib "$src/stdlib" "$policy" -o "$tmp/so" > /dev/null 2>&1; then
    so="$(ls "$tmp"/so/lib*.so | head -n 1)"
    "$edict" eval --stdlib "$src/stdlib" "$so" --batch "$tmp/requests.jsonl" > "$tmp/out_so.jsonl"
    cmp -s "$tmp/out.jsonl" "$tmp/out_so.jsonl" || { echo "the .so answers differently"; exit 1; }
    targets+=("$so")
  else
    echo "note: edict build failed; timing the .edict (JIT) only"
  fi
else
  echo "note: this edict has no \`build\` command; timing the .edict (JIT) only"
fi

cat > "$tmp/time.py" <<'PY'
import resource, statistics, subprocess, sys, time
edict, stdlib, tmp, n, *targets = sys.argv[1:]
n = int(n)
def run(target, batch):
    """Wall seconds and CPU seconds (user + system) of one `edict eval --batch`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with open("/dev/null", "wb") as null:
        subprocess.run([edict, "eval", "--stdlib", stdlib, target, "--batch", batch],
                       stdout=null, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu
for target in targets:
    kind = "built .so" if target.endswith(".so") else ".edict (JIT)"
    ones = [run(target, f"{tmp}/one.jsonl") for _ in range(3)]
    startup_wall = statistics.median(w for w, _ in ones)
    startup_cpu = statistics.median(c for _, c in ones)
    runs = [run(target, f"{tmp}/requests.jsonl") for _ in range(3)]
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print(f"{kind}: wall s " + " ".join(f"{w:.3f}" for w, _ in runs)
          + "; CPU s " + " ".join(f"{c:.3f}" for _, c in runs)
          + f"; start-up {startup_wall * 1e3:.0f} ms wall, {startup_cpu * 1e3:.0f} ms CPU")
    print(f"{kind}: median {n / wall:,.0f} requests/s wall, {n / cpu:,.0f} requests/CPU-s"
          f" ({n / max(cpu - startup_cpu, 1e-9):,.0f} requests/CPU-s net of start-up)")
PY
python3 "$tmp/time.py" "$edict" "$src/stdlib" "$tmp" "$n" "${targets[@]}"
