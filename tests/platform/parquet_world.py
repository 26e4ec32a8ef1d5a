"""A small settled world written straight into the tables, for the Parquet export and the
batch over it: two regions, three settlements (one reversed a month later), diagnoses, a
cancelled fee line, ledger postings and a death."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Integer, BigInteger, insert

from yibao.store import tables as t

SZ, CD = "440300", "510100"
SZ_HOSPITAL, CD_HOSPITAL = "H44030000001", "H51010000002"


def _filled(table, values: dict) -> dict:
    """The row with every other required column given a neutral value of its type."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.default is not None or column.server_default is not None:
            continue
        if column.primary_key and column.autoincrement is True:
            continue
        kind = type(column.type)
        row[column.name] = (0 if issubclass(kind, (Integer, BigInteger)) else False if issubclass(kind, Boolean)
                            else dt.datetime(2025, 1, 1) if issubclass(kind, DateTime)
                            else dt.date(2025, 1, 1) if issubclass(kind, Date) else "")
    return row


def _add(conn, table, *rows: dict) -> None:
    conn.execute(insert(table), [_filled(table, row) for row in rows])


def _visit(mdtrt_id, hospital, psn_no, region, begin, end, dise_codg=""):
    return dict(mdtrt_id=mdtrt_id, fixmedins_code=hospital, psn_no=psn_no, insutype="310", med_type="21",
                kind="inpatient", ipt_otp_no=mdtrt_id, begntime=begin, endtime=end, insuplc_admdvs=SZ,
                mdtrtarea_admvs=region, dise_codg=dise_codg, status="discharged", created_at=begin)


def _line(mdtrt_id, sn, code, when, cnt, pric, fen, status="uploaded"):
    return dict(mdtrt_id=mdtrt_id, feedetl_sn=sn, psn_no="", med_list_codg=code, cnt=cnt, pric=pric,
                det_item_fee_sumamt_fen=fen, fee_ocur_time=when, status=status, created_at=when)


def _settlement(setl_id, mdtrt_id, psn_no, hospital, region, when, kind="settlement", reverses=None, fen=10000):
    return dict(setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no=psn_no, insutype="310", fixmedins_code=hospital,
                med_type="21", kind=kind, reverses_setl_id=reverses, medins_setl_id=setl_id, infno="2304",
                setl_time=when, year=when.year, insuplc_admdvs=SZ, mdtrtarea_admvs=region, policy_id=1,
                scope="local", clr_type="21", medfee_sumamt_fen=fen if kind == "settlement" else -fen,
                pool_prop_selfpay="0.1", detail="{}", trace="[]")


def load(database) -> None:
    day = dt.datetime
    with database.write() as conn:
        _add(conn, t.institutions, dict(fixmedins_code=SZ_HOSPITAL, fixmedins_name="深圳医院", fixmedins_type="1",
                                        medins_lv="3", admdvs=SZ, secret_salt="s", secret_hash="h"),
             dict(fixmedins_code=CD_HOSPITAL, fixmedins_name="成都医院", fixmedins_type="1", medins_lv="2",
                  admdvs=CD, secret_salt="s", secret_hash="h"))
        _add(conn, t.persons, dict(psn_no="P1", certno="440300198006150011", psn_name="甲", gend="1",
                                   brdy=dt.date(1980, 6, 15)),
             dict(psn_no="P2", certno="510100199001010022", psn_name="乙", gend="2", brdy=dt.date(1990, 1, 1)))
        _add(conn, t.visits, _visit("V1", SZ_HOSPITAL, "P1", SZ, day(2025, 1, 8, 9), day(2025, 1, 10, 9)),
             _visit("V2", CD_HOSPITAL, "P2", CD, day(2025, 1, 18, 9), day(2025, 1, 20, 9), dise_codg="J18.9"),
             _visit("V3", SZ_HOSPITAL, "P1", SZ, day(2025, 2, 1, 9), day(2025, 2, 3, 9)))
        _add(conn, t.diagnoses, dict(mdtrt_id="V1", stage="adm", diag_code="I10"),
             dict(mdtrt_id="V1", stage="dscg", diag_code="E11.9"), dict(mdtrt_id="V2", stage="adm", diag_code="J18.9"))
        _add(conn, t.fee_lines, _line("V1", "0001", "F001", day(2025, 1, 8, 10), "1", "80", 8000),
             _line("V1", "0002", "BED", day(2025, 1, 9, 10), "2", "75.5", 15100),
             _line("V1", "0003", "BED", day(2025, 1, 9, 11), "1", "75.5", 7550, status="cancelled"),
             _line("V2", "0001", "F001", day(2025, 1, 19, 10), "1.5", "80", 12000),
             _line("V3", "0001", "F001", day(2025, 2, 2, 10), "1", "80", 8000))
        _add(conn, t.settlements, _settlement("S1", "V1", "P1", SZ_HOSPITAL, SZ, day(2025, 1, 10, 12)),
             _settlement("S2", "V2", "P2", CD_HOSPITAL, CD, day(2025, 1, 20, 12)),
             _settlement("S3", "V3", "P1", SZ_HOSPITAL, SZ, day(2025, 2, 3, 12)),
             _settlement("R3", "V3", "P1", SZ_HOSPITAL, SZ, day(2025, 3, 5, 12), kind="reversal", reverses="S3"))
        _add(conn, t.ledger_entries, dict(entry_id=1, kind="settlement", ref="S1", created_at=day(2025, 1, 10, 12)))
        _add(conn, t.ledger_postings, dict(entry_id=1, account="fund:440300:310100", amount_fen=9000),
             dict(entry_id=1, account=f"payable:{SZ_HOSPITAL}", amount_fen=-10000),
             dict(entry_id=1, account="psn_acct:P1", amount_fen=1000))
        _add(conn, t.deaths, dict(certno="510100199001010022", die_date=dt.date(2025, 1, 18), imported_at=day(2025, 2, 1)))
