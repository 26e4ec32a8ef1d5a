"""`serve` no longer migrates by default: a schema behind the code is refused with the step to
run; `--migrate` (the demo path) and `yibao db upgrade` still create it."""

from __future__ import annotations

import subprocess
import sys


def yibao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], capture_output=True, text=True, timeout=120)


def test_serve_refuses_an_unmigrated_database_and_names_the_step(tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    refused = yibao("serve", "--db", url, "--port", "1")
    assert refused.returncode == 2
    assert "yibao db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    upgraded = yibao("db", "upgrade", "--db", url)
    assert upgraded.returncode == 0 and "schema at revision" in upgraded.stdout
