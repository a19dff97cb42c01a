#!/usr/bin/env bash
# Times `edict check` of a generated 10,000-rule policy (DESIGN.md target: under 1 s).
# Prints each run's wall time and the median of 5.  check_10k.sh [BUILD_DIR] [RULES]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
rules="${2:-10000}"
policy="$(mktemp --suffix=.edict)"
trap 'rm -f "$policy"' EXIT
python3 "$src/bench/gen_policy.py" "$rules" > "$policy"
echo "policy: $rules rules, $(wc -c < "$policy") bytes, $(wc -l < "$policy") lines"
"$build/bin/edict" check --stdlib "$src/stdlib" "$policy"   # must be clean
python3 - "$build/bin/edict" "$src/stdlib" "$policy" <<'PY'
import statistics, subprocess, sys, time
edict, stdlib, policy = sys.argv[1:]
times = []
for _ in range(5):
    t = time.perf_counter()
    subprocess.run([edict, "check", "--stdlib", stdlib, policy], check=True)
    times.append(time.perf_counter() - t)
print("edict check wall seconds:", " ".join(f"{x:.3f}" for x in times))
print(f"median {statistics.median(times):.3f} s")
PY
