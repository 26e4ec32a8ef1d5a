"""A small generated year of inpatient history for the payment-method tests: institutions of
three levels in one region (imported through the institutions file), insured persons, and for
each discharged stay its visit, discharge diagnoses, settlement (local scope, integer fen) and,
for some, a 4101 settlement list with coded diagnoses and operations. Some settlements are
reversed (a reversal row), and some belong to another year or another region's insured, so the
case reader's filters are exercised. Deterministic (a seeded random generator)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert

from yibao.app.importing import import_file
from yibao.store import tables as t

from .golden_world import write_csv

REGION = "440300"
INSTITUTIONS = {"H44030000101": "3", "H44030000102": "2", "H44030000103": "1", "H44030000104": "2"}
STAYS = [("K35.800", "47.0901"), ("K80.100", "51.2300"), ("J18.900", ""), ("I21.000", "36.0601"),
         ("I63.900", ""), ("O82.000", "74.1x00"), ("E11.900", ""), ("C34.900", "32.2901"), ("N20.000", "")]


def import_institutions(database, folder) -> None:
    rows = [dict(fixmedins_code=code, fixmedins_name=f"测试医院{code[-3:]}", fixmedins_type="1", medins_lv=level,
                 admdvs=REGION, secret=f"secret-{code}") for code, level in INSTITUTIONS.items()]
    import_file(database, "institutions", write_csv(folder / "institutions.csv", rows), now=dt.datetime(2026, 1, 1))


def _settlement(n: int, visit: dict, fee: int, fund: int, when: dt.datetime, **changes) -> dict:
    zero = {name: 0 for name in ("fulamt_ownpay_amt_fen", "overlmt_selfpay_fen", "preselfpay_amt_fen",
                                 "act_pay_dedc_fen", "cvlserv_pay_fen", "hifes_pay_fen", "hifmi_pay_fen", "hifob_pay_fen",
                                 "maf_pay_fen", "oth_pay_fen", "acct_pay_fen", "acct_mulaid_pay_fen", "hosp_part_amt_fen",
                                 "balc_fen")}
    row = dict(zero, setl_id=f"S{n:06d}", mdtrt_id=visit["mdtrt_id"], psn_no=visit["psn_no"], insutype="310",
                fixmedins_code=visit["fixmedins_code"], med_type="21", kind="settlement", reverses_setl_id=None,
                follows_reversal_id=None, medins_setl_id=f"MSG{n:06d}", infno="2304", setl_time=when, year=when.year,
                insuplc_admdvs=visit["insuplc_admdvs"], mdtrtarea_admvs=REGION, policy_id=1,
                scope="local" if visit["insuplc_admdvs"] == REGION else "in_province", filing=None, filing_no=None,
                clr_type="21", medfee_sumamt_fen=fee, inscp_scp_amt_fen=fee, hifp_pay_fen=fund, pool_prop_selfpay="0.2",
                fund_pay_sumamt_fen=fund, psn_part_amt_fen=fee - fund, psn_cash_pay_fen=fee - fund, detail="{}",
                trace="[]")
    row.update(changes)
    return row


def _setl_list(n: int, settlement: dict, diagnosis: str, operation: str, secondary: str | None):
    list_id = f"L{n:06d}"
    row = dict(setl_list_id=list_id, setl_id=settlement["setl_id"], mdtrt_id=settlement["mdtrt_id"],
               psn_no=settlement["psn_no"], fixmedins_code=settlement["fixmedins_code"], infno="4101",
               supersedes_list_id=None, psn_selfpay_fen=0, psn_ownpay_fen=0, acct_pay_fen=0,
               psn_cashpay_fen=settlement["psn_cash_pay_fen"], setlinfo="{}", payinfo="[]", iteminfo="[]", icuinfo="[]",
               qc_problems="[]", created_at=settlement["setl_time"], created_by=f"MSG{n:06d}")
    diagnoses = [dict(doc_kind="setl_list", doc_id=list_id, seq=1, source="diseinfo", diag_code=diagnosis,
                      maindiag_flag="1")]
    if secondary:
        diagnoses.append(dict(doc_kind="setl_list", doc_id=list_id, seq=2, source="diseinfo", diag_code=secondary,
                              maindiag_flag="0"))
    operations = [dict(doc_kind="setl_list", doc_id=list_id, seq=1, oprn_oprt_type="1", oprn_oprt_code=operation)] \
        if operation else []
    return row, diagnoses, operations


def generate(database, *, year: int, stays: int, seed: int = 7) -> dict:
    """Insert ``stays`` discharged stays of ``year`` (plus noise); what was inserted, by kind."""
    rng = random.Random(seed)
    codes = sorted(INSTITUTIONS)
    persons, visits, diagnoses, settlements, lists, coded_d, coded_o = [], [], [], [], [], [], []
    for n in range(stays + 6):
        psn_no = f"P{n:08d}"
        persons.append(dict(psn_no=psn_no, psn_cert_type="01", certno=f"4403001950{n:08d}", psn_name=f"测试{n}",
                            gend="1", brdy=dt.date(1940 + rng.randrange(70), 1 + rng.randrange(12), 1), card_no=""))
        diagnosis, operation = STAYS[n % len(STAYS)]
        other_year = n >= stays + 3  # noise: three stays of the year before
        admitted = dt.datetime(year - 1 if other_year else year, 1 + rng.randrange(11), 1 + rng.randrange(25), 9)
        discharged = admitted + dt.timedelta(days=2 + rng.randrange(12))
        visit = dict(mdtrt_id=f"M{n:06d}", fixmedins_code=codes[n % len(codes)], psn_no=psn_no, insutype="310",
                     med_type="21", kind="inpatient", ipt_otp_no=f"ZY{n:06d}", begntime=admitted, endtime=discharged,
                     insuplc_admdvs=REGION if n % 11 else "440100", mdtrtarea_admvs=REGION, dise_codg=diagnosis,
                     dise_name="", status="discharged", created_at=admitted)
        visits.append(visit)
        diagnoses.append(dict(mdtrt_id=visit["mdtrt_id"], stage="dscg", diag_type="1", diag_srt_no="1",
                              diag_code=diagnosis, diag_name="", maindiag_flag="1"))
        fee = rng.randrange(3_000_00, 40_000_00)
        settlement = _settlement(n, visit, fee, fee * 7 // 10, discharged)
        settlements.append(settlement)
        if n % 4 == 0:
            row, d, o = _setl_list(n, settlement, diagnosis, operation, "I10.x00" if n % 2 else None)
            lists.append(row)
            coded_d += d
            coded_o += o
        if n % 13 == 5:  # reversed: not a case
            settlements.append(_settlement(900_000 + n, visit, -fee, -(fee * 7 // 10), discharged,
                                           kind="reversal", reverses_setl_id=settlement["setl_id"]))
    with database.write() as conn:
        for table, rows in ((t.persons, persons), (t.visits, visits), (t.diagnoses, diagnoses),
                            (t.settlements, settlements), (t.setl_lists, lists), (t.coded_diagnoses, coded_d),
                            (t.coded_operations, coded_o)):
            if rows:
                conn.execute(insert(table), rows)
    return {"settlements": settlements, "lists": lists, "visits": visits}


def expected_cases(generated: dict, year: int) -> list[dict]:
    """The settlements the case reader should yield: local, of the year, not reversed."""
    reversed_ids = {s["reverses_setl_id"] for s in generated["settlements"] if s["kind"] == "reversal"}
    return [s for s in generated["settlements"] if s["kind"] == "settlement" and s["scope"] == "local"
            and s["setl_time"].year == year and s["setl_id"] not in reversed_ids]
