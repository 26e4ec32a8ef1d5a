"""``uow.exports``: the rows behind ``yibao export`` (analytics/export.py), streamed in chunks
so a month of a province never sits in memory whole. Each method yields lists of tuples in
the column order of its ``*_COLUMNS``; amounts stay integer fen, quantities their decimal text.
A server-side cursor on PostgreSQL (``stream_results``), the lazy cursor on SQLite."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from sqlalchemy import Connection, select

from .. import tables as t

SETTLEMENT_COLUMNS = (
    "setl_id", "mdtrt_id", "psn_no", "insutype", "fixmedins_code", "med_type", "kind", "reverses_setl_id",
    "infno", "setl_time", "year", "insuplc_admdvs", "mdtrtarea_admvs", "scope", "clr_type",
    "medfee_sumamt_fen", "fulamt_ownpay_amt_fen", "overlmt_selfpay_fen", "preselfpay_amt_fen",
    "inscp_scp_amt_fen", "hifp_pay_fen", "cvlserv_pay_fen", "hifes_pay_fen", "hifmi_pay_fen", "hifob_pay_fen",
    "maf_pay_fen", "oth_pay_fen", "fund_pay_sumamt_fen", "psn_part_amt_fen", "acct_pay_fen",
    "acct_mulaid_pay_fen", "psn_cash_pay_fen", "hosp_part_amt_fen",
)
LINE_COLUMNS = (
    "setl_id", "setl_time", "mdtrt_id", "psn_no", "certno", "gend", "brdy", "fixmedins_code", "medins_lv",
    "med_type", "insuplc_admdvs", "mdtrtarea_admvs", "begntime", "endtime", "dise_codg", "feedetl_sn",
    "med_list_codg", "fee_ocur_time", "cnt", "pric", "det_item_fee_sumamt_fen",
)
DIAGNOSIS_COLUMNS = ("mdtrt_id", "diag_id", "diag_code")
POSTING_COLUMNS = ("entry_id", "kind", "ref", "created_at", "posting_id", "account", "amount_fen")


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def _chunks(self, query, chunk_rows: int) -> Iterator[list[tuple]]:
        result = self.conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(query)
        for part in result.partitions(chunk_rows):
            yield [tuple(row) for row in part]

    def settlements(self, start: dt.datetime, stop: dt.datetime, chunk_rows: int) -> Iterator[list[tuple]]:
        """Settlements and reversals with settlement times in [start, stop)."""
        s = t.settlements
        query = (select(*(s.c[name] for name in SETTLEMENT_COLUMNS))
                 .where(s.c.setl_time >= start, s.c.setl_time < stop).order_by(s.c.setl_time, s.c.setl_id))
        return self._chunks(query, chunk_rows)

    def claim_lines(self, start: dt.datetime, stop: dt.datetime, chunk_rows: int) -> Iterator[list[tuple]]:
        """The uploaded fee lines of every settlement (not reversal) of [start, stop), with the
        visit's, person's and institution's columns the audit needs. Reversed settlements are
        kept: a later reversal would otherwise leave an exported month stale; the batch drops
        them with the settlements dataset (docs/batch.md)."""
        s, v, f, p, i = t.settlements, t.visits, t.fee_lines, t.persons, t.institutions
        query = (
            select(s.c.setl_id, s.c.setl_time, v.c.mdtrt_id, v.c.psn_no, p.c.certno, p.c.gend, p.c.brdy,
                   v.c.fixmedins_code, i.c.medins_lv, v.c.med_type, v.c.insuplc_admdvs, v.c.mdtrtarea_admvs,
                   v.c.begntime, v.c.endtime, v.c.dise_codg, f.c.feedetl_sn, f.c.med_list_codg, f.c.fee_ocur_time,
                   f.c.cnt, f.c.pric, f.c.det_item_fee_sumamt_fen)
            .select_from(s.join(v, v.c.mdtrt_id == s.c.mdtrt_id).join(f, f.c.mdtrt_id == v.c.mdtrt_id)
                         .join(p, p.c.psn_no == v.c.psn_no).join(i, i.c.fixmedins_code == v.c.fixmedins_code))
            .where(s.c.kind == "settlement", f.c.status == "uploaded", s.c.setl_time >= start, s.c.setl_time < stop)
            .order_by(s.c.setl_time, s.c.setl_id, f.c.feedetl_sn))
        return self._chunks(query, chunk_rows)

    def claim_diagnoses(self, start: dt.datetime, stop: dt.datetime, chunk_rows: int) -> Iterator[list[tuple]]:
        """The diagnoses of the visits settled in [start, stop), in their stored order."""
        s, d = t.settlements, t.diagnoses
        settled = select(s.c.mdtrt_id).where(s.c.kind == "settlement", s.c.setl_time >= start, s.c.setl_time < stop)
        query = (select(d.c.mdtrt_id, d.c.diag_id, d.c.diag_code).where(d.c.mdtrt_id.in_(settled))
                 .order_by(d.c.mdtrt_id, d.c.diag_id))
        return self._chunks(query, chunk_rows)

    def ledger_postings(self, start: dt.datetime, stop: dt.datetime, chunk_rows: int) -> Iterator[list[tuple]]:
        """Every posting of the ledger entries created in [start, stop), with its entry."""
        e, p = t.ledger_entries, t.ledger_postings
        query = (select(e.c.entry_id, e.c.kind, e.c.ref, e.c.created_at, p.c.posting_id, p.c.account, p.c.amount_fen)
                 .select_from(e.join(p, p.c.entry_id == e.c.entry_id))
                 .where(e.c.created_at >= start, e.c.created_at < stop).order_by(e.c.entry_id, p.c.posting_id))
        return self._chunks(query, chunk_rows)

    def deaths(self, chunk_rows: int) -> Iterator[list[tuple]]:
        """The death registry: (certno, die_date)."""
        return self._chunks(select(t.deaths.c.certno, t.deaths.c.die_date).order_by(t.deaths.c.certno), chunk_rows)
