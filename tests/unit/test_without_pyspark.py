"""A production install has no pyspark (it is the ``yibao[spark]`` extra): the gateway, the
admin API and the CLI load without it, and asking for a Spark cluster says how to get it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# pyspark (and py4j, which only it needs) cannot be imported, whatever is installed
HIDE_PYSPARK = """
import sys
class HidePyspark:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pyspark", "py4j"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, HidePyspark())
for name in [n for n in sys.modules if n.split(".")[0] in ("pyspark", "py4j")]:
    del sys.modules[name]
"""


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(SRC), YIBAO_DATABASE_URL=f"sqlite:///{tmp_path}/yibao.db")
    return subprocess.run([sys.executable, "-c", HIDE_PYSPARK + code], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


def test_the_gateway_and_the_cli_load_without_pyspark(tmp_path):
    result = _python("""
import yibao.gateway.app, yibao.admin.api, yibao.cli, yibao.analytics.export, yibao.app.batch_audit
from yibao.gateway.app import create_app
assert not [n for n in sys.modules if n.startswith(("pyspark", "py4j"))]
try:
    import pyspark
except ModuleNotFoundError:
    print("hidden")
""", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hidden"


def test_a_spark_master_without_pyspark_says_how_to_install_it(tmp_path):
    result = _python("""
from yibao.app import batch_audit
from yibao.app.error_codes import coded_text
try:
    batch_audit.spark_for("spark://127.0.0.1:7077")
except Exception as exc:
    print(coded_text(exc))
""", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("[BATCH_SPARK_MISSING] 在 Spark 集群上运行需要安装 pyspark：pip install 'yibao[spark]'"
                                     "（Spark needs pyspark: pip install 'yibao[spark]'）")
