"""The platform's composition root for use cases: database, clock, caches, settlement.

``Platform.settle_visit`` is the one place where stored data becomes a domain case and a
domain settlement becomes stored rows, so the gateway and any batch replay compute
exactly what ``yibao settle`` computes for the same data.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from decimal import Decimal

from yibao.documents.policy_document import parse_policy
from yibao.documents.render import fen as as_fen
from yibao.documents.render import ratio as as_ratio
from yibao.documents.validation import parse_json
from yibao.domain import codes
from yibao.domain import maternity as maternity_rules
from yibao.domain.case import FeeLine, Person, SettlementCase, Visit, YearToDate
from yibao.domain.errors import SettlementRefused
from yibao.domain.policy import Policy
from yibao.domain.settle import Settlement, settle
from yibao.store import repository as repo
from yibao.store.database import Database

from . import filings, internet_plus, ledger, maternity
from .clock import Clock, system_clock
from .error_codes import refusal
from .errors import new_id
from .enrollment import check_covered
from .evouchers import TokenSettings
from .unit_of_work import UnitOfWork

CLR_TYPE = {"outpatient": "11", "inpatient": "21", "pharmacy": "41"}
UNREAD = object()  # a family link not read yet


@dataclass
class Priced:
    """A settlement computed for a visit, with what is needed to store and answer it."""

    settlement: Settlement
    case: SettlementCase
    policy_id: int
    person: dict
    insurance: dict
    year: int
    family_psn_no: str | None  # the link locked by: the bound owners, comma-joined in binding order (亲情账户)
    filing: str | None
    filing_no: str | None
    # (seq, balance_fen) of the person's and the family owner's last account entries, read
    # under their locks (only a locked pricing may be stored).
    account_tips: dict[str, tuple[int, int]] | None = None


class Platform:
    def __init__(self, database: Database, clock: Clock = system_clock, *, file_ttl: dt.timedelta = dt.timedelta(hours=24),
                 tokens: TokenSettings | None = None, reports: Database | None = None):
        self.database = database
        # where statistics and the dashboard read: a streaming replica when one is configured
        # (YIBAO_READ_DATABASE_URL, store/reports.py), else the primary
        self.reports_database = reports or database
        self.clock = clock
        # The e-voucher tokens' key and lifetime (app/evouchers.py; settings.token_settings()).
        self.tokens = tokens or TokenSettings()
        # How long a 9101 upload or a 13xx download may be fetched with 9102 (settings.file_ttl_hours).
        self.file_ttl = file_ttl
        self._policies: dict[int, Policy] = {}
        self._lock = threading.Lock()

    def unit_of_work(self, actor, *, write: bool = True):
        """One transaction with its repositories, the acting party and this platform's clock
        (read once: the whole unit sees one "now")."""
        from yibao.store.unit_of_work import SqlUnitOfWork

        return SqlUnitOfWork(self.database, actor, self.clock(), write=write)

    def report_unit_of_work(self, actor):
        """A read-only unit of work on the reports database (it may lag the primary by the
        replication delay: figures, never a decision that guards money)."""
        from yibao.store.unit_of_work import SqlUnitOfWork

        return SqlUnitOfWork(self.reports_database, actor, self.clock(), write=False)

    # --- policies --------------------------------------------------------------------
    def policy(self, row: dict) -> Policy:
        """Policies are immutable once imported, so the parsed document is cached by id."""
        policy = self._policies.get(row["policy_id"])
        if policy is None:
            policy = parse_policy(parse_json(row["document"]), "policy")
            with self._lock:
                self._policies[row["policy_id"]] = policy
        return policy

    # --- settlement --------------------------------------------------------------------
    def price_visit(
        self, uow: UnitOfWork, visit: dict, institution: dict, line_rows: list[dict], *,
        med_type: str, acct_used_flag: bool, lock: bool = False, family_link: str | None | object = UNREAD,
        locked: dict | None = None, delivery: bool = False,
    ) -> Priced:
        """``lock``: for a settlement that will be stored, lock the person and the family account
        owner first (docs/locking.md) so the balances and accumulators read here stay true.
        ``family_link``: the person's family account owner as read with the visit, if it was.
        ``locked``: what ``uow.settlements.lock_for_settlement`` read when the caller took that
        lock itself (with ``family_link``, the link it locked by). ``delivery``: an Internet+
        visit or a circulated prescription, whose delivery items the funds never pay
        (app/internet_plus.py; read only for those, so other visits pay no extra statement)."""
        settlements = uow.settlements
        if locked is not None:
            assert lock and family_link is not UNREAD
            person, insurance = checked_family_link(locked["person"], locked["insurance"], family_link)
        elif lock:
            person, insurance = lock_person_and_family(uow, visit["psn_no"], visit["insutype"], family_link)
        else:
            person, insurance = settlements.person(visit["psn_no"]), settlements.insurance(visit["psn_no"], visit["insutype"])
        if person is None:
            raise refusal("PERSON_NOT_FOUND", psn_no=visit["psn_no"])
        if insurance is None or insurance["psn_insu_stas"] != "1":
            raise refusal("PERSON_NO_ACTIVE_INSURANCE", psn_no=visit["psn_no"], insutype=visit["insutype"])
        check_covered(insurance, visit["psn_no"], visit["begntime"].date())  # docs/enrollment.md
        day = (visit["endtime"] or visit["begntime"]).date()
        policy_row = settlements.policy_in_force(insurance["insuplc_admdvs"], visit["insutype"], day)
        if policy_row is None:
            raise refusal("SETTLE_NO_POLICY", insured=insurance["insuplc_admdvs"], insutype=visit["insutype"], day=day)
        policy = self.policy(policy_row)
        lines = net_fee_lines(line_rows)
        if not lines:
            raise refusal("FEE_NONE_UPLOADED", mdtrt_id=visit["mdtrt_id"])
        catalog = settlements.catalogue(institution["admdvs"], {line.code for line in lines}, day)
        if delivery:
            catalog = internet_plus.mark_delivery(uow, catalog, institution["admdvs"])
        filing, filing_no = visit_filing(uow, visit["psn_no"], insurance["insuplc_admdvs"], institution["admdvs"],
                                         visit["begntime"].date(), emergency=bool(visit.get("emergency")))
        if policy.maternity is not None and policy.maternity.filing_required and med_type in maternity_rules.MATERNITY_MED_TYPES:
            maternity.require_filing(uow, visit["psn_no"], day)  # 生育登记 where the policy asks for it
        year = day.year
        family = person.get("family_binders")  # the bound owners, earliest binding first (§2.3)
        owners = repo.link_owners(family)
        tips, ytd = settlements.tips_and_year_to_date([visit["psn_no"]] + owners, visit["psn_no"],
                                                      visit["insutype"], year)
        balance = repo.from_fen(tips.get(visit["psn_no"], (0, 0))[1])
        family_accounts = tuple((owner, repo.from_fen(tips.get(owner, (0, 0))[1])) for owner in owners)
        qualified = (filings.qualified_diseases(uow, visit["psn_no"], visit["insutype"], day)
                     if needs_qualification(policy, med_type) else None)
        case = SettlementCase(
            policy=policy,
            catalog=catalog,
            person=case_person(person, insurance, balance=balance, family_accounts=family_accounts,
                               qualified=qualified),
            ytd=ytd,
            visit=Visit(
                med_type=med_type,
                medins_lv=institution["medins_lv"] or "",
                begndate=visit["begntime"].date(),
                enddate=day,
                insuplc_admdvs=insurance["insuplc_admdvs"],
                mdtrtarea_admvs=institution["admdvs"],
                filing=filing,
                acct_used_flag=acct_used_flag,
                dise_codg=visit.get("dise_codg") or None,
                delivery_type=maternity_rules.visit_kind(visit.get("matn_type"), visit.get("birctrl_type")),
            ),
            lines=tuple(lines),
        )
        try:
            settlement = settle(case)
        except SettlementRefused as refused:
            # the spec's code (E_NOT_FILED…) is the gateway's code; the text from its templates
            raise refusal(refused.code, **refused.params) from None
        return Priced(settlement, case, policy_row["policy_id"], person, insurance, year, family, filing, filing_no,
                      tips if lock else None)

    def store_settlement(
        self, uow: UnitOfWork, priced: Priced, visit: dict, institution: dict, *,
        msgid: str, infno: str, chrg_bchno: str = "", follows_reversal_id: str | None = None,
    ) -> dict:
        """Write the settlement, its account and accumulator movements; return the stored row.

        ``follows_reversal_id``: what the visit's settlement chain says a new settlement follows,
        read by the caller under the visit's lock (``repo.settlement_chain``); None for a new
        visit (pharmacy) or a first settlement."""
        assert priced.account_tips is not None, "only a pricing made under the persons' locks is stored"
        now = uow.now
        s = priced.settlement
        setl_id = new_id("30")
        row = {
            "setl_id": setl_id,
            "mdtrt_id": visit["mdtrt_id"],
            "psn_no": visit["psn_no"],
            "insutype": visit["insutype"],
            "fixmedins_code": institution["fixmedins_code"],
            "med_type": priced.case.visit.med_type,
            "kind": "settlement",
            "reverses_setl_id": None,
            "medins_setl_id": msgid,
            "infno": infno,
            "setl_time": now,
            "year": priced.year,
            "insuplc_admdvs": priced.case.visit.insuplc_admdvs,
            "mdtrtarea_admvs": priced.case.visit.mdtrtarea_admvs,
            "policy_id": priced.policy_id,
            "scope": s.scope,
            "filing": priced.filing,
            "filing_no": priced.filing_no,
            "adjustment": "" if s.adjustment.mode == "none" else f"{s.adjustment.mode} {s.adjustment.value}",
            "clr_type": CLR_TYPE[visit["kind"]],
            "chrg_bchno": chrg_bchno,
            "pool_prop_selfpay": f"{as_ratio(s.pool_prop_selfpay)}",
            "detail": json.dumps(settlement_detail(s), ensure_ascii=False),
            "trace": json.dumps(list(s.trace), ensure_ascii=False),
        }
        for name in repo.SETLINFO_AMOUNTS:
            row[f"{name}_fen"] = repo.to_fen(getattr(s, name))
        row["follows_reversal_id"] = follows_reversal_id
        settlements = uow.settlements
        settlements.add(row)
        actor = f"{institution['fixmedins_code']}/{msgid}"
        tips = priced.account_tips
        if s.acct_pay:
            settlements.move_account(visit["psn_no"], -s.acct_pay, "acct_pay", setl_id, actor=actor,
                                     tip=tips.get(visit["psn_no"], (0, 0)))
        for owner, amount in s.mutual_aid_draws:  # each bound account, earliest binding first
            settlements.move_account(owner, -amount, "mutual_aid_pay", setl_id, actor=actor, tip=tips.get(owner, (0, 0)))
        settlements.add_accumulators(visit["psn_no"], visit["insutype"], priced.year, s.delta, setl_id)
        check_stored(row)
        uow.ledger.post(ledger.settlement_entry_for(row))
        return row

    def reverse_settlement(self, uow: UnitOfWork, original: dict, *, msgid: str, infno: str, actor: str = "") -> dict:
        """A new opposite settlement (TigerBeetle style: corrections are new records).

        The caller holds the visit's lock; this locks the person and the family account owner
        whose money comes back (docs/locking.md) and then re-reads whether it is reversed."""
        if original["kind"] != "settlement":
            raise refusal("REVERSAL_OF_REVERSAL", setl_id=original["setl_id"])
        detail = json.loads(original["detail"])
        draws = ledger.mutual_aid_draws(detail, original["acct_mulaid_pay_fen"])
        settlements = uow.settlements
        settlements.lock_persons([original["psn_no"]] + [owner for owner, _ in draws])
        if settlements.reversal_of(original["setl_id"]) is not None:
            raise refusal("REVERSAL_ALREADY_REVERSED", setl_id=original["setl_id"])
        now = uow.now
        setl_id = new_id("30")
        row = dict(original)
        row.update(
            setl_id=setl_id, kind="reversal", reverses_setl_id=original["setl_id"], follows_reversal_id=None,
            medins_setl_id=msgid,
            infno=infno, setl_time=now,
            trace=json.dumps([f"reversal of settlement {original['setl_id']}"], ensure_ascii=False),
        )
        for name in repo.SETLINFO_AMOUNTS:
            row[f"{name}_fen"] = -original[f"{name}_fen"]
        acct_pay = repo.from_fen(original["acct_pay_fen"])
        balance_after = settlements.account_balance(original["psn_no"]) + acct_pay
        row["balc_fen"] = repo.to_fen(balance_after)
        settlements.add(row)
        if acct_pay:
            settlements.move_account(original["psn_no"], acct_pay, "reversal", setl_id, actor=actor)
        for owner, fen in draws:
            settlements.move_account(owner, repo.from_fen(fen), "reversal", setl_id, actor=actor)
        delta = ytd_from_json(detail["delta"])
        settlements.add_accumulators(original["psn_no"], original["insutype"], original["year"], delta, setl_id, sign=-1)
        uow.ledger.post(ledger.settlement_entry_for(row))
        return row


def visit_filing(uow: UnitOfWork, psn_no: str, insured: str, treated: str, begndate: dt.date, *,
                 emergency: bool) -> tuple[str | None, str | None]:
    """The filing type and number a cross-region visit settles under: the filing that covers the
    treatment region on the admission date; emergency rescue is treated as filed (22号 第8条);
    (None, None) for a local visit or an unfiled one."""
    if insured == treated:
        return None, None
    found = filings.filing_for_visit(uow, psn_no, treated, begndate)
    if found is not None:
        return found.filing_type, found.filing_no
    return ("emergency", None) if emergency else (None, None)


def needs_qualification(policy: Policy, med_type: str) -> bool:
    """Whether the benefit of ``med_type`` is a disease benefit (门慢特): then the person's
    qualifications are read."""
    return any(b.diseases is not None and med_type in b.med_types for b in policy.benefits)


def case_person(person: dict, insurance: dict, *, balance: Decimal, qualified: frozenset[str] | None,
                family_accounts: tuple[tuple[str, Decimal], ...] = ()) -> Person:
    """The engine's person from the stored person and insurance rows; ``family_accounts``: the
    bound owners' (psn_no, balance) in binding order (亲情账户)."""
    return Person(
        psn_no=person["psn_no"],
        insutype=insurance["insutype"],
        psn_type=insurance["psn_type"],
        retired=codes.psn_type_is_retired(insurance["psn_type"]),
        cvlserv_flag=bool(insurance["cvlserv_flag"]),
        assistance_group=insurance["assistance_group"] or None,
        acct_balance=balance,
        mutual_aid_balance=sum((b for _, b in family_accounts), Decimal(0)),
        mutual_aid_accounts=family_accounts,
        qualified_diseases=qualified,
    )


def lock_person_and_family(uow: UnitOfWork, psn_no: str, insutype: str,
                           family_link: str | None | object = UNREAD) -> tuple[dict | None, dict | None]:
    """Lock the person and the bound family account owners (家庭共济, 亲情账户) in psn_no order
    and read the person (and the insurance) after the lock: the link read before the lock must
    still be the link after it, or an owner whose balance is spent might not be one locked."""
    if family_link is UNREAD:
        before = uow.settlements.person(psn_no)
        if before is None:
            return None, None
        family_link = before.get("family_binders")
    person, insurance, _ = uow.settlements.lock_settling_persons(psn_no, family_link, insutype)
    return checked_family_link(person, insurance, family_link)


def checked_family_link(person: dict | None, insurance: dict | None, family_link: str | None) -> tuple[dict | None, dict | None]:
    """The persons were locked by the family link read before the lock: it must still be the
    person's link after it."""
    if person is not None and person.get("family_binders") != family_link:
        raise refusal("SETTLE_FAMILY_LINK_CHANGED", psn_no=person['psn_no'])
    return person, insurance


def settlement_detail(s: Settlement) -> dict:
    """The stored detail; ``family_psn_no`` (the first bound account that paid) is kept for
    the readers of settlements stored before bindings, ``mutual_aid`` lists every one, in fen."""
    return {
        "setldetail": [{"fund_pay_type": r.fund_pay_type, "fund_payamt": f"{as_fen(r.fund_payamt)}"} for r in s.setldetail],
        "lines": [
            {
                "code": line.code, "det_item_fee_sumamt": f"{line.det_item_fee_sumamt}",
                "fulamt_ownpay_amt": f"{line.fulamt_ownpay_amt}", "overlmt_amt": f"{line.overlmt_amt}",
                "preselfpay_amt": f"{line.preselfpay_amt}", "inscp_scp_amt": f"{line.inscp_scp_amt}",
                "chrgitm_lv": line.chrgitm_lv, "selfpay_prop": f"{line.selfpay_prop}", "memo": line.memo,
            }
            for line in s.lines
        ],
        "delta": {category: {k: f"{v}" for k, v in values.items()} for category, values in s.delta.as_dict().items()},
        "family_psn_no": s.mutual_aid_draws[0][0] if s.mutual_aid_draws else None,
        "mutual_aid": [[owner, repo.to_fen(amount)] for owner, amount in s.mutual_aid_draws],
    }


def ytd_from_json(data: dict) -> YearToDate:
    return YearToDate(
        visits={k: int(v) for k, v in data.get("visits", {}).items()},
        inscp={k: Decimal(v) for k, v in data.get("inscp", {}).items()},
        deductible_paid={k: Decimal(v) for k, v in data.get("deductible_paid", {}).items()},
        fund_paid={k: Decimal(v) for k, v in data.get("fund_paid", {}).items()},
        layer_base={k: Decimal(v) for k, v in data.get("layer_base", {}).items()},
    )


def check_stored(row: dict) -> None:
    """The spec's identities again on what is written (assert on write, TIGER_STYLE)."""
    f = {name: row[f"{name}_fen"] for name in repo.SETLINFO_AMOUNTS}
    assert f["medfee_sumamt"] == f["fulamt_ownpay_amt"] + f["overlmt_selfpay"] + f["preselfpay_amt"] + f["inscp_scp_amt"]
    assert f["fund_pay_sumamt"] == (
        f["hifp_pay"] + f["hifob_pay"] + f["hifmi_pay"] + f["hifes_pay"] + f["oth_pay"] + f["cvlserv_pay"] + f["maf_pay"]
    )
    assert f["medfee_sumamt"] == f["fund_pay_sumamt"] + f["psn_part_amt"] + f["hosp_part_amt"]
    assert f["psn_part_amt"] == f["acct_pay"] + f["acct_mulaid_pay"] + f["psn_cash_pay"]


def net_fee_lines(rows: list[dict]) -> list[FeeLine]:
    """Fee lines for the engine; a refund line (negative cnt, 2301 退单) nets into its original."""
    by_sn: dict[str, dict] = {}
    order: list[str] = []
    for row in rows:
        cnt = Decimal(row["cnt"])
        amount = repo.from_fen(row["det_item_fee_sumamt_fen"])
        target = row.get("init_feedetl_sn") or ""
        if cnt < 0 or amount < 0:
            if target not in by_sn:
                raise refusal("FEE_REFUND_ORIGINAL_MISSING", feedetl_sn=row["feedetl_sn"])
            by_sn[target]["cnt"] += cnt
            by_sn[target]["amount"] += amount
            continue
        by_sn[row["feedetl_sn"]] = {"code": row["med_list_codg"], "cnt": cnt, "pric": Decimal(row["pric"]), "amount": amount}
        order.append(row["feedetl_sn"])
    lines = []
    for sn in order:
        item = by_sn[sn]
        if item["amount"] > 0 and item["cnt"] > 0:
            lines.append(FeeLine(item["code"], item["cnt"], item["pric"], item["amount"]))
    return lines


def age_on(birthday: dt.date, day: dt.date) -> int:
    return day.year - birthday.year - ((day.month, day.day) < (birthday.month, birthday.day))
