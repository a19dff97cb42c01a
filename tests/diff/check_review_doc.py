#!/usr/bin/env python3
"""docs/review.md shows the real `edict diff` of the two AI diffusion versions; this keeps it from
drifting. The `begin` marker names the arguments (`<!-- begin: edict diff ARGS -->`); the script
runs that command from the source directory and compares its output with the block between the
markers, ignoring the witness lines (`e.g. {…}`), which depend on the solver's choices.

  check_review_doc.py EDICT SOURCE_DIR [--update]
--update rewrites the block with the current output.
"""
import os
import re
import subprocess
import sys

edict, src = sys.argv[1], sys.argv[2]
update = "--update" in sys.argv[3:]
doc_path = os.path.join(src, "docs", "review.md")
END = "<!-- end: edict diff -->\n"

doc = open(doc_path, encoding="utf-8").read()
m = re.search(r"<!-- begin: edict diff (.*) -->\n", doc)
args = m.group(1).split()
start, end = m.end(), doc.index(END)
p = subprocess.run([edict, "diff", *args], cwd=src, capture_output=True, text=True)
if p.returncode not in (0, 1):
    print("edict diff %s exited with %d\n%s" % (" ".join(args), p.returncode, p.stderr))
    sys.exit(1)

if update:
    open(doc_path, "w", encoding="utf-8").write(doc[:start] + p.stdout + doc[end:])
    print("updated", doc_path)
    sys.exit(0)


def significant(text):
    return [line for line in text.splitlines() if not re.match(r"\s+e\.g\. \{", line)]


want, got = significant(doc[start:end]), significant(p.stdout)
if want != got:
    import difflib
    print("docs/review.md is out of date with `edict diff` (rerun this script with --update):")
    sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in want], [l + "\n" for l in got],
                                               "docs/review.md", "edict diff"))
    sys.exit(1)
print("docs/review.md matches `edict diff` (%d lines)" % len(got))
