#!/usr/bin/env bash
# Builds the front-end fuzzer with clang-19 (libFuzzer, AddressSanitizer with leak checking,
# UndefinedBehaviorSanitizer) in its own build tree and fuzzes for a bounded time, seeded with
# every .edict file in the repository. Exits non-zero on any crash, hang, leak or fmt failure.
#   run_fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$src/build/fuzz}"
seconds="${2:-60}"

san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wno-deprecated-declarations"
cmake -S "$src" -B "$build" -G Ninja -DEDICT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > "$build-configure.log" 2>&1 \
  || { cat "$build-configure.log"; exit 1; }
cmake --build "$build" --target edict_frontend_fuzzer

corpus="$build/corpus"
seeds="$build/seeds"
rm -rf "$seeds" && mkdir -p "$corpus" "$seeds"
find "$src/policies" "$src/stdlib" "$src/tests" -name '*.edict' -exec cp --backup=numbered -t "$seeds" {} +
echo "fuzzing for ${seconds}s with $(ls "$seeds" | wc -l) seed files"
cd "$build"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  ./tests/fuzz/edict_frontend_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -max_len=16384 -print_final_stats=1 "$corpus" "$seeds"
