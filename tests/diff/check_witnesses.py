#!/usr/bin/env python3
"""`edict diff` witnesses are real: for each pair of AI diffusion versions, run
`edict diff --format json` and feed every witness request to `edict eval` of each version; the
outcomes must be the ones the transition claims. Also checks the exit status (1: the versions
decide differently) and that the report's own re-evaluated results agree with `edict eval`.

  check_witnesses.py EDICT SOURCE_DIR [OLD NEW]
OLD and NEW (file names in policies/ai_diffusion/) check one pair; by default every pair.
A witness names the fields of both versions; the fields a version does not have are dropped
before it is given to that version (its decoder rejects unknown fields), exactly as `edict diff`
does. Ends with `N passed, N failed`.
"""
import json
import pathlib
import subprocess
import sys

edict, src = sys.argv[1], pathlib.Path(sys.argv[2])
policies = src / "policies" / "ai_diffusion"
PAIRS = [
    ("2025-01-15.edict", "2025-05-13.edict"),
    ("2025-01-15.edict", "2025-01-15-amended.edict"),
    ("2025-01-15-amended.edict", "2025-05-13.edict"),
]
if len(sys.argv) == 5:
    PAIRS = [(sys.argv[3], sys.argv[4])]


def evaluate(policy, request):
    """Runs `edict eval`, dropping fields and caps the version does not know."""
    request = json.loads(json.dumps(request))
    for _ in range(64):
        p = subprocess.run([edict, "eval", str(policy), "-"], input=json.dumps(request),
                           capture_output=True, text=True)
        result = json.loads(p.stdout.strip().splitlines()[-1])
        err = result.get("error")
        field = err.get("field", "") if err else ""
        if err and err["code"] == "unknown_field" and field in request.get("input", {}):
            del request["input"][field]
            continue
        if err and field.startswith("usage.") and field[6:] in request.get("usage", {}):
            del request["usage"][field[6:]]
            continue
        return result
    raise RuntimeError("too many unknown fields")


def label(result):
    if "error" in result:
        return "error(%s)" % result["error"]["code"]
    return result["outcome"]


def matches(claim, result):
    # A claim is an outcome, "error" (any error) or "error(code)".
    if claim == "error":
        return "error" in result
    return claim == label(result)


passed = failed = 0
for old, new in PAIRS:
    name = "%s -> %s" % (old, new)
    p = subprocess.run([edict, "diff", "--format", "json", str(policies / old), str(policies / new)],
                       capture_output=True, text=True)
    if p.returncode != 1:
        print("FAIL %s: exit status %d, expected 1\n%s" % (name, p.returncode, p.stderr))
        failed += 1
        continue
    report = json.loads(p.stdout)
    problems = []
    transitions = report["semantic"]["transitions"]
    if not transitions:
        problems.append("no transitions")
    count = 0
    for t in transitions:
        if not t["witnesses"]:
            problems.append("%s -> %s has no witness" % (t["from"], t["to"]))
        for w in t["witnesses"]:
            count += 1
            for policy, claim, shown in ((old, t["from"], w["old_result"]),
                                         (new, t["to"], w["new_result"])):
                result = evaluate(policies / policy, w["request"])
                if not matches(claim, result):
                    problems.append("%s on %s: claimed %s, edict eval gives %s"
                                    % (json.dumps(w["request"]), policy, claim, label(result)))
                if label(result) != label(shown):
                    problems.append("%s on %s: the report shows %s, edict eval gives %s"
                                    % (json.dumps(w["request"]), policy, label(shown), label(result)))
    if problems:
        failed += 1
        print("FAIL %s:\n  %s" % (name, "\n  ".join(problems)))
    else:
        passed += 1
        print("ok   %s: %d transitions, %d witnesses reproduced" % (name, len(transitions), count))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
