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
