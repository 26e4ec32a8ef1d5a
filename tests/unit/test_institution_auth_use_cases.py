"""An agency changes an institution's gateway authentication mode (app/institution_auth.py),
against an in-memory repository."""

from __future__ import annotations

import pytest

from yibao.app import actors
from yibao.app.errors import GatewayError
from yibao.app.importing import hash_secret
from yibao.app.institution_auth import change_auth_mode, platform_key_missing
from yibao.app.secret_box import SecretBox, new_platform_key

from .fake_institution_auth import FakeInstitutionAuth
from .fakes import FakeUnitOfWork

CODE = "H44130200001"
BOX = SecretBox.from_text(new_platform_key())


def unit(mode: str = "apikey") -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.operator("王五"))
    uow.institution_auth = FakeInstitutionAuth({CODE: {
        "fixmedins_code": CODE, "fixmedins_name": "惠州测试医院", "auth_mode": mode, "secret_salt": "aa",
        "secret_hash": hash_secret("old-secret", "aa"), "secret_sealed": None}})
    return uow


def refused(action) -> GatewayError:
    with pytest.raises(GatewayError) as refusal:
        action()
    return refusal.value


def test_a_signature_mode_issues_a_new_secret_sealed_and_hashed_and_logs_no_secret():
    uow = unit()
    change = change_auth_mode(uow, CODE, "X-TIF ", BOX)
    row = uow.institution_auth.rows[CODE]
    assert (change.previous_mode, change.auth_mode, row["auth_mode"]) == ("apikey", "x-tif", "x-tif")
    assert len(change.new_secret) == 32 and BOX.open(row["secret_sealed"], CODE) == change.new_secret
    assert row["secret_hash"] == hash_secret(change.new_secret, row["secret_salt"])  # apikey would take it too
    assert uow.institution_auth.locked == [CODE]
    assert uow.actions.rows == [(uow.actor, "institution.auth_mode", CODE,
                                 {"from": "apikey", "to": "x-tif", "new_secret": True})]
    again = change_auth_mode(uow, CODE, "x-tif", BOX)  # asking again re-keys
    assert again.new_secret != change.new_secret


def test_leaving_a_signature_mode_keeps_the_hash_and_drops_the_sealed_copy():
    uow = unit()
    issued = change_auth_mode(uow, CODE, "api", BOX).new_secret
    change = change_auth_mode(uow, CODE, "none", None)  # no key needed to leave
    row = uow.institution_auth.rows[CODE]
    assert change.new_secret is None and row["secret_sealed"] is None
    assert row["secret_hash"] == hash_secret(issued, row["secret_salt"])


def test_refusals_name_their_code_and_change_nothing():
    uow = unit()
    assert refused(lambda: change_auth_mode(uow, CODE, "x-tif", None)).code == "AUTH_MODE_NEEDS_KEY"
    assert refused(lambda: change_auth_mode(uow, CODE, "md5", BOX)).code == "AUTH_BAD_MODE"
    assert refused(lambda: change_auth_mode(uow, CODE, "apikey", BOX)).code == "AUTH_MODE_UNCHANGED"
    assert refused(lambda: change_auth_mode(uow, "H00000000000", "x-tif", BOX)).code == "AUTH_MODE_NO_INSTITUTION"
    assert uow.institution_auth.rows[CODE]["auth_mode"] == "apikey" and uow.actions.rows == []


def test_serving_without_a_platform_key_is_refused_only_with_signature_institutions():
    assert platform_key_missing(unit("apikey")) == ""
    assert platform_key_missing(unit("none")) == ""
    assert platform_key_missing(unit("x-tif")).startswith("拒绝启动：1 家机构使用签名认证方式")
