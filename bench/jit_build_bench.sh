#!/usr/bin/env bash
# Compile times of the AI diffusion policy (DESIGN.md targets: JIT compile <= 50 ms, `edict build`
# <= 5 s): the in-process JIT pipeline through bench/jit_bench.cpp (Google Benchmark, 5
# repetitions, medians), then the wall time of `edict build` (median of 5) when this edict has
# the command.
#
#   jit_build_bench.sh [BUILD_DIR]      (default: build-bench)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build-bench}"
edict="$build/bin/edict"
policy="$src/policies/ai_diffusion/2025-01-15.edict"

"$build/bin/edict_jit_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.2

if ! "$edict" --help 2>&1 | grep -qE '^\s*build\b'; then
  echo "edict build: not in this edict (\`edict --help\` lists no build command); skipped"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$edict" "$src/stdlib" "$policy" "$tmp" <<'PY'
import statistics, subprocess, sys, time
edict, stdlib, policy, tmp = sys.argv[1:]
times = []
for i in range(5):
    out = f"{tmp}/out{i}"
    t = time.perf_counter()
    subprocess.run([edict, "build", "--stdlib", stdlib, policy, "-o", out], check=True,
                   stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
print("edict build wall seconds:", " ".join(f"{x:.3f}" for x in times))
print(f"edict build median {statistics.median(times):.3f} s")
PY
