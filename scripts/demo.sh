#!/usr/bin/env bash
# `make demo`: the front end on the real AI diffusion policy, then the policy compiled to a native
# module (`edict build`) deciding and explaining realistic requests (`edict eval --explain`).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
edict="$(cd "$build" && pwd)/bin/edict"
policy="$src/policies/ai_diffusion/2025-01-15.edict"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Checking the AI diffusion rule (policies/ai_diffusion/2025-01-15.edict)"
"$edict" check "$policy" && echo "ok: no errors, no warnings"

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

say "Compiling the policy to a native module (edict build)"
"$edict" build "$policy" -o "$tmp/out" -v 2>&1 | sed 's/^/  /'
echo "  exported symbols:"
nm -D --defined-only "$tmp/out/libai_diffusion.so" | awk '$2 == "T" {print "    " $3}'
echo "  the generated header declares, for C and C++ callers with no JSON:"
grep -E '^typedef (struct|enum) ai_diffusion_(input|result|outcome|tier)|^static inline int ai_diffusion_eval\(' \
  "$tmp/out/ai_diffusion.h" | sed 's/^/    /'

say "Deciding requests with the built module (edict eval libai_diffusion.so --explain)"
# Prints one result readably: the outcome, the deciding rules, and the because/cite text of
# every rule that applied and every exemption that applied and lifts a rule or a cap.
cat > "$tmp/show.py" <<'PY'
import json, sys
r = json.loads(sys.stdin.read())
if "error" in r:
    print("  error:", r["error"]["code"], "-", r["error"]["message"]); sys.exit()
deciding = ", ".join(r["deciding"]) or "no rule: the default"
print(f"  outcome: {r['outcome'].upper()}   (decided by {deciding})")
out = r["outputs"]
print(f"  destination {out['destination_tier']}, headquarters {out['headquarters_tier']}; "
      f"country allocation left {out['remaining_allocation']:,} TPP, LPP left {out['lpp_remaining']:,} TPP")
for rule in r["explain"]["rules"]:
    if rule["status"] == "applied":
        print(f"  - rule {rule['name']} -> {rule['outcome']}: {rule.get('because', '')}")
        print(f"      [{rule.get('cite', '')}]")
# Exemptions that lift a rule or a cap (not those that only cancel other exemptions).
targets = {x["name"] for x in r["explain"]["rules"] + r["explain"]["caps"]}
for ex in r["explain"]["exemptions"]:
    if ex["status"] == "applied" and targets.intersection(ex["defeats"]):
        print(f"  - exemption {ex['name']} (lifts {', '.join(ex['defeats'])}): {ex.get('because', '')}")
        print(f"      [{ex.get('cite', '')}]")
PY
n=0
decide() {  # decide TITLE INPUT [USAGE]
  n=$((n + 1))
  printf '\n\033[1m%d. %s\033[0m\n' "$n" "$1"
  printf '{"input": {%s}, "usage": {%s}, "today": "2025-06-01"}' "$2" "${3:-}" \
    | "$edict" eval "$tmp/out/libai_diffusion.so" --explain | python3 "$tmp/show.py" || true
}
gpu() {  # gpu DESTINATION HEADQUARTERS CONSIGNEE TPP
  printf '"destination": "%s", "headquarters": "%s", "consignee": "%s", "item": "gpu", "tpp": %s, "end_user": "none", "training_ops": 0.0' "$@"
}
weights() {  # weights ITEM DESTINATION HEADQUARTERS TRAINING_OPS
  printf '"destination": "%s", "headquarters": "%s", "consignee": "lab", "item": "%s", "tpp": 0, "end_user": "none", "training_ops": %s' "$2" "$3" "$1" "$4"
}
decide "Tier 1: 500,000,000 TPP of GPUs to a Frankfurt data centre of a US company" \
  "$(gpu DE US dc-frankfurt 500000000)"
decide "Tier 1 destination, consignee headquartered in India (Tier 2): 20,000,000 TPP" \
  "$(gpu DE IN in-sub-de 20000000)"
decide "Tier 2: 100,000,000 TPP to an Indian cloud, allocation untouched" \
  "$(gpu IN IN in-cloud 100000000)"
decide "Tier 2, the country allocation nearly used up (750,000,000 TPP already shipped to India)" \
  "$(gpu IN IN in-cloud 100000000)" '"tier2_allocation": 750000000'
decide "Tier 2, a small order (LPP): 1,000,000 TPP to a UAE data centre" \
  "$(gpu AE AE ae-dc 1000000)"
decide "Tier 3: 4,800 TPP of GPUs to China" \
  "$(gpu CN CN cn-lab 4800)"
decide "Frontier model weights (2e26 operations), unpublished, to a French lab of an Indian company" \
  "$(weights closed_weights FR IN 2e26)"
decide "The same frontier weights, published (open weights)" \
  "$(weights open_weights FR IN 2e26)"

say "Caps that hold: orders to India decided against a SQLite ledger (edict eval --ledger)"
echo "  (India's Tier-2 allocation is 790,000,000 TPP; order-2 is sent twice, as a client retry)"
for k in 1 2 3 4 2 5; do
  printf '{"id": "order-%d", "input": {%s}, "today": "2025-06-01"}\n' "$k" "$(gpu IN IN in-cloud 200000000)"
done | "$edict" eval "$tmp/out/libai_diffusion.so" --ledger "sqlite:$tmp/ledger.db" --batch - \
  | python3 -c 'import json, sys
for r in map(json.loads, sys.stdin):
    print("  %-8s %-17s allocation left before: %11d  recorded: %s" % (r["id"] + ":", r["outcome"],
          r["outputs"]["remaining_allocation"], json.dumps(r["recorded"])))' || true
"$edict" ledger show "sqlite:$tmp/ledger.db"

say "Reviewing the change: edict diff of 2025-01-15 against its successor, 2025-05-13"
echo "  (the rule as it stood after BIS announced its rescission on 13 May 2025)"
successor="$src/policies/ai_diffusion/2025-05-13.edict"
status=0
timeout 90 "$edict" diff "$policy" "$successor" || status=$?
case $status in
  0) echo "(exit status 0: no request is decided differently)" ;;
  1) echo "(exit status 1: some requests are decided differently)" ;;
  *) echo "(the semantic comparison did not finish (status $status); the structural part:)"
     "$edict" diff --no-semantic "$policy" "$successor" ;;
esac
