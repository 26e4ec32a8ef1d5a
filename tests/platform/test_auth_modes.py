"""Institution authentication modes through the dispatcher, in process, on SQLite and
PostgreSQL: the mode imported with the institution list or changed by an agency, signed
requests and their replays (the replay key's unique index decides), none from trusted
networks, and what a signed request costs in statements beside apikey."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import event, select

from yibao.app import actors
from yibao.app.error_codes import code_of
from yibao.app.errors import GatewayError
from yibao.app.importing import ImportError_, import_file
from yibao.app.institution_auth import change_auth_mode
from yibao.app.platform import Platform
from yibao.app.secret_box import SecretBox, new_platform_key
from yibao.gateway.auth import AuthPolicy
from yibao.gateway.dispatch import Dispatcher, Settings
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
WALL = 1_764_000_000  # the proxies' clock (Unix seconds)
BOX = SecretBox.from_text(new_platform_key())
HOSPITAL, FRONT_END, PLAIN = "H44130200001", "H44130200002", "H44130200003"
SECRET = "import-secret-0001"


def write_institutions(path: Path, modes: dict[str, str | None]) -> Path:
    header = "fixmedins_code,fixmedins_name,fixmedins_type,medins_lv,admdvs,secret" + (
        ",auth_mode" if any(mode is not None for mode in modes.values()) else "")
    lines = [header] + [f"{code},惠州测试医院{n},1,2,441302,{SECRET}" + (f",{mode or ''}" if "auth_mode" in header else "")
                        for n, (code, mode) in enumerate(modes.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def world(database, tmp_path):
    file = write_institutions(tmp_path / "institutions.csv", {HOSPITAL: "x-tif", FRONT_END: "none", PLAIN: ""})
    import_file(database, "institutions", file, now=NOW, secret_box=BOX)
    policy = AuthPolicy(trusted_networks=("10.20.0.0/16",), box=BOX)
    dispatcher = Dispatcher(Platform(database, clock=lambda: NOW), Settings(auth_policy=policy, wall_clock=lambda: WALL))
    return {"database": database, "dispatcher": dispatcher, "tmp": tmp_path}


def signed(timestamp: int = WALL, nonce: str = "4821", secret: str = SECRET, code: str = HOSPITAL) -> dict:
    stamp = str(timestamp)
    return {"x-tif-paasid": code, "x-tif-timestamp": stamp, "x-tif-nonce": nonce,
            "x-tif-signature": hashlib.sha256(f"{stamp}{secret}{nonce}{stamp}".encode()).hexdigest()}


class Caller:
    def __init__(self, world, code: str):
        self.dispatcher, self.code, self.sign_no, self.serial = world["dispatcher"], code, "", 0

    def call(self, infno: str, headers: dict, *, client: str = "127.0.0.1", msgid: str | None = None) -> dict:
        self.serial += 1
        data = {"signIn": {"opter_no": "01", "mac": "", "ip": client}} if infno == "9001" else {"data": {"type": "med_type"}}
        message = {"infno": infno, "msgid": msgid or f"{self.code}20261201090000{self.serial:04d}",
                   "fixmedins_code": self.code, "sign_no": self.sign_no, "input": data}
        answer = self.dispatcher.handle(message, headers, 0, client_host=client)
        if infno == "9001" and answer["infcode"] == 0:
            self.sign_no = answer["output"]["signinoutb"]["sign_no"]
        return answer


def refusal(answer: dict) -> str:
    """The code of a refused answer (docs/his/error-codes.md)."""
    assert answer["infcode"] == -1, answer
    return code_of(answer["err_msg"])


def test_a_signed_institution_signs_in_and_queries_and_a_replay_is_refused(world):
    caller = Caller(world, HOSPITAL)
    assert caller.call("9001", signed(nonce="1"))["infcode"] == 0
    assert caller.call("1901", signed(nonce="2"))["infcode"] == 0
    assert refusal(caller.call("1901", signed(nonce="2"))) == "AUTH_REPLAY"  # the same three again
    # the same short nonce at another second is no replay (proxies send 1–10 random digits)
    assert caller.call("1901", signed(WALL + 1, nonce="2"))["infcode"] == 0
    upper = {**signed(WALL + 2, nonce="3"), "x-tif-signature": signed(WALL + 2, nonce="3")["x-tif-signature"].upper()}
    assert caller.call("1901", upper)["infcode"] == 0
    assert refusal(caller.call("1901", signed(WALL + 2, nonce="3"))) == "AUTH_REPLAY"  # lower case: the same one
    with world["database"].read() as conn:
        kept = conn.execute(select(t.auth_nonces.c.stamp, t.auth_nonces.c.nonce).order_by(t.auth_nonces.c.stamp,
                                                                                           t.auth_nonces.c.nonce)).all()
    assert [tuple(row) for row in kept] == [(WALL, "1"), (WALL, "2"), (WALL + 1, "2"), (WALL + 2, "3")]


def test_a_replayed_write_is_refused_not_answered_from_the_request_log(world):
    caller = Caller(world, HOSPITAL)
    first = caller.call("9001", signed(nonce="77"), msgid="H4413020000120261201090000REPL")
    assert first["infcode"] == 0
    again = caller.call("9001", signed(nonce="77"), msgid="H4413020000120261201090000REPL")
    assert refusal(again) == "AUTH_REPLAY"
    # a retry of the msgid that is signed afresh still gets the stored answer
    retry = caller.call("9001", signed(WALL + 5, nonce="78"), msgid="H4413020000120261201090000REPL")
    assert retry["infcode"] == 0 and retry["output"] == first["output"]


def test_stale_wrong_or_missing_signatures_are_refused_and_leave_no_replay_key(world):
    caller = Caller(world, HOSPITAL)
    assert refusal(caller.call("9001", signed(WALL - 301))) == "AUTH_STALE_TIMESTAMP"
    assert refusal(caller.call("9001", signed(WALL + 301))) == "AUTH_FUTURE_TIMESTAMP"
    assert refusal(caller.call("9001", signed(secret="guessed-secret"))) == "AUTH_BAD_SIGNATURE"
    assert refusal(caller.call("9001", {"x-tif-paasid": HOSPITAL, "apikey": SECRET})) == "AUTH_MISSING_SIGNATURE"
    with world["database"].read() as conn:
        assert conn.execute(select(t.auth_nonces)).first() is None


def test_none_mode_is_accepted_from_the_trusted_network_only(world):
    caller = Caller(world, FRONT_END)
    assert refusal(caller.call("9001", {}, client="192.168.1.20")) == "AUTH_UNTRUSTED_NETWORK"
    assert caller.call("9001", {}, client="10.20.3.4")["infcode"] == 0
    assert caller.call("1901", {}, client="10.20.3.4")["infcode"] == 0
    assert refusal(caller.call("1901", {}, client="10.21.0.1")) == "AUTH_UNTRUSTED_NETWORK"


def test_a_file_without_auth_mode_imports_as_apikey_and_apikey_works_as_before(world):
    caller = Caller(world, PLAIN)
    assert caller.call("9001", {"x-tif-paasid": PLAIN, "apikey": SECRET})["infcode"] == 0
    assert refusal(caller.call("1901", {"x-tif-paasid": PLAIN, "apikey": "wrong-secret"})) == "AUTH_BAD_APIKEY"
    assert refusal(caller.call("1901", signed(code=PLAIN))) == "AUTH_BAD_APIKEY"
    write_institutions(world["tmp"] / "plain.csv", {HOSPITAL: None})
    import_file(world["database"], "institutions", world["tmp"] / "plain.csv", now=NOW)  # no column, no key needed
    with world["database"].read() as conn:
        row = conn.execute(select(t.institutions).where(t.institutions.c.fixmedins_code == HOSPITAL)).mappings().one()
    assert row["auth_mode"] == "apikey" and row["secret_sealed"] is None


def test_a_signature_mode_import_needs_the_platform_key(world):
    file = write_institutions(world["tmp"] / "signed.csv", {PLAIN: "apikey", HOSPITAL: "api"})
    with pytest.raises(ImportError_, match="row 2, column auth_mode: 签名认证方式 api 需要平台密钥"):
        import_file(world["database"], "institutions", file, now=NOW)
    with world["database"].read() as conn:
        sealed = conn.execute(select(t.institutions.c.secret_sealed)
                              .where(t.institutions.c.fixmedins_code == HOSPITAL)).scalar_one()
    assert SECRET not in sealed and BOX.open(sealed, HOSPITAL) == SECRET  # unchanged: nothing imported


def test_moving_to_a_signature_mode_issues_a_new_secret_and_records_the_operator(world):
    database = world["database"]
    with SqlUnitOfWork(database, actors.operator("王五"), NOW) as uow:
        change = change_auth_mode(uow, PLAIN, "x-tif", BOX)
    assert change.previous_mode == "apikey" and change.new_secret and change.new_secret != SECRET
    caller = Caller(world, PLAIN)
    assert refusal(caller.call("9001", {"x-tif-paasid": PLAIN, "apikey": SECRET})) == "AUTH_MISSING_SIGNATURE"
    assert refusal(caller.call("9001", signed(code=PLAIN))) == "AUTH_BAD_SIGNATURE"  # the old secret signs no more
    assert caller.call("9001", signed(code=PLAIN, secret=change.new_secret))["infcode"] == 0
    with SqlUnitOfWork(database, actors.operator("王五"), NOW) as uow:
        back = change_auth_mode(uow, PLAIN, "apikey", BOX)
        log = uow.action_log.entries(subject=PLAIN)
    assert back.new_secret is None
    assert caller.call("1901", {"x-tif-paasid": PLAIN, "apikey": change.new_secret})["infcode"] == 0
    assert [(row["actor_party"], row["action"]) for row in log] == [("王五", "institution.auth_mode")] * 2
    assert change.new_secret not in str(log)
    with pytest.raises(GatewayError) as unchanged, SqlUnitOfWork(database, actors.operator("王五"), NOW) as uow:
        change_auth_mode(uow, PLAIN, "apikey", BOX)
    assert unchanged.value.code == "AUTH_MODE_UNCHANGED"


def count_statements(database, action) -> int:
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(database.engine, "before_cursor_execute", listener)
    return len(seen)


def test_a_signed_request_costs_one_statement_more_than_apikey_and_apikey_no_more_than_before(world):
    database = world["database"]
    plain, hospital = Caller(world, PLAIN), Caller(world, HOSPITAL)
    plain.call("9001", {"x-tif-paasid": PLAIN, "apikey": SECRET})
    hospital.call("9001", signed(nonce="1"))
    apikey = count_statements(database, lambda: plain.call("1901", {"x-tif-paasid": PLAIN, "apikey": SECRET}))
    x_tif = count_statements(database, lambda: hospital.call("1901", signed(nonce="2")))
    assert apikey == 1  # the one authentication round trip (1901 answers from memory)
    assert x_tif == apikey + 1  # the replay key's insert
