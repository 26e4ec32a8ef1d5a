"""Imports never change money that has moved.

A persons re-import updates identity and insurance fields only; a balance in a persons file
opens the account of a new person (one ``opening`` entry) and is otherwise ignored and
counted. A key named twice in one file refuses the whole file with its row and column, for
every import kind.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from yibao.app.actors import SYSTEM
from yibao.app.consistency import check_database
from yibao.gateway.dispatch import Dispatcher, Settings
from yibao.app.importing import ImportError_, import_file
from yibao.store.repositories.ledger import balances, check_ledger
from yibao.app.platform import Platform
from yibao.sim.idnumbers import make_certno
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from .conftest import VENDORED_GOLDEN
from .platform.conftest import new_database_url, pg_cluster  # noqa: F401  (pg_cluster: a fixture)

NOW = dt.datetime(2026, 1, 10, 9, 0, 0)
INSURED = "371300"
PHARMACY = f"P{INSURED}00001"
PERSON_COLUMNS = ["psn_no", "psn_cert_type", "certno", "psn_name", "gend", "brdy", "insutype", "psn_type",
                  "insuplc_admdvs", "cvlserv_flag", "assistance_group", "acct_balance", "card_no", "family_psn_no"]


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: ("" if value is None else value) for key, value in row.items()})
    return path


def person_row(number: int, balance: str | None = "0.00", **changes) -> dict:
    row = {
        "psn_no": f"P{INSURED}{number:06d}", "psn_cert_type": "01",
        "certno": make_certno(INSURED, dt.date(1970, 1, 1) + dt.timedelta(days=number), number % 400, True),
        "psn_name": f"参保人{number}", "gend": "1", "brdy": (dt.date(1970, 1, 1) + dt.timedelta(days=number)).isoformat(),
        "insutype": "310", "psn_type": "1101", "insuplc_admdvs": INSURED, "cvlserv_flag": "0",
        "assistance_group": "", "acct_balance": "" if balance is None else balance, "card_no": f"K{number:08d}",
        "family_psn_no": "",
    }
    row.update(changes)
    return row


def new_database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path}/yibao.db")
    upgrade(database)
    return database


def money_snapshot(database: Database) -> dict:
    """Everything that is money: account entries, balances, the ledger."""
    with database.read() as conn:
        e = t.account_entries
        entries = [dict(row) for row in conn.execute(select(e).order_by(e.c.entry_id)).mappings()]
        psn_nos = sorted({row["psn_no"] for row in entries})
        ledger_entries = [tuple(row) for row in conn.execute(
            select(t.ledger_entries.c.entry_id, t.ledger_entries.c.kind, t.ledger_entries.c.ref)
            .order_by(t.ledger_entries.c.entry_id))]
        postings = [tuple(row) for row in conn.execute(
            select(t.ledger_postings.c.entry_id, t.ledger_postings.c.account, t.ledger_postings.c.amount_fen)
            .order_by(t.ledger_postings.c.entry_id, t.ledger_postings.c.account))]
        return {"entries": entries, "balances": repo.account_balances(conn, psn_nos), "ledger": ledger_entries,
                "postings": postings, "ledger_balances": balances(conn)}


def entries_of(database: Database, psn_no: str) -> list[dict]:
    with database.read() as conn:
        e = t.account_entries
        return [dict(row) for row in conn.execute(select(e).where(e.c.psn_no == psn_no).order_by(e.c.entry_id)).mappings()]


def balance_of(database: Database, psn_no: str) -> Decimal:
    with database.read() as conn:
        return repo.account_balance(conn, psn_no)


def count(database: Database, table) -> int:
    with database.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def pharmacy_world(database: Database, work: Path) -> None:
    """A policy with a pharmacy benefit, one drug and one pharmacy in the insured region: enough
    for a real account payment through the in-process gateway (as the fund-flow model test)."""
    case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
    policy = copy.deepcopy(case["policy"])
    policy.update(admdvs=INSURED, valid_from="2025-01-01", valid_to=None)
    policy["benefits"].append({"name": "pharmacy", "med_types": ["41"], "accumulator": "pharmacy", "deductible": None,
                               "bands": [{"upto": None, "ratio": 0.5}], "cap": {"key": "pharmacy", "amount": 3000}})
    (work / "policy.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    import_file(database, "policy", work / "policy.json", now=NOW)
    import_file(database, "hilist", write_csv(work / "hilist.csv", [
        {"hilist_code": "DRUG", "hilist_name": "药品", "insu_admdvs": INSURED, "begndate": "2000-01-01",
         "chrgitm_lv": "01"}]), now=NOW)
    import_file(database, "institutions", write_csv(work / "institutions.csv", [
        {"fixmedins_code": PHARMACY, "fixmedins_name": "测试药店", "fixmedins_type": "2", "medins_lv": "",
         "admdvs": INSURED, "secret": "pharmacy-secret"}]), now=NOW)


def buy_with_account(database: Database, psn_no: str, amount: Decimal) -> dict:
    """One pharmacy sale (2102) paid partly from the personal account; returns its setlinfo."""
    dispatcher = Dispatcher(Platform(database, clock=lambda: NOW), Settings(insecure_demo=True))
    info = {"psn_no": psn_no, "insutype": "310", "med_type": "41", "acct_used_flag": "1",
            "medfee_sumamt": f"{amount}", "begntime": NOW.strftime("%Y-%m-%d %H:%M:%S")}
    detail = [{"feedetl_sn": "1", "med_list_codg": "DRUG", "cnt": "1", "pric": f"{amount}", "det_item_fee_sumamt": f"{amount}"}]
    message = {"infno": "2102", "msgid": f"{PHARMACY}{1:018d}", "fixmedins_code": PHARMACY, "mdtrtarea_admvs": INSURED,
               "insuplc_admdvs": INSURED, "input": {"druginfo": info, "drugdetail": detail}}
    body = dispatcher.handle(message, {}, 0)
    assert body["infcode"] == 0, body["err_msg"]
    return body["output"]["setlinfo"]


def assert_consistent(database: Database) -> None:
    with database.read() as conn:
        assert check_ledger(conn) == []
    with SqlUnitOfWork(database, SYSTEM, NOW, write=False) as uow:
        assert check_database(uow) == []


# --- re-imports are money-neutral --------------------------------------------------------------

@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_reimporting_the_same_persons_file_is_money_neutral(backend, request, tmp_path_factory, tmp_path):
    """The reported incident: 8,286.51 imported, 2,014.45 spent from the account, the same file
    imported again. The balance stays 6,272.06; entries and ledger do not change."""
    database = Database(new_database_url(backend, request, tmp_path_factory))
    try:
        upgrade(database)
        pharmacy_world(database, tmp_path)
        rows = [person_row(1, "8286.51"), person_row(2, "300.00"), person_row(3, "0.00")]
        persons = write_csv(tmp_path / "persons.csv", rows, PERSON_COLUMNS)
        import_file(database, "persons", persons, now=NOW)
        psn_no = rows[0]["psn_no"]
        setlinfo = buy_with_account(database, psn_no, Decimal("4028.90"))
        spent = Decimal(str(setlinfo["acct_pay"]))
        assert spent == Decimal("2014.45")
        assert balance_of(database, psn_no) == Decimal("6272.06")
        before = money_snapshot(database)

        again = import_file(database, "persons", persons, now=NOW + dt.timedelta(days=1))

        assert money_snapshot(database) == before
        assert balance_of(database, psn_no) == Decimal("6272.06")
        assert (again.rows, again.openings, again.balances_ignored, again.balance_ignored_rows) == (3, 0, 1, [1])
        assert_consistent(database)
    finally:
        database.dispose()


def test_reimport_updates_identity_and_insurance_but_ignores_and_reports_a_changed_balance(tmp_path):
    database = new_database(tmp_path)
    rows = [person_row(1, "500.00"), person_row(2, "80.00"), person_row(3, "20.00"), person_row(4, None)]
    import_file(database, "persons", write_csv(tmp_path / "first.csv", rows, PERSON_COLUMNS), now=NOW)
    before = money_snapshot(database)
    changed = [
        person_row(1, "900.00", psn_name="改名后", card_no="K-NEW", psn_type="1201", cvlserv_flag="1"),
        person_row(2, "80.00"),  # the same balance: nothing to report
        person_row(3, ""),  # no balance stated: nothing to report
        person_row(4, "75.00"),  # person 4 has no account entries yet: this opens the account
    ]
    result = import_file(database, "persons", write_csv(tmp_path / "second.csv", changed, PERSON_COLUMNS),
                         now=NOW + dt.timedelta(days=1))

    after = money_snapshot(database)
    assert after["entries"][:len(before["entries"])] == before["entries"]
    assert [(e["psn_no"], e["kind"], e["amount_fen"]) for e in after["entries"][len(before["entries"]):]] == [
        (rows[3]["psn_no"], "opening", 7500)]
    assert balance_of(database, rows[0]["psn_no"]) == Decimal("500.00")
    with database.read() as conn:
        person = repo.person(conn, rows[0]["psn_no"])
        insurance = repo.insurance(conn, rows[0]["psn_no"], "310")
    assert (person["psn_name"], person["card_no"]) == ("改名后", "K-NEW")
    assert (insurance["psn_type"], insurance["cvlserv_flag"]) == ("1201", True)
    assert (result.balances_ignored, result.balance_ignored_rows, result.openings) == (1, [1], 1)
    assert_consistent(database)


def test_a_new_persons_balance_becomes_one_opening_entry_posted_to_the_ledger(tmp_path):
    database = new_database(tmp_path)
    rows = [person_row(1, "1234.56"), person_row(2, "0.00"), person_row(3, None)]
    result = import_file(database, "persons", write_csv(tmp_path / "p.csv", rows, PERSON_COLUMNS), now=NOW)

    [entry] = entries_of(database, rows[0]["psn_no"])
    assert (entry["kind"], entry["amount_fen"], entry["setl_id"]) == ("opening", 123456, None)
    assert entries_of(database, rows[1]["psn_no"]) == [] and entries_of(database, rows[2]["psn_no"]) == []
    with database.read() as conn:
        ledger_balances = balances(conn)
    assert ledger_balances == {f"acct_funding:{INSURED}": 123456, f"psn_acct:{rows[0]['psn_no']}": -123456}
    assert count(database, t.ledger_entries) == 1
    assert (result.openings, result.balances_ignored) == (1, 0)
    assert_consistent(database)

    # A later file with one more person: only the new person is opened.
    more = rows + [person_row(4, "10.00")]
    later = import_file(database, "persons", write_csv(tmp_path / "more.csv", more, PERSON_COLUMNS), now=NOW)
    assert [e["kind"] for e in entries_of(database, rows[0]["psn_no"])] == ["opening"]
    assert [(e["kind"], e["amount_fen"]) for e in entries_of(database, more[3]["psn_no"])] == [("opening", 1000)]
    assert (later.openings, later.balances_ignored) == (1, 0)
    assert_consistent(database)


def test_an_account_at_zero_after_spending_is_not_reopened_by_a_reimport(tmp_path):
    """A person whose account has entries is not new, even when the balance is back to zero."""
    database = new_database(tmp_path)
    pharmacy_world(database, tmp_path)
    rows = [person_row(1, "10.00")]
    persons = write_csv(tmp_path / "p.csv", rows, PERSON_COLUMNS)
    import_file(database, "persons", persons, now=NOW)
    buy_with_account(database, rows[0]["psn_no"], Decimal("100.00"))
    assert balance_of(database, rows[0]["psn_no"]) == Decimal("0.00")
    before = money_snapshot(database)
    result = import_file(database, "persons", persons, now=NOW)
    assert money_snapshot(database) == before
    assert (result.openings, result.balances_ignored) == (0, 1)


# --- duplicate keys ---------------------------------------------------------------------------

def _hilist(code="A001", begndate="2024-01-01", **changes):
    return {"hilist_code": code, "hilist_name": "某药", "insu_admdvs": INSURED, "begndate": begndate,
            "chrgitm_lv": "01", **changes}


def _lmtpric(code="A001", begndate="2024-01-01", **changes):
    return {"hilist_code": code, "insu_admdvs": INSURED, "begndate": begndate, "hilist_pric_uplmt_amt": "10.00",
            **changes}


def _selfpay(code="A001", begndate="2024-01-01", psn_type="", **changes):
    return {"hilist_code": code, "insu_admdvs": INSURED, "begndate": begndate, "selfpay_prop": "0.1",
            "selfpay_prop_psn_type": psn_type, **changes}


def _institution(code=PHARMACY, **changes):
    return {"fixmedins_code": code, "fixmedins_name": "测试药店", "fixmedins_type": "2", "medins_lv": "",
            "admdvs": INSURED, "secret": "pharmacy-secret", **changes}


def _filing(psn_no, begndate="2026-01-01", **changes):
    return {"psn_no": psn_no, "filing_type": "long_term", "dest_admdvs": "510100", "begndate": begndate,
            "enddate": "", **changes}


# kind, table, rows (row 3 repeats the key of row 1 with other values), the column named
DUPLICATES = {
    "hilist": (t.hilist, [_hilist(), _hilist(begndate="2025-01-01"), _hilist(hilist_name="另一个名字")], "hilist_code"),
    "lmtpric": (t.lmtpric, [_lmtpric(), _lmtpric(code="A002"), _lmtpric(hilist_pric_uplmt_amt="99.00")], "hilist_code"),
    "selfpay": (t.selfpay, [_selfpay(), _selfpay(psn_type="1"), _selfpay(selfpay_prop="0.3")], "hilist_code"),
    "institutions": (t.institutions, [_institution(), _institution(code=f"P{INSURED}00002"),
                                      _institution(fixmedins_name="改名药店")], "fixmedins_code"),
    "persons": (t.persons, [person_row(1, "100.00"), person_row(2, "5.00"), person_row(1, "999.00", psn_name="重复")],
                "psn_no"),
}


@pytest.mark.parametrize("kind", sorted(DUPLICATES))
def test_a_key_twice_in_one_file_refuses_the_file_with_row_and_column(kind, tmp_path):
    database = new_database(tmp_path)
    table, rows, column = DUPLICATES[kind]
    path = write_csv(tmp_path / f"{kind}.csv", rows)
    with pytest.raises(ImportError_) as refused:
        import_file(database, kind, path, now=NOW)
    message = str(refused.value)
    assert message.startswith(f"{path}: row 3, column {column}: ")
    assert "第 1 行" in message
    assert count(database, table) == 0
    assert count(database, t.account_entries) == 0 and count(database, t.ledger_entries) == 0
    # Without the repeated row the same file imports: the other rows differ in a key column.
    result = import_file(database, kind, write_csv(tmp_path / f"{kind}-ok.csv", rows[:2]), now=NOW)
    assert result.written == 2 and count(database, table) == 2


def test_duplicate_filings_refused_and_nothing_written(tmp_path):
    database = new_database(tmp_path)
    people = [person_row(1), person_row(2)]
    import_file(database, "persons", write_csv(tmp_path / "p.csv", people, PERSON_COLUMNS), now=NOW)
    first, second = people[0]["psn_no"], people[1]["psn_no"]
    rows = [_filing(first), _filing(second), _filing(first, begndate="2026-02-01"), _filing(second, enddate="2027-01-01")]
    path = write_csv(tmp_path / "filings.csv", rows)
    with pytest.raises(ImportError_) as refused:
        import_file(database, "filings", path, now=NOW)
    assert str(refused.value).startswith(f"{path}: row 4, column psn_no: ")
    assert "第 2 行" in str(refused.value)
    assert count(database, t.filings) == 0
    assert import_file(database, "filings", write_csv(tmp_path / "ok.csv", rows[:3]), now=NOW).written == 3


def test_an_unknown_person_in_a_filings_file_names_row_and_column(tmp_path):
    database = new_database(tmp_path)
    import_file(database, "persons", write_csv(tmp_path / "p.csv", [person_row(1)], PERSON_COLUMNS), now=NOW)
    path = write_csv(tmp_path / "filings.csv", [_filing(person_row(1)["psn_no"]), _filing("NOBODY")])
    with pytest.raises(ImportError_, match=r"row 2, column psn_no: unknown person NOBODY"):
        import_file(database, "filings", path, now=NOW)
    assert count(database, t.filings) == 0


def _policy_document(valid_from: str, name: str) -> dict:
    case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
    document = copy.deepcopy(case["policy"])
    document.update(admdvs=INSURED, insutype="310", valid_from=valid_from, valid_to=None, name=name)
    return document


def test_duplicate_policies_in_one_file_refused_and_nothing_written(tmp_path):
    database = new_database(tmp_path)
    documents = [_policy_document("2025-01-01", "A"), _policy_document("2026-01-01", "B"),
                 _policy_document("2025-01-01", "A 的另一个版本")]
    path = tmp_path / "policies.json"
    path.write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportError_) as refused:
        import_file(database, "policy", path, now=NOW)
    assert str(refused.value).startswith(f"{path}: row 3, column admdvs: ")
    assert "valid_from=2025-01-01" in str(refused.value) and "第 1 行" in str(refused.value)
    assert count(database, t.policies) == 0
    path.write_text(json.dumps(documents[:2], ensure_ascii=False), encoding="utf-8")
    assert import_file(database, "policy", path, now=NOW).written == 2


# --- the command line -------------------------------------------------------------------------

def yibao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_reimport_reports_ignored_balances_in_chinese_and_refuses_duplicates(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    rows = [person_row(1, "100.00"), person_row(2, "50.00")]
    first = yibao("import", "persons", str(write_csv(tmp_path / "p.csv", rows, PERSON_COLUMNS)), "--db", url)
    assert first.returncode == 0, first.stderr
    assert "2 名新参保人按文件中的账户余额建立了期初余额" in first.stdout
    changed = [person_row(1, "160.00"), person_row(2, "70.00")]
    second = yibao("import", "persons", str(write_csv(tmp_path / "q.csv", changed, PERSON_COLUMNS)), "--db", url)
    assert second.returncode == 0, second.stderr
    assert "2 行的账户余额与当前余额不同，已忽略；如需调整请使用 yibao account adjust" in second.stdout
    database = Database(url)
    assert balance_of(database, rows[0]["psn_no"]) == Decimal("100.00")
    duplicate = yibao("import", "persons", str(write_csv(tmp_path / "d.csv", rows + rows[:1], PERSON_COLUMNS)),
                      "--db", url)
    assert duplicate.returncode == 2
    assert "row 3, column psn_no" in duplicate.stderr and "nothing imported" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr
    database.dispose()
