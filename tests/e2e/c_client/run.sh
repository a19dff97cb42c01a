#!/bin/sh
# e2e test: build the AI diffusion policy with `edict build`, check what the library exports,
# compile the plain C99 client against the generated header and run it.
#   run.sh EDICT SOURCE_DIR WORK_DIR
set -eu
edict=$1
src=$2
out=$3
cc=${CC:-cc}
rm -rf "$out"
mkdir -p "$out"

"$edict" build "$src/policies/ai_diffusion/2025-01-15.edict" -o "$out" --emit so,h,obj,ll,asm
for f in libai_diffusion.so ai_diffusion.h edict.h ai_diffusion.o ai_diffusion.ll ai_diffusion.s; do
  test -s "$out/$f" || { echo "FAIL: edict build wrote no $f" >&2; exit 1; }
done

# No undefined Edict symbols (helpers are linked in); only the five entry points exported.
undefined=$(nm -D --undefined-only "$out/libai_diffusion.so" | grep -i 'edict' || true)
if [ -n "$undefined" ]; then
  echo "FAIL: libai_diffusion.so has undefined Edict symbols:" >&2
  echo "$undefined" >&2
  exit 1
fi
exports=$(nm -D --defined-only "$out/libai_diffusion.so" | awk '$2 ~ /^[TDRBVW]$/ {print $3}' | sort | tr '\n' ' ')
expected="edict_ai_diffusion_cap_slots edict_ai_diffusion_eval edict_ai_diffusion_eval_batch edict_ai_diffusion_module_v1 edict_module_v1 "
if [ "$exports" != "$expected" ]; then
  echo "FAIL: libai_diffusion.so exports [$exports], expected [$expected]" >&2
  exit 1
fi

# The header compiles cleanly as C99 (its layout assertions included), C11 and C++.
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -I"$out" "$src/tests/e2e/c_client/main.c" \
  -L"$out" -lai_diffusion -Wl,-rpath,"$out" -o "$out/c_client"
"$cc" -std=c11 -Wall -Wextra -pedantic -Werror -fsyntax-only -I"$out" "$src/tests/e2e/c_client/main.c"
if command -v c++ >/dev/null 2>&1; then
  printf '#include "ai_diffusion.h"\nint main() { return ai_diffusion_matches(edict_ai_diffusion_module_v1()) ? 0 : 1; }\n' \
    > "$out/header.cpp"
  c++ -std=c++17 -Wall -Wextra -pedantic -Werror -I"$out" "$out/header.cpp" -L"$out" -lai_diffusion \
    -Wl,-rpath,"$out" -o "$out/header_cpp"
  "$out/header_cpp"
fi
"$out/c_client"
