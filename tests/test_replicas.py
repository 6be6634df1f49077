"""Read replicas through a database router: public reads go to a replica, admin and writes to the primary.

Replica aliases come from DATABASE_REPLICA_URLS when settings load, so the checks run in a child test
session with that variable set to the primary's own URL (the alias is a test mirror of the primary)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_router_sends_reads_to_the_replica_and_admin_and_writes_to_the_primary():
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{ROOT / 'db-replica-check.sqlite3'}"
    else:
        url = os.environ["DATABASE_URL"]
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URLS": url, "TEST_DB_SUFFIX": "_replicas"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/replica/check_routing.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "5 passed" in result.stdout
