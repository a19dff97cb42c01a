#!/usr/bin/env python3
"""Runs the console examples of a Markdown document and checks their output.

Every ```console block is a session: a line starting with `$ ` is a command (continued on the
next line while it ends with a backslash), and the lines up to the next command are its
expected output (stdout and stderr together). In an expected line, `…` stands for any text.
The commands run with bash in WORKDIR, where `docs` points to the repository's docs/ folder,
with the directory of EDICT first on PATH, so that a document's commands run exactly as written.

usage: run_doc.py EDICT DOC.md REPO WORKDIR
"""
import os
import re
import shutil
import subprocess
import sys


def sessions(text):
    # A block may be indented (inside a list item): the fence's indentation is dropped.
    for indent, block in re.findall(r"^( *)```console\n(.*?)^ *```", text, re.S | re.M):
        steps, cmd, expected = [], None, []
        lines = [line[len(indent):] if line.startswith(indent) else line
                 for line in block.splitlines()]
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("$ "):
                if cmd is not None:
                    steps.append((cmd, expected))
                cmd, expected = line[2:], []
                while cmd.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    cmd = cmd[:-1] + "\n" + lines[i]
            elif cmd is not None:
                expected.append(line)
            i += 1
        if cmd is not None:
            steps.append((cmd, expected))
        yield steps


def matches(pattern, line):
    parts = [re.escape(p) for p in pattern.split("…")]
    return re.fullmatch(".*".join(parts), line) is not None


def main():
    edict, doc, repo, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.symlink(os.path.join(os.path.abspath(repo), "docs"), os.path.join(work, "docs"))
    env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(edict)) + os.pathsep + os.environ["PATH"])
    with open(doc) as f:
        text = f.read()
    failures = count = 0
    for steps in sessions(text):
        for cmd, expected in steps:
            count += 1
            out = subprocess.run(["bash", "-c", cmd], cwd=work, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True).stdout
            got = out.splitlines()
            ok = len(got) == len(expected) and all(matches(e, g) for e, g in zip(expected, got))
            if not ok:
                failures += 1
                print(f"FAIL: $ {cmd}\n--- expected\n" + "\n".join(expected) + "\n--- got\n" + "\n".join(got))
    print(f"{count} commands, {failures} failed")
    if count == 0:
        print("FAIL: no console examples found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
