#!/usr/bin/env python3
"""`edict fmt` on every .edict file of the repository that parses:

- is idempotent: formatting the formatted text changes nothing;
- keeps the meaning: the AST (without source locations) of the output equals the input's;
- keeps every comment and doc comment, in order;
- leaves the policies and the standard library already formatted (`fmt --check`).

  fmt_roundtrip.py EDICT SOURCE_DIR
Ends with `N passed, N failed`.
"""
import pathlib
import subprocess
import sys
import tempfile

edict, src = sys.argv[1], pathlib.Path(sys.argv[2])


def run(*args):
    return subprocess.run([edict, *args], capture_output=True, text=True)


def normalise_comment(text):
    return text.strip()


files = sorted(p for d in ("policies", "stdlib", "tests", "docs", "bench") for p in (src / d).rglob("*.edict"))
passed, failed, skipped = 0, 0, 0
with tempfile.TemporaryDirectory() as tmp:
    for path in files:
        rel = path.relative_to(src)
        if run("check", "--phase", "parse", str(path)).returncode != 0:
            skipped += 1  # deliberately malformed (syntax-error tests): fmt refuses those
            continue
        problems = []
        once = run("fmt", "--stdout", str(path))
        if once.returncode != 0:
            problems.append(f"fmt failed: {once.stderr.strip()}")
        else:
            a = pathlib.Path(tmp) / "a.edict"
            a.write_text(once.stdout)
            twice = run("fmt", "--stdout", str(a))
            if twice.stdout != once.stdout:
                problems.append("not idempotent: formatting the output changes it again")
            before = run("check", "--phase", "parse", "--dump", "ast-nolocs", str(path)).stdout
            after = run("check", "--phase", "parse", "--dump", "ast-nolocs", str(a)).stdout
            if before != after:
                problems.append("the AST changed:\n" + "".join(
                    f"  - {x}\n  + {y}\n" for x, y in zip(before.splitlines(), after.splitlines()) if x != y)[:2000])
            c1 = [normalise_comment(c) for c in run("check", "--phase", "parse", "--dump", "comments", str(path)).stdout.splitlines()]
            c2 = [normalise_comment(c) for c in run("check", "--phase", "parse", "--dump", "comments", str(a)).stdout.splitlines()]
            # A `///` that documents nothing may move to the end of its block (attaching it to the
            # next node would change the AST), so comments are compared as a multiset.
            if sorted(c1) != sorted(c2):
                problems.append(f"comments changed: {len(c1)} before, {len(c2)} after")
            if rel.parts[0] in ("policies", "stdlib") and once.stdout != path.read_text():
                problems.append("not in canonical layout: run `edict fmt` on it")
        if problems:
            failed += 1
            print(f"FAIL {rel}")
            for p in problems:
                print("  " + p.replace("\n", "\n  "))
        else:
            passed += 1
print(f"({skipped} files with syntax errors skipped)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
