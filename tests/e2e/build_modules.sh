#!/bin/sh
# The e2e_modules fixture: builds, with the `edict` binary of this build, the modules the libedict
# and hot-swap tests load.
#   build_modules.sh EDICT SOURCE_DIR VERSION_B_SOURCE OUT_DIR
#   OUT_DIR/a       the AI diffusion policy as published
#   OUT_DIR/b       version B: the same policy with India moved to tier 1 (same layout)
#   OUT_DIR/other   a policy of the same name with another input schema
set -eu
edict=$1
src=$2
version_b=$3
out=$4
rm -rf "$out"
"$edict" build "$src/policies/ai_diffusion/2025-01-15.edict" -o "$out/a"
"$edict" build "$version_b" -o "$out/b"
"$edict" build "$src/tests/e2e/runtime/other_schema.edict" -o "$out/other"
