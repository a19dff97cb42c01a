"""The ledger URL of an e2e ledger test: a SQLite file in the work directory, or a database of
the test's own on the PostgreSQL server that the ctest fixture edict_pg started (tests/pg/), so
that it never touches the data of other tests sharing that server."""
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

SKIP = 77  # ctest SKIP_RETURN_CODE


def ledger_url(workdir, pg_url_file, name):
    if not pg_url_file:
        return "sqlite:" + os.path.join(workdir, "ledger.db")
    if not os.path.exists(pg_url_file):
        print(f"SKIPPED: no PostgreSQL server for this run ({pg_url_file} does not exist: the "
              "edict_pg fixture was skipped because PostgreSQL is not installed)")
        sys.exit(SKIP)
    with open(pg_url_file) as f:
        server = f.read().strip()
    db = "edict_e2e_" + name
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    for sql in (f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}"):
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", server, "-c", sql], check=True,
                       env=env)
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + db, parts.query, parts.fragment))
