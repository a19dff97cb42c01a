#!/usr/bin/env bash
# `make demo`: shows the front end on the real AI diffusion policy.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
edict="$(cd "$build" && pwd)/bin/edict"
policy="$src/policies/ai_diffusion/2025-01-15.edict"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Checking the AI diffusion rule (policies/ai_diffusion/2025-01-15.edict)"
"$edict" check "$policy" && echo "ok: no errors, no warnings"

say "The checked policy's declarations (from --dump ast)"
"$edict" check --dump ast "$policy" | grep -E '^  (RuleDecl|ExemptDecl|CapDecl|TiersDecl)' | head -30 || true

say "The formatter leaves it unchanged (edict fmt --check)"
"$edict" fmt --check "$policy" && echo "ok: already in canonical layout"

say "A policy with mistakes: every one is reported, precisely, in one run"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/mistakes.edict" <<'EDICT'
policy demo version "1";
import std.iso3166;
decision Outcome { allow, license_required, deny }
default allow;
input { destination: Country; tpp: int; }
tiers Tier of Country {
  tier1: { US, GB, FR, DE };
  tier2: otherwise;
  tier3: { CN, RU, FR };
}
rule embargo: Tier(destination) == tier3 => deny;
rule big_order: tpp > 26_900_000 and destnation != US => licence_required;
EDICT
cat -n "$tmp/mistakes.edict"
echo
(cd "$tmp" && "$edict" check mistakes.edict) || echo "(exit status $?: errors found)"
