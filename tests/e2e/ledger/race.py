#!/usr/bin/env python3
"""Several `edict eval --ledger sqlite:… --batch` processes race near a cap's limit.

Each process decides its own orders against one shared ledger (half of the processes with
`--jobs 4`, so that threads race too), all for India's Tier-2
allocation of the AI diffusion policy (790,000,000 TPP, window forever), with far more demand
than the allocation holds. Some orders carry ids that every process sends with the same
content (a request retried at once by several clients). Afterwards:

  - every order was answered, with an outcome;
  - the ledger's usage (`edict ledger show --format json`) equals the sum of the `recorded`
    amounts printed, counting a shared id once, and never exceeds the limit;
  - every process printed the same answer for a shared id;
  - the allocation is close to full (the race was real: orders were refused for lack of room).

usage: race.py EDICT POLICY WORKDIR [--processes N] [--orders N] [--seed S] [--pg-url-file FILE]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys

from ledger_url import ledger_url

LIMIT = 790_000_000


def order(oid, tpp):
    return json.dumps({"id": oid, "input": {
        "destination": "IN", "headquarters": "IN", "consignee": "in-dc", "item": "gpu",
        "tpp": tpp, "end_user": "none", "training_ops": 0}})


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("edict")
    ap.add_argument("policy")
    ap.add_argument("workdir")
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--orders", type=int, default=60)
    ap.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "little"))
    ap.add_argument("--pg-url-file", default="",
                    help="use a database on the PostgreSQL server whose URL this file holds")
    a = ap.parse_args()
    print(f"seed {a.seed} (rerun with --seed {a.seed})")
    rng = random.Random(a.seed)
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    ledger = ledger_url(a.workdir, a.pg_url_file, "race")
    print("ledger " + ledger)

    # Orders over the LPP allowance (26.9M), so each one counts against the allocation.
    shared = {f"shared-{k}": rng.randrange(27_000_000, 60_000_000) for k in range(5)}
    files = []
    for p in range(a.processes):
        lines = [order(f"p{p}-{k}", rng.randrange(27_000_000, 60_000_000)) for k in range(a.orders)]
        for oid, tpp in shared.items():
            lines.insert(rng.randrange(len(lines) + 1), order(oid, tpp))
        path = os.path.join(a.workdir, f"orders-{p}.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        files.append(path)

    procs = [subprocess.Popen([a.edict, "eval", a.policy, "--today", "2025-06-01", "--ledger", ledger,
                               "--batch", path, "--jobs", "4" if p % 2 else "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p, path in enumerate(files)]
    recorded = {}       # id -> amount recorded for it
    shared_answers = {}  # id -> set of answer texts
    refused = 0
    for p, proc in enumerate(procs):
        out, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            fail(f"process {p} exited with {proc.returncode}: {err}")
        lines = out.splitlines()
        if len(lines) != a.orders + len(shared):
            fail(f"process {p} printed {len(lines)} answers for {a.orders + len(shared)} orders")
        for line in lines:
            r = json.loads(line)
            if "outcome" not in r:
                fail(f"process {p}: error result {line}")
            amount = r["recorded"].get("tier2_allocation", 0)
            if r["id"] in shared:
                shared_answers.setdefault(r["id"], set()).add(line)
            if r["outcome"] == "license_required":
                refused += 1
                if amount:
                    fail(f"a refused order recorded {amount}: {line}")
            recorded[r["id"]] = amount
    for oid, answers in shared_answers.items():
        if len(answers) != 1:
            fail(f"shared id {oid} got {len(answers)} different answers: {answers}")

    show = subprocess.run([a.edict, "ledger", "show", ledger, "--format", "json"], check=True,
                          stdout=subprocess.PIPE, text=True).stdout
    rows = [s for s in json.loads(show)["slots"] if s["cap"] == "ai_diffusion.tier2_allocation"]
    if len(rows) != 1 or rows[0]["key"] != ["IN"]:
        fail(f"expected one tier2_allocation slot for IN, got {rows}")
    usage = rows[0]["usage"]
    total = sum(recorded.values())
    print(f"{a.processes} processes, {len(recorded)} distinct orders, {refused} refusals, "
          f"usage {usage} of {LIMIT}, answers recorded {total}")
    if usage > LIMIT:
        fail(f"usage {usage} exceeds the limit {LIMIT}")
    if usage != total:
        fail(f"ledger usage {usage} != sum of recorded amounts in the answers {total}")
    if refused == 0 or usage < LIMIT - 60_000_000:
        fail("the allocation was not filled: no race took place")
    print("PASS")


if __name__ == "__main__":
    main()
