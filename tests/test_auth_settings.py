"""The platform key, the trusted networks and the signature window in the settings, and the
agency's commands: ``yibao institution platform-key``, ``yibao institution auth-mode`` and an
institutions import with an ``auth_mode`` column."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from yibao.app.secret_box import SecretBox, new_platform_key
from yibao.cli import app as cli
from yibao.settings import Settings, SettingsError
from yibao.store import tables as t
from yibao.store.database import Database

URL = "sqlite:///:memory:"


def test_the_platform_key_is_checked_at_load_and_kept_out_of_the_repr():
    key = new_platform_key()
    settings = Settings.load(database_url=URL, env={"YIBAO_SECRET_KEY": key})
    assert settings.secret_box().open(settings.secret_box().seal("s3cret", "H1"), "H1") == "s3cret"
    assert key not in repr(settings) and settings.environment()["YIBAO_SECRET_KEY"] == key
    assert Settings.load(database_url=URL, env={}).secret_box() is None
    with pytest.raises(SettingsError, match="YIBAO_SECRET_KEY 无效"):
        Settings.load(database_url=URL, env={"YIBAO_SECRET_KEY": "too-short"})


def test_trusted_networks_and_the_window_are_read_and_checked():
    settings = Settings.load(database_url=URL, env={"YIBAO_TRUSTED_NETWORKS": " 10.20.3.4/16, fd00::/8 ,",
                                                    "YIBAO_AUTH_WINDOW": "120"})
    assert settings.trusted_networks == ("10.20.0.0/16", "fd00::/8") and settings.auth_window_seconds == 120
    assert Settings.load(database_url=URL, env={}).auth_window_seconds == 300
    with pytest.raises(SettingsError, match="不是网段"):
        Settings.load(database_url=URL, env={"YIBAO_TRUSTED_NETWORKS": "10.20.0.0/33"})
    with pytest.raises(SettingsError, match="YIBAO_AUTH_WINDOW"):
        Settings.load(database_url=URL, env={"YIBAO_AUTH_WINDOW": "0"})


def test_the_agency_commands_set_a_mode_and_print_the_new_secret_once(tmp_path, monkeypatch):
    runner = CliRunner()
    db = f"sqlite:///{tmp_path}/yibao.db"
    key = runner.invoke(cli, ["institution", "platform-key"]).output.strip()
    SecretBox.from_text(key)  # a usable key
    file = tmp_path / "institutions.csv"
    file.write_text("fixmedins_code,fixmedins_name,fixmedins_type,medins_lv,admdvs,secret,auth_mode\n"
                    "H44130200001,惠州测试医院,1,2,441302,import-secret-1,x-tif\n", encoding="utf-8")
    monkeypatch.delenv("YIBAO_SECRET_KEY", raising=False)
    refused = runner.invoke(cli, ["import", "institutions", str(file), "--db", db])
    assert refused.exit_code == 2 and "需要平台密钥" in refused.output
    monkeypatch.setenv("YIBAO_SECRET_KEY", key)
    assert runner.invoke(cli, ["import", "institutions", str(file), "--db", db]).exit_code == 0
    moved = runner.invoke(cli, ["institution", "auth-mode", "H44130200001", "api", "--operator", "王五", "--db", db])
    assert moved.exit_code == 0, moved.output
    assert "x-tif → api（经办人 王五）" in moved.output
    secret = moved.output.strip().splitlines()[-1]
    database = Database(db)
    with database.read() as conn:
        row = conn.execute(select(t.institutions)).mappings().one()
        logged = conn.execute(select(t.action_log.c.actor_party, t.action_log.c.detail)).one()
    assert row["auth_mode"] == "api" and SecretBox.from_text(key).open(row["secret_sealed"], "H44130200001") == secret
    assert logged.actor_party == "王五" and secret not in logged.detail
    to_none = runner.invoke(cli, ["institution", "auth-mode", "H44130200001", "none", "--operator", "王五", "--db", db])
    assert to_none.exit_code == 0 and "YIBAO_TRUSTED_NETWORKS" in to_none.output  # warned: nothing is trusted yet
    database.dispose()
