#!/usr/bin/env python3
"""`edict eval --ledger URL --batch -` killed with SIGKILL at random moments loses and invents
no usage.

Requests with ids go to the process through a pipe; it prints each answer once the decide is
durable. The driver kills it after a random delay, keeps the complete answer lines it got,
restarts it and sends the ids not yet answered (some of which were decided before the kill
without their answer getting out: the retry replays their first answer). Half of the killed runs, and the runs after them, use `--jobs 4` (several
decides in flight, answers still in input order). When every id is
answered, the ledger (`edict ledger show --format json`) must equal, slot by slot, the sum of
the `recorded` amounts of the answers received, and a few answered ids sent once more must
print exactly their first answers.

The requests mix the AI diffusion policy's two caps: orders to several Tier-2 countries (the
country allocation, window forever) and small orders under License Exception LPP (per
consignee, window year) dated in 2025 and 2026.

usage: crash.py EDICT POLICY WORKDIR [--requests N] [--kills N] [--seed S] [--pg-url-file FILE]
                [--engine E]
"""
import argparse
import json
import os
import random
import selectors
import shutil
import signal
import subprocess
import sys

from ledger_url import ledger_url
import time


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def make_requests(rng, n):
    out = {}
    for k in range(n):
        dest = rng.choice(["IN", "AE", "BR"])
        if rng.random() < 0.5:
            tpp = rng.randrange(1_000_000, 9_000_000)  # LPP-sized
        else:
            tpp = rng.randrange(27_000_000, 120_000_000)  # against the allocation
        today = rng.choice(["2025-06-01", "2025-12-31", "2026-01-01", "2026-03-15"])
        oid = f"r{k}"
        out[oid] = json.dumps({"id": oid, "today": today, "input": {
            "destination": dest, "headquarters": dest, "consignee": f"{dest.lower()}-dc",
            "item": "gpu", "tpp": tpp, "end_user": "none", "training_ops": 0}})
    return out


def run_once(cmd, lines, kill_after):
    """Starts cmd, writes `lines`, reads answers until EOF or kill_after seconds; returns the
    complete answer lines and whether the process was killed."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    os.set_blocking(proc.stdout.fileno(), False)
    payload = ("\n".join(lines) + "\n").encode()
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    os.set_blocking(proc.stdin.fileno(), False)
    sel.register(proc.stdin, selectors.EVENT_WRITE)
    buf = b""
    deadline = time.monotonic() + kill_after
    killed = False
    eof = False
    while not eof:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        for key, _ in sel.select(timeout=left):
            if key.fileobj is proc.stdin:
                try:
                    n = os.write(proc.stdin.fileno(), payload)
                    payload = payload[n:]
                except BlockingIOError:
                    continue
                except BrokenPipeError:  # the process died: nothing more to send
                    payload = b""
                if not payload:
                    sel.unregister(proc.stdin)
                    proc.stdin.close()
            else:
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    eof = True
                    break
                buf += chunk
    # What the process wrote before it died is still in the pipe.
    if killed:
        os.set_blocking(proc.stdout.fileno(), True)
        buf += proc.stdout.read()
    if not proc.stdin.closed:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
    err = proc.stderr.read().decode()
    proc.wait()
    if not killed and proc.returncode not in (0, 1):
        fail(f"edict exited with {proc.returncode}: {err}")
    complete = buf.split(b"\n")[:-1]  # a line cut off by the kill is not an answer
    return [c.decode() for c in complete], killed


def expected_slots(requests, answers):
    """(cap, key, window_start) -> usage implied by the answers."""
    slots = {}
    for oid, line in answers.items():
        r = json.loads(line)
        req = json.loads(requests[oid])
        for cap, amount in r.get("recorded", {}).items():
            if cap == "tier2_allocation":
                slot = ("ai_diffusion.tier2_allocation", (req["input"]["destination"],), "0001-01-01")
            else:
                slot = ("ai_diffusion.lpp", (req["input"]["consignee"],), req["today"][:4] + "-01-01")
            slots[slot] = slots.get(slot, 0) + amount
    return {k: v for k, v in slots.items() if v}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("edict")
    ap.add_argument("policy")
    ap.add_argument("workdir")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "little"))
    ap.add_argument("--pg-url-file", default="",
                    help="use a database on the PostgreSQL server whose URL this file holds")
    ap.add_argument("--engine", default="interp")
    ap.add_argument("--kills", type=int, default=12)
    ap.add_argument("--max-runs", type=int, default=200)
    a = ap.parse_args()
    print(f"seed {a.seed} (rerun with --seed {a.seed})")
    rng = random.Random(a.seed)
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    ledger = ledger_url(a.workdir, a.pg_url_file, "crash")
    print("ledger " + ledger)
    cmd = [a.edict, "eval", a.policy, "--engine", a.engine, "--ledger", ledger, "--batch", "-"]

    requests = make_requests(rng, a.requests)
    answers = {}
    runs = kills = 0
    while len(answers) < len(requests):
        runs += 1
        if runs > a.max_runs:
            fail(f"{len(requests) - len(answers)} requests still unanswered after {a.max_runs} runs")
        pending = [oid for oid in requests if oid not in answers]
        # The first --kills runs are killed at a random moment (some before the first answer,
        # most in the middle of the stream); later runs may finish.
        kill_after = rng.uniform(0.005, 0.3) if runs <= a.kills else 60.0
        jobs = ["--jobs", "4"] if rng.random() < 0.5 or runs > a.kills else []
        lines, killed = run_once(cmd + jobs, [requests[oid] for oid in pending], kill_after)
        kills += killed
        print(f"run {runs}: {len(pending)} sent, {len(lines)} answered"
              + (f", killed after {kill_after * 1000:.0f} ms" if killed else ""))
        for line in lines:
            r = json.loads(line)
            oid = r.get("id")
            if oid not in requests:
                fail(f"an answer without a known id: {line}")
            if "error" in r:
                fail(f"error result: {line}")
            if oid in answers and answers[oid] != line:
                fail(f"id {oid} answered twice, differently:\n{answers[oid]}\n{line}")
            answers[oid] = line
        if not killed and len(lines) != len(pending):
            fail(f"a finished run answered {len(lines)} of {len(pending)} requests")

    # Retrying answered ids replays their first answers.
    again = rng.sample(sorted(answers), min(10, len(answers)))
    lines, _ = run_once(cmd, [requests[oid] for oid in again], 60.0)
    for line in lines:
        oid = json.loads(line)["id"]
        if line != answers[oid]:
            fail(f"retried id {oid} printed another answer:\n{answers[oid]}\n{line}")
    if len(lines) != len(again):
        fail(f"retry answered {len(lines)} of {len(again)}")

    show = subprocess.run([a.edict, "ledger", "show", ledger, "--format", "json"], check=True,
                          stdout=subprocess.PIPE, text=True).stdout
    actual = {(s["cap"], tuple(s["key"]), s["window_start"]): s["usage"]
              for s in json.loads(show)["slots"] if s["usage"]}
    expected = expected_slots(requests, answers)
    print(f"{len(requests)} requests, {runs} runs, {kills} killed, {len(actual)} slots")
    if actual != expected:
        for k in sorted(set(actual) | set(expected)):
            if actual.get(k) != expected.get(k):
                print(f"  {k}: ledger {actual.get(k)} answers {expected.get(k)}")
        fail("the ledger differs from the answers")
    if kills == 0:
        fail("no run was killed")
    print("PASS")


if __name__ == "__main__":
    main()
