"""``yibao check``: does everything stored agree with the stored settlements?

Run after a crash, a restore, a migration or a race test. Each rule is a plain function
that returns ``Problem``s (beancount's validations); an empty list means consistent. The
database constraints of docs/locking.md refuse most of these states on write; the rules
find them on read, where a constraint was missing, dropped or bypassed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Callable, NamedTuple, Protocol

from yibao.store import repository as repo

from .ledger import mutual_aid_draws
from .platform import check_stored
from .unit_of_work import UnitOfWork

SETTLING_INFNOS = ("2207", "2304", "2102")
REVERSING_INFNOS = ("2208", "2305", "2103", "2601")


class ConsistencyRepository(Protocol):
    """``uow.consistency`` (store/repositories/consistency.py): the stored state, summed where a
    rule compares totals. Amounts in fen. The ledger's own checks and balances come from
    ``uow.ledger`` (``problems()``, ``balances(prefix)``)."""

    def settlements(self) -> list[dict]: ...

    def cancelled_visits(self) -> set[str]: ...

    def uploaded_fees(self) -> list[tuple[str, str, int]]:
        """(mdtrt_id, chrg_bchno, fen) of the uploaded fee lines, per visit and batch."""

    def account_chains(self) -> list[tuple[str, int, int, int, int]]:
        """(psn_no, seq, amount, before, after) of every account entry, by person then seq."""

    def account_movements_by_settlement(self) -> dict[tuple[str, str], int]:
        """(setl_id, psn_no) → movement, zero sums left out."""

    def accumulators_by_settlement(self) -> dict[tuple, int]:
        """(setl_id, psn_no, insutype, year, category, key) → amount, OPENING and zero sums left out."""

    def answered_requests(self) -> dict[tuple[str, str], str]:
        """(fixmedins_code, msgid) → infno."""

    def open_clearing_applications(self) -> list[tuple]:
        """(id, fixmedins_code, clr_type, begndate, enddate) of applied ones, by code, type, begndate."""

    def fund_paid_by_region(self) -> dict[str, int]:
        """Insured region → what its settlements and manual claim payments paid from the funds."""

    def claim_payments(self) -> list[dict]:
        """Every manual claim payment and correction row (app/claims.py)."""

    def account_totals(self) -> dict[str, int]: ...


class Problem(NamedTuple):
    code: str  # stable, for scripts and monitoring
    message: str  # Chinese, for the agency's operator

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class Stored(NamedTuple):
    """What several rules read, loaded once."""

    settlements: list[dict]
    by_id: dict[str, dict]
    reversed_ids: set[str]

    @classmethod
    def load(cls, uow: UnitOfWork) -> "Stored":
        rows = uow.consistency.settlements()
        return cls(rows, {row["setl_id"]: row for row in rows},
                   {row["reverses_setl_id"] for row in rows if row["kind"] == "reversal"})

    def active(self) -> list[dict]:
        return [row for row in self.settlements if row["kind"] == "settlement" and row["setl_id"] not in self.reversed_ids]

    def effect(self, row: dict) -> tuple[dict, int] | None:
        """The detail whose movements a row caused, and their sign (a reversal undoes its original)."""
        if row["kind"] != "reversal":
            return json.loads(row["detail"]), 1
        original = self.by_id.get(row["reverses_setl_id"])
        if original is None or original["kind"] != "settlement":
            return None
        return json.loads(original["detail"]), -1


def settlement_identities(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    problems = []
    for row in stored.settlements:
        try:
            check_stored(row)
        except AssertionError:
            problems.append(Problem("C_IDENTITY", f"结算 {row['setl_id']} 的金额恒等式不成立"))
        if row["kind"] == "reversal" and stored.effect(row) is None:
            problems.append(Problem("C_REVERSAL_TARGET",
                                    f"冲销 {row['setl_id']} 指向的 {row['reverses_setl_id']} 不是一笔结算"))
    return problems


def one_active_settlement_per_visit(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    count: dict[str, int] = defaultdict(int)
    for row in stored.active():
        count[row["mdtrt_id"]] += 1
    return [Problem("C_TWO_ACTIVE", f"就诊 {mdtrt_id} 有 {n} 笔未冲销的结算") for mdtrt_id, n in count.items() if n > 1]


def cancelled_visits_unsettled(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    """A cancelled registration (2202/2404/2601) must not keep a live settlement."""
    cancelled = uow.consistency.cancelled_visits()
    return [Problem("C_CANCELLED_SETTLED", f"就诊 {row['mdtrt_id']} 已撤销，但结算 {row['setl_id']} 仍有效")
            for row in stored.active() if row["mdtrt_id"] in cancelled]


def settled_lines_kept(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    """The fee lines a live settlement paid for are still uploaded and add up to its total."""
    active = {row["mdtrt_id"]: row for row in stored.active()}
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for mdtrt_id, bchno, fen in uow.consistency.uploaded_fees():
        if mdtrt_id in active:
            totals[(mdtrt_id, bchno)] += int(fen)
    problems = []
    for mdtrt_id, row in active.items():
        batch = row["chrg_bchno"] if row["clr_type"] == "11" and row["chrg_bchno"] not in ("", "0000") else None
        kept = sum(fen for (visit, bchno), fen in totals.items() if visit == mdtrt_id and batch in (None, bchno))
        if kept != row["medfee_sumamt_fen"]:
            problems.append(Problem("C_LINES_CANCELLED",
                                    f"就诊 {mdtrt_id} 的结算 {row['setl_id']} 合计 {repo.from_fen(row['medfee_sumamt_fen'])} 元，"
                                    f"但有效费用明细只有 {repo.from_fen(kept)} 元（结算后明细被撤销）"))
    return problems


def account_chains(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    """Each person's account entries run 1, 2, 3 … with balances that add up and never go below zero."""
    problems, running, negative = [], {}, set()
    for psn_no, seq, amount, before, after in uow.consistency.account_chains():
        expected_seq, balance = running.get(psn_no, (1, 0))
        if seq != expected_seq or before != balance or after != before + amount:
            problems.append(Problem("C_ACCOUNT_CHAIN", f"个人账户 {psn_no} 的第 {seq} 笔变动与前一笔衔接不上"))
        balance += amount
        running[psn_no] = (seq + 1, balance)
        if balance < 0 and psn_no not in negative:
            negative.add(psn_no)
            problems.append(Problem("C_NEGATIVE_BALANCE",
                                    f"个人账户 {psn_no} 在第 {seq} 笔变动后余额为负：{repo.from_fen(balance)} 元"))
    return problems


def account_movements_match(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    expected: dict[tuple, int] = defaultdict(int)
    for row in stored.settlements:
        effect = stored.effect(row)
        if effect is None:
            continue
        if row["acct_pay_fen"]:
            expected[(row["setl_id"], row["psn_no"])] -= row["acct_pay_fen"]
        sign = -1 if row["acct_mulaid_pay_fen"] < 0 else 1
        for owner, fen in mutual_aid_draws(effect[0], abs(row["acct_mulaid_pay_fen"])):
            expected[(row["setl_id"], owner)] -= sign * fen
    actual = uow.consistency.account_movements_by_settlement()
    return [Problem("C_ACCOUNT_MOVEMENT", f"结算 {key[0]} 在个人账户 {key[1]} 的变动为 {actual.get(key, 0)} 分，"
                                          f"结算记载应为 {expected.get(key, 0)} 分")
            for key in sorted(set(expected) | set(actual), key=str) if expected.get(key, 0) != actual.get(key, 0)]


def accumulators_match(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    """Year-to-date accumulators = the sum of what the non-reversed settlements and paid manual
    claims booked."""
    expected: dict[tuple, int] = defaultdict(int)
    for row in stored.settlements:
        effect = stored.effect(row)
        if effect is None:
            continue
        detail, sign = effect
        for category, values in detail["delta"].items():
            for key, value in values.items():
                amount = int(value) if category == "visits" else repo.to_fen(Decimal(value))
                if amount:
                    expected[(row["setl_id"], row["psn_no"], row["insutype"], row["year"], category, key)] += sign * amount
    for row in uow.consistency.claim_payments():
        # a paid manual claim books its accumulators exactly like a direct settlement; its
        # correction books the opposite of the same delta
        sign = -1 if row["kind"] == "reversal" else 1
        for category, values in json.loads(row["detail"])["delta"].items():
            for key, value in values.items():
                amount = int(value) if category == "visits" else repo.to_fen(Decimal(value))
                if amount:
                    expected[(row["payment_id"], row["psn_no"], row["insutype"], row["year"], category, key)] += sign * amount
    actual = uow.consistency.accumulators_by_settlement()
    return [Problem("C_ACCUMULATOR", f"结算 {key[0]} 的累计值 {key[4]}.{key[5]} 为 {actual.get(key, 0)}，"
                                     f"结算记载应为 {expected.get(key, 0)}")
            for key in sorted(set(expected) | set(actual), key=str) if expected.get(key, 0) != actual.get(key, 0)]


def request_log_matches(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    logged = uow.consistency.answered_requests()
    problems = [Problem("C_REQUEST_LOG", f"结算 {row['setl_id']} 没有 msgid {row['medins_setl_id']} 的请求记录")
                for row in stored.settlements if (row["fixmedins_code"], row["medins_setl_id"]) not in logged]
    settled = {(row["fixmedins_code"], row["medins_setl_id"]) for row in stored.settlements}
    problems += [Problem("C_REQUEST_LOG", f"机构 {code} 的 {infno} 请求 {msgid} 已应答，但结算记录缺失")
                 for (code, msgid), infno in logged.items()
                 if infno in SETTLING_INFNOS + REVERSING_INFNOS[:3] and (code, msgid) not in settled]
    return problems


def clearing_applications_disjoint(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    """One open clearing application per institution, clearing type and period (3203)."""
    rows = uow.consistency.open_clearing_applications()
    problems = []
    for earlier, later in zip(rows, rows[1:]):
        if earlier[1:3] == later[1:3] and later[3] <= earlier[4]:
            problems.append(Problem("C_CLEARING_OVERLAP", f"机构 {later[1]} 的清算申请 {earlier[0]} 与 {later[0]} "
                                                          f"期间重叠（{later[3]}..{earlier[4]}）"))
    return problems


def ledger_agrees(uow: UnitOfWork, stored: Stored) -> list[Problem]:
    problems = [Problem("C_LEDGER", message) for message in uow.ledger.problems()]
    fund_ledger: dict[str, int] = defaultdict(int)
    for account, fen in uow.ledger.balances("fund:").items():
        fund_ledger[account.split(":")[1]] += fen
    fund_settled = uow.consistency.fund_paid_by_region()
    problems += [Problem("C_LEDGER_FUND", f"统筹区 {region} 的基金账 {fund_ledger.get(region, 0)} 分，"
                                          f"结算合计 {fund_settled.get(region, 0)} 分")
                 for region in sorted(set(fund_ledger) | set(fund_settled))
                 if fund_ledger.get(region, 0) != fund_settled.get(region, 0)]
    movements = uow.consistency.account_totals()
    for account, fen in uow.ledger.balances("psn_acct:").items():
        psn_no = account.split(":", 1)[1]
        if -fen != movements.get(psn_no, 0):
            problems.append(Problem("C_LEDGER_ACCOUNT", f"个人账户 {psn_no} 的总账 {-fen} 分，"
                                                        f"账户变动合计 {movements.get(psn_no, 0)} 分"))
    return problems


RULES: tuple[Callable[[UnitOfWork, Stored], list[Problem]], ...] = (
    settlement_identities, one_active_settlement_per_visit, cancelled_visits_unsettled, settled_lines_kept,
    account_chains, account_movements_match, accumulators_match, request_log_matches,
    clearing_applications_disjoint, ledger_agrees,
)


def find_problems(uow: UnitOfWork) -> list[Problem]:
    """Every rule over one read of the unit (run it in a read unit of work: nothing is written)."""
    stored = Stored.load(uow)
    return [problem for rule in RULES for problem in rule(uow, stored)]


def check_database(uow: UnitOfWork, *, limit: int = 50) -> list[str]:
    """The problems as lines of text, at most ``limit`` of them and a count of the rest."""
    errors = [str(problem) for problem in find_problems(uow)]
    return errors[:limit] + ([f"… 另有 {len(errors) - limit} 条"] if len(errors) > limit else [])
