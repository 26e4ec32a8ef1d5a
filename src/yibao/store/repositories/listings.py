"""``uow.listings``: the pages of the admin API's list endpoints and the dashboard's tables —
filings, cases, sanctions, institutions, settlements, clearing statements, prepayments — each
filtered, scoped to the regions an agency administers (a code prefix as in
store/repositories/statistics.py: ``44`` a province, ``4415`` a city; ``None`` every region),
in a fixed order, one page at a time with the total of the whole selection. Amounts are fen;
nothing here writes or locks (reads take no locks, docs/locking.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, func, or_, select

from .. import tables as t

SETTLEMENT_COLUMNS = ("setl_id", "mdtrt_id", "psn_no", "insutype", "fixmedins_code", "med_type", "kind",
                      "reverses_setl_id", "setl_time", "insuplc_admdvs", "mdtrtarea_admvs", "scope", "clr_type",
                      "medfee_sumamt_fen", "fulamt_ownpay_amt_fen", "overlmt_selfpay_fen", "preselfpay_amt_fen",
                      "inscp_scp_amt_fen", "hifp_pay_fen", "cvlserv_pay_fen", "hifmi_pay_fen", "maf_pay_fen",
                      "oth_pay_fen", "fund_pay_sumamt_fen", "psn_part_amt_fen", "acct_pay_fen", "acct_mulaid_pay_fen",
                      "psn_cash_pay_fen")
INSTITUTION_COLUMNS = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "medins_lv", "admdvs")


def _under(column, prefix: str | None):
    return column.like(f"{prefix}%") if prefix is not None else column.isnot(None)


def _insured_under(psn_no_column, prefix: str | None):
    """The person is insured in a region under the prefix (any of its insurances)."""
    i = t.insurances
    return select(i.c.psn_no).where(i.c.psn_no == psn_no_column, _under(i.c.insuplc_admdvs, prefix)).exists()


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def _page(self, query, order, limit: int, offset: int) -> tuple[list[dict], int]:
        total = self.conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = self.conn.execute(query.order_by(*order).limit(limit).offset(offset)).mappings().all()
        return [dict(row) for row in rows], int(total)

    def filings(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]:
        f = t.filings
        query = select(*[c for c in f.c if c.name != "filing_id"]).where(_insured_under(f.c.psn_no, prefix))
        query = query.where(*[f.c[name] == value for name, value in filters.items()])
        return self._page(query, (f.c.created_at.desc(), f.c.filing_id.desc()), limit, offset)

    def cases(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]:
        c = t.cases
        query = select(c).where(_under(c.c.admdvs, prefix), *[c.c[name] == value for name, value in filters.items()])
        return self._page(query, (c.c.opened_at.desc(), c.c.case_id), limit, offset)

    def sanctions(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]:
        s, i = t.sanctions, t.institutions
        institution_under = select(i.c.fixmedins_code).where(
            i.c.fixmedins_code == s.c.subject_id, _under(i.c.admdvs, prefix)).exists()
        scoped = or_(and_(s.c.subject_type == "institution", institution_under),
                     and_(s.c.subject_type == "person", _insured_under(s.c.subject_id, prefix)))
        wanted = dict(filters)
        active = wanted.pop("active", None)
        query = select(s).where(scoped, *[s.c[name] == value for name, value in wanted.items()])
        if active is not None:
            query = query.where(s.c.lifted_at.is_(None) if active else s.c.lifted_at.isnot(None))
        return self._page(query, (s.c.created_at.desc(), s.c.sanction_id), limit, offset)

    def institutions(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]:
        i = t.institutions
        wanted = dict(filters)
        text = wanted.pop("q", None)
        query = select(*[i.c[name] for name in INSTITUTION_COLUMNS]).where(
            _under(i.c.admdvs, prefix), *[i.c[name] == value for name, value in wanted.items()])
        if text:
            query = query.where(or_(i.c.fixmedins_code.startswith(text, autoescape=True),
                                    i.c.fixmedins_name.contains(text, autoescape=True)))
        return self._page(query, (i.c.fixmedins_code,), limit, offset)

    def settlements(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]:
        s = t.settlements
        wanted = dict(filters)
        begin, end = wanted.pop("from", None), wanted.pop("to", None)
        query = select(*[s.c[name] for name in SETTLEMENT_COLUMNS]).where(
            or_(_under(s.c.insuplc_admdvs, prefix), _under(s.c.mdtrtarea_admvs, prefix)),
            *[s.c[name] == value for name, value in wanted.items()])
        if begin is not None:
            query = query.where(s.c.setl_time >= dt.datetime.combine(begin, dt.time()))
        if end is not None:
            query = query.where(s.c.setl_time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        return self._page(query, (s.c.setl_time.desc(), s.c.setl_id.desc()), limit, offset)

    def statements(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]:
        c = t.clearing_statements
        wanted = dict(filters)
        include_superseded = wanted.pop("include_superseded", False)
        query = select(c).where(or_(_under(c.c.insuplc_admdvs, prefix), _under(c.c.mdtrtarea_admvs, prefix)),
                                *[c.c[name] == value for name, value in wanted.items()])
        if not include_superseded and "status" not in wanted:
            query = query.where(c.c.status != "superseded")
        return self._page(query, (c.c.month.desc(), c.c.insuplc_admdvs, c.c.mdtrtarea_admvs, c.c.version.desc()),
                          limit, offset)

    def prepayments(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]:
        p = t.prepayments
        treatment = _under(p.c.treatment_prov, prefix) if prefix is not None and len(prefix) == 2 else None
        scope = _under(p.c.insured_admdvs, prefix) if treatment is None else or_(
            _under(p.c.insured_admdvs, prefix), treatment)
        query = select(p).where(scope, *[p.c[name] == value for name, value in filters.items()])
        return self._page(query, (p.c.year.desc(), p.c.insured_admdvs, p.c.treatment_prov, p.c.prepay_id),
                          limit, offset)

    # --- the dashboard's drill-down ----------------------------------------------------------------
    def settlement(self, setl_id: str) -> dict | None:
        s = t.settlements
        row = self.conn.execute(select(s).where(s.c.setl_id == setl_id)).mappings().first()
        return dict(row) if row else None

    def fee_lines(self, mdtrt_id: str) -> list[dict]:
        f = t.fee_lines
        rows = self.conn.execute(select(f.c.feedetl_sn, f.c.med_list_codg, f.c.medins_list_codg, f.c.cnt, f.c.pric,
                                        f.c.det_item_fee_sumamt_fen, f.c.fee_ocur_time, f.c.status)
                                 .where(f.c.mdtrt_id == mdtrt_id).order_by(f.c.feedetl_sn)).mappings().all()
        return [dict(row) for row in rows]

    def person(self, psn_no: str) -> dict | None:
        p = t.persons
        row = self.conn.execute(select(p.c.psn_no, p.c.psn_name, p.c.certno, p.c.gend, p.c.brdy)
                                .where(p.c.psn_no == psn_no)).mappings().first()
        return dict(row) if row else None

    def persons_by_certno(self, certno: str, prefix: str | None) -> list[str]:
        p = t.persons
        return list(self.conn.execute(select(p.c.psn_no).where(p.c.certno == certno, _insured_under(p.c.psn_no, prefix))
                                      .order_by(p.c.psn_no).limit(20)).scalars())

    def institution(self, fixmedins_code: str) -> dict | None:
        i = t.institutions
        row = self.conn.execute(select(*[i.c[name] for name in INSTITUTION_COLUMNS])
                                .where(i.c.fixmedins_code == fixmedins_code)).mappings().first()
        return dict(row) if row else None

    def clearing_application(self, clr_appy_evt_id: str) -> dict | None:
        a = t.clearing_applications
        row = self.conn.execute(select(a).where(a.c.clr_appy_evt_id == clr_appy_evt_id)).mappings().first()
        return dict(row) if row else None

    def institutions_of_pair(self, insured: str, treatment: str, begin: dt.datetime,
                             stop: dt.datetime) -> list[dict]:
        """Per institution of a region pair over [begin, stop): net settlements (a reversal −1), fees, funds."""
        from sqlalchemy import case

        s, i = t.settlements, t.institutions
        sign = case((s.c.kind == "settlement", 1), else_=-1)
        rows = self.conn.execute(
            select(s.c.fixmedins_code, func.max(i.c.fixmedins_name).label("fixmedins_name"),
                   func.sum(sign).label("setl_cnt"), func.sum(s.c.medfee_sumamt_fen).label("medfee_sumamt_fen"),
                   func.sum(s.c.fund_pay_sumamt_fen).label("fund_pay_sumamt_fen"))
            .select_from(s.outerjoin(i, i.c.fixmedins_code == s.c.fixmedins_code))
            .where(s.c.insuplc_admdvs == insured, s.c.mdtrtarea_admvs == treatment, s.c.setl_time >= begin,
                   s.c.setl_time < stop)
            .group_by(s.c.fixmedins_code).order_by(s.c.fixmedins_code)).mappings().all()
        return [dict(row) for row in rows]
