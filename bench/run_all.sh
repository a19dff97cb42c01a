#!/usr/bin/env bash
# Every benchmark, in order (`make bench` builds build-bench with -DEDICT_BENCH=ON first).
# The machine is usually shared: read medians (and CPU times), and rerun a figure that looks off.
#
#   run_all.sh [BUILD_DIR]      (default: build-bench)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build-bench}"
edict="$build/bin/edict"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The built module too, when this edict has `build`.
so_flag=()
if "$edict" --help 2>&1 | grep -qE '^\s*build\b' &&
   "$edict" build --stdlib "$src/stdlib" "$src/policies/ai_diffusion/2025-01-15.edict" \
     -o "$tmp/so" > /dev/null; then
  so_flag=(--so="$tmp/so/libai_diffusion.so")
fi

echo "== evaluation (C ABI, baseline, interpreter) =="
"$build/bin/edict_eval_bench" "${so_flag[@]}" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.2
echo; echo "== compile times (JIT, edict build) =="
bash "$src/bench/jit_build_bench.sh" "$build"
echo; echo "== JSON throughput (edict eval --batch) =="
bash "$src/bench/eval_batch.sh" "$build"
echo; echo "== edict check of a 10,000-rule policy =="
bash "$src/bench/check_10k.sh" "$build"
echo; echo "== ledger decides (memory, SQLite in the build dir, PostgreSQL on loopback) =="
# A throwaway PostgreSQL server (tests/pg/pg_harness.sh), stopped when done; without PostgreSQL
# the postgresql benchmarks report that they were skipped.
pg_state="$tmp/pg"
pg_url=""
if bash "$src/tests/pg/pg_harness.sh" start "$pg_state" > /dev/null; then
  pg_url="$(cat "$pg_state/pg_url")"
  trap 'bash "$src/tests/pg/pg_harness.sh" stop "$pg_state" > /dev/null; rm -rf "$tmp"' EXIT
fi
EDICT_BENCH_LEDGER_DIR="$build" EDICT_BENCH_PG_URL="$pg_url" \
  "$build/bin/edict_ledger_bench" --benchmark_min_time=1
echo; echo "== edict eval --ledger --batch (decides through the CLI) =="
EDICT_BENCH_PG_URL="$pg_url" bash "$src/bench/ledger_cli.sh" "$build"
