"""The deployment files (deploy/, Dockerfile): there is no container engine nor nginx on these
machines, so the compose file's YAML and keys and the nginx configuration's structure are checked
here, the systemd units with `systemd-analyze verify` where it exists. The same topology runs as
processes in tests/platform/test_topology.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GATEWAYS = ("gateway-1", "gateway-2")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_has_postgres_a_migration_step_two_gateways_admin_and_a_proxy(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", *GATEWAYS, "admin", "proxy"}
    assert services["postgres"]["image"].startswith("postgres:") and "healthcheck" in services["postgres"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in (*GATEWAYS, "admin"):
        service = services[name]
        assert service["command"][0] == "serve" and "--no-migrate" in service["command"]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "@postgres:5432/" in service["environment"]["YIBAO_DATABASE_URL"]
        assert service["environment"]["YIBAO_LOG_FORMAT"] == "json"
    proxy = services["proxy"]
    mounted = proxy["volumes"][0].split(":")[0]
    assert (DEPLOY / mounted).resolve() == DEPLOY / "nginx" / "yibao.conf"
    assert set(proxy["depends_on"]) == {*GATEWAYS, "admin"}
    assert "pgdata" in compose["volumes"]


def test_the_dockerfile_serves_without_migrating_and_builds_what_compose_names(compose):
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1)
    assert yaml.safe_load(cmd)[0] == "serve" and "--no-migrate" in cmd
    assert "/health/ready" in dockerfile and "ENTRYPOINT [\"yibao\"]" in dockerfile
    assert compose["services"]["gateway-1"]["build"]["dockerfile"] == "Dockerfile"
    installs = [line for line in dockerfile.splitlines() if line.startswith("RUN") and "pip install" in line]
    assert installs and not any("spark" in line for line in installs)  # the gateway needs no pyspark


def test_nginx_balances_the_national_paths_over_both_gateways():
    config = (DEPLOY / "nginx" / "yibao.conf").read_text(encoding="utf-8")
    code = re.sub(r"#.*", "", config)
    assert code.count("{") == code.count("}")
    upstream = re.search(r"upstream yibao_gateways \{(.*?)\}", code, re.S).group(1)
    assert re.findall(r"server (\S+?):8000", upstream) == list(GATEWAYS)
    for path in ("/fsi/", "/hsa/", "/health/"):
        assert re.search(rf"location {re.escape(path)} \{{\s*proxy_pass http://yibao_gateways;", code)
    assert all(line.rstrip().endswith((";", "{", "}")) for line in code.splitlines() if line.strip())


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here")
def test_nginx_accepts_the_configuration(tmp_path):
    # nginx -t resolves the upstream names: give them as loopback in a scratch main config
    site = (DEPLOY / "nginx" / "yibao.conf").read_text(encoding="utf-8")
    for name in (*GATEWAYS, "admin"):
        site = site.replace(f"{name}:8000", "127.0.0.1:8000")
    (tmp_path / "nginx.conf").write_text(f"events {{}}\nhttp {{\n{site}\n}}\n", encoding="utf-8")
    done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted((DEPLOY / "systemd").glob("*.timer"))


def test_every_monthly_job_has_a_service_and_a_timer():
    names = {unit.name for unit in UNITS}
    for job in ("clearing", "audit", "prepay-plan", "partitions"):
        assert {f"yibao-{job}.service", f"yibao-{job}.timer"} <= names
    assert "--no-migrate" in (DEPLOY / "systemd" / "yibao-gateway.service").read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify_and_timers_parse(tmp_path):
    executable = Path(sys.executable).with_name("yibao")
    if not executable.exists():
        executable = Path(sys.executable)
    for unit in UNITS:  # the install paths, pointed at this machine's so verify can find them
        text = unit.read_text(encoding="utf-8").replace("/opt/yibao/venv/bin/yibao", str(executable))
        text = text.replace("/etc/yibao/yibao.env", str(DEPLOY / "systemd" / "yibao.env"))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                          capture_output=True, text=True, timeout=60)
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if "yibao-" in line]
    assert done.returncode == 0 and complaints == [], complaints
    for timer in (u for u in UNITS if u.suffix == ".timer"):
        when = re.search(r"^OnCalendar=(.+)$", timer.read_text(), re.M).group(1)
        parsed = subprocess.run(["systemd-analyze", "calendar", when], capture_output=True, text=True, timeout=30)
        assert parsed.returncode == 0, (timer.name, parsed.stderr)
