"""``yibao account adjust|show``: the only way a balance changes outside settlements is an
explicit adjustment entry with operator and reason, posted to the ledger, never below zero."""

from __future__ import annotations

import json
import logging
import threading
from decimal import Decimal

import pytest

from yibao.app.accounts import account_view, adjust_account, parse_amount
from yibao.app.actors import SYSTEM
from yibao.app.errors import GatewayError
from yibao.app.importing import import_file
from yibao.store.repositories.ledger import balances
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from .platform.conftest import new_database_url, pg_cluster  # noqa: F401  (pg_cluster: a fixture)
from .test_import_money import (
    INSURED, NOW, PERSON_COLUMNS, assert_consistent, balance_of, count, entries_of, money_snapshot, new_database,
    person_row, write_csv, yibao,
)


@pytest.fixture
def world(tmp_path):
    database = new_database(tmp_path)
    rows = [person_row(1, "100.00"), person_row(2, None)]
    import_file(database, "persons", write_csv(tmp_path / "p.csv", rows, PERSON_COLUMNS), now=NOW)
    yield database, rows[0]["psn_no"], rows[1]["psn_no"]
    database.dispose()


def test_adjustment_adds_one_entry_with_operator_and_reason_and_posts_the_ledger(world):
    database, psn_no, _ = world
    result = adjust_account(database, psn_no, Decimal("-20.50"), "更正 2024 年重复划入", "王五", NOW)

    assert (result.balance_before, result.balance_after) == (Decimal("100.00"), Decimal("79.50"))
    assert balance_of(database, psn_no) == Decimal("79.50")
    opening, adjustment = entries_of(database, psn_no)
    assert opening["kind"] == "opening"
    assert (adjustment["kind"], adjustment["amount_fen"], adjustment["setl_id"]) == ("adjustment", -2050, None)
    assert result.actor == "operator:王五 reason:更正 2024 年重复划入"
    if "actor" in adjustment:  # the column of the account-entry chain
        assert adjustment["actor"] == result.actor
    with database.read() as conn:
        ledger = balances(conn)
    assert ledger[f"psn_acct:{psn_no}"] == -7950
    assert ledger[f"acct_funding:{INSURED}"] == 7950
    assert count(database, t.ledger_entries) == 2  # the opening and the adjustment
    assert_consistent(database)


def test_adjustment_may_open_an_account_and_may_bring_it_to_exactly_zero(world):
    database, psn_no, no_account = world
    adjust_account(database, no_account, Decimal("35.00"), "补录期初余额", "李四", NOW)
    assert [(e["kind"], e["amount_fen"]) for e in entries_of(database, no_account)] == [("adjustment", 3500)]
    adjust_account(database, psn_no, Decimal("-100.00"), "账户清退", "李四", NOW)
    assert balance_of(database, psn_no) == Decimal("0.00")
    assert_consistent(database)


@pytest.mark.parametrize("amount, message", [
    (Decimal("-100.01"), "小于零"),
    (Decimal("0"), "不能为零"),
    (Decimal("0.00"), "不能为零"),
    (Decimal("1.234"), "最多两位小数"),
    (Decimal("NaN"), "最多两位小数"),
])
def test_refused_amounts_write_nothing(world, amount, message):
    database, psn_no, _ = world
    before = money_snapshot(database)
    with pytest.raises(GatewayError, match=message):
        adjust_account(database, psn_no, amount, "原因", "王五", NOW)
    assert money_snapshot(database) == before


def test_unknown_person_and_missing_reason_or_operator_are_refused(world):
    database, psn_no, _ = world
    before = money_snapshot(database)
    with pytest.raises(GatewayError, match="参保人 NOBODY 不存在"):
        adjust_account(database, "NOBODY", Decimal("10.00"), "原因", "王五", NOW)
    with pytest.raises(GatewayError, match="调整原因"):
        adjust_account(database, psn_no, Decimal("10.00"), "  ", "王五", NOW)
    with pytest.raises(GatewayError, match="经办人"):
        adjust_account(database, psn_no, Decimal("10.00"), "原因", "", NOW)
    with pytest.raises(GatewayError, match="过长"):
        adjust_account(database, psn_no, Decimal("10.00"), "很" * 300, "王五", NOW)
    assert money_snapshot(database) == before


def test_parse_amount():
    assert parse_amount("-20.5") == Decimal("-20.50")
    assert parse_amount("+100") == Decimal("100.00")
    for text in ("abc", "1.001", "inf", "", "1e20"):
        with pytest.raises(GatewayError):
            parse_amount(text)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_adjustments_never_go_below_zero(backend, request, tmp_path_factory, tmp_path):
    """Both want 60 of the 100: under the person's lock the second re-reads 40 and is refused."""
    database = Database(new_database_url(backend, request, tmp_path_factory))
    try:
        upgrade(database)
        psn_no = person_row(1)["psn_no"]
        import_file(database, "persons", write_csv(tmp_path / "p.csv", [person_row(1, "100.00")], PERSON_COLUMNS),
                    now=NOW)
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def take():
            barrier.wait()
            try:
                adjust_account(database, psn_no, Decimal("-60.00"), "并发测试", "王五", NOW)
                outcomes.append("ok")
            except GatewayError as exc:
                outcomes.append(exc.message)

        threads = [threading.Thread(target=take) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(outcomes) == 2 and outcomes.count("ok") == 1, outcomes
        assert "小于零" in next(outcome for outcome in outcomes if outcome != "ok")
        assert balance_of(database, psn_no) == Decimal("40.00")
        assert_consistent(database)
    finally:
        database.dispose()


def test_the_log_masks_the_person_number_and_id_numbers_in_the_reason(world, caplog):
    database, psn_no, _ = world
    certno = person_row(1)["certno"]
    with caplog.at_level(logging.INFO, logger="yibao.accounts"):
        adjust_account(database, psn_no, Decimal("1.00"), f"核对身份证 {certno}", "王五", NOW)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "account adjustment" in text
    assert psn_no not in text and certno not in text


def test_account_view_lists_movements_with_running_balance(world):
    database, psn_no, _ = world
    adjust_account(database, psn_no, Decimal("5.25"), "补发", "王五", NOW)
    with SqlUnitOfWork(database, SYSTEM, NOW, write=False) as uow:
        view = account_view(uow, psn_no)
        with pytest.raises(GatewayError, match="不存在"):
            account_view(uow, "NOBODY")
    assert view["balance"] == Decimal("105.25")
    assert [(m["kind"], m["amount"], m["balance_after"]) for m in view["movements"]] == [
        ("opening", Decimal("100.00"), Decimal("100.00")), ("adjustment", Decimal("5.25"), Decimal("105.25"))]


def test_cli_adjust_and_show(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    rows = [person_row(1, "100.00")]
    psn_no = rows[0]["psn_no"]
    assert yibao("import", "persons", str(write_csv(tmp_path / "p.csv", rows, PERSON_COLUMNS)), "--db", url).returncode == 0

    done = yibao("account", "adjust", psn_no, "-20.50", "--reason", "更正", "--operator", "王五", "--db", url)
    assert done.returncode == 0, done.stderr
    assert "100.00 → 79.50" in done.stdout

    below = yibao("account", "adjust", psn_no, "-79.51", "--reason", "x", "--operator", "y", "--db", url)
    assert below.returncode == 2 and "error: [ACCOUNT_BELOW_ZERO] 调整后个人账户余额将小于零" in below.stderr
    assert "Traceback" not in below.stderr
    zero = yibao("account", "adjust", psn_no, "0", "--reason", "x", "--operator", "y", "--db", url)
    assert zero.returncode == 2 and "不能为零" in zero.stderr
    unknown = yibao("account", "adjust", "NOBODY", "5", "--reason", "x", "--operator", "y", "--db", url)
    assert unknown.returncode == 2 and "error: [PERSON_NOT_FOUND] 参保人 NOBODY 不存在" in unknown.stderr
    bad = yibao("account", "adjust", psn_no, "1.005", "--reason", "x", "--operator", "y", "--db", url)
    assert bad.returncode == 2 and "两位小数" in bad.stderr
    missing = yibao("account", "adjust", psn_no, "5", "--operator", "y", "--db", url)
    assert missing.returncode == 2 and "--reason" in missing.stderr  # a usage error of the command line

    shown = yibao("account", "show", psn_no, "--db", url, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["balance"] == 79.5
    assert [(m["kind"], m["amount"]) for m in view["movements"]] == [("opening", 100.0), ("adjustment", -20.5)]
    table = yibao("account", "show", psn_no, "--db", url)
    assert table.returncode == 0 and "个人账户余额 79.50 元" in table.stdout and "operator:王五 reason:更正" in table.stdout
    absent = yibao("account", "show", "NOBODY", "--db", url)
    assert absent.returncode == 2 and "不存在" in absent.stderr
