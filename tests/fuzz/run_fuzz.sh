#!/usr/bin/env bash
# Builds the fuzzers with clang-19 (libFuzzer, AddressSanitizer with leak checking,
# UndefinedBehaviorSanitizer) in their own build tree and fuzzes each for a bounded time, the
# total SECONDS split between them:
#   edict_frontend_fuzzer  seeded with every .edict file in the repository (half the time)
#   edict_request_fuzzer   seeded with JSON requests: the lit tests' requests and generated ones
# Exits non-zero on any crash, hang, leak or broken invariant.
#   run_fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$src/build/fuzz}"
seconds="${2:-60}"
frontend_seconds=$(( (seconds + 1) / 2 ))
request_seconds=$(( seconds - frontend_seconds ))
(( request_seconds >= 1 )) || request_seconds=1

san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wno-deprecated-declarations"
cmake -S "$src" -B "$build" -G Ninja -DEDICT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target edict_frontend_fuzzer edict_request_fuzzer

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1

# The front end.
corpus="$build/corpus"
seeds="$build/seeds"
rm -rf "$seeds" && mkdir -p "$corpus" "$seeds"
find "$src/policies" "$src/stdlib" "$src/tests" -name '*.edict' -exec cp --backup=numbered -t "$seeds" {} +
echo "fuzzing the front end for ${frontend_seconds}s with $(ls "$seeds" | wc -l) seed files"
(cd "$build" && ./tests/fuzz/edict_frontend_fuzzer -max_total_time="$frontend_seconds" -timeout=10 \
  -rss_limit_mb=4096 -max_len=16384 -print_final_stats=1 "$corpus" "$seeds")

# JSON requests: one seed file per request line (lit test inputs and a few generated requests).
request_corpus="$build/request-corpus"
request_seeds="$build/request-seeds"
rm -rf "$request_seeds" && mkdir -p "$request_corpus" "$request_seeds"
{
  python3 "$src/bench/gen_requests.py" 20
  grep -h '^{' "$src"/tests/lit/eval/*.test || true
  grep -ho "echo '{.*}'" "$src"/tests/lit/eval/*.test | sed -e "s/^echo '//" -e "s/'\$//" || true
} | awk -v dir="$request_seeds" '{ f = sprintf("%s/seed-%04d.json", dir, NR); printf "%s", $0 > f; close(f) }'
echo "fuzzing JSON requests for ${request_seconds}s with $(ls "$request_seeds" | wc -l) seed requests"
(cd "$build" && ./tests/fuzz/edict_request_fuzzer -max_total_time="$request_seconds" -timeout=10 \
  -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 "$request_corpus" "$request_seeds")
