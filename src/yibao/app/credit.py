"""Credit, reports and the negative list (issue #17 item 6; seed 004 信用管理, 举报奖励, 黑名单;
docs/joint-supervision.md).

- **Policy**: each region's rules (``supervision_policies``, dated, append-only): the credit
  thresholds and the report reward (a share of the money recovered on the reported case, with a
  floor and a cap). A region without a policy of its own uses its city's, then its province's,
  then domain/joint_supervision.DEFAULT_POLICY.
- **Credit records** come from confirmed cases: confirming a case (app/supervision.move)
  deducts the subject's credit by the case region's rule, once per case and subject (a unique
  index backs it); the agency adds the practitioners the case names. The score is 100 plus the
  points, the level follows it (A ≥ 90, B ≥ 75, C ≥ 60, D).
- **Effect at the gateway** (gateway/access.check_credit): under ``no_direct_below`` an
  institution or person settles nothing directly (``CREDIT_NO_DIRECT_SETTLEMENT``); under
  ``strict_audit_below`` every in-event finding blocks the institution's settlement.
- **Negative list** (黑名单): subjects under ``negative_list_below`` and institutions whose
  agreement a decision terminated, published as JSON with person numbers masked.
- **Reports** (举报): intake, then the reward on a confirmed case, paid once through the ledger
  (the region's fund pays it out of its bank account).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from yibao.domain import joint_supervision as rules
from yibao.domain import ledger as accounts
from yibao.domain.money import from_fen

from .authorization import administers, mask_psn_no, scope_prefix
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

NEGATIVE_LIST_FORMAT = "yibao-negative-list/1"
POLICY_FIELDS = ("strict_audit_below", "no_direct_below", "negative_list_below", "points_per_case",
                 "points_per_10k_yuan", "reward_share", "reward_floor_fen", "reward_cap_fen")


def _by(uow: UnitOfWork) -> str:
    return uow.actor.label()[:200]


# --- policy --------------------------------------------------------------------------------------

def policy_from_row(row: dict) -> rules.CreditPolicy:
    return rules.CreditPolicy(**{name: (Decimal(row[name]) if name == "reward_share" else int(row[name]))
                                 for name in POLICY_FIELDS})


def policy_for(policies: list[dict], region: str, day: dt.date) -> rules.CreditPolicy:
    """The policy in force for ``region`` on ``day``: its own, else its city's, else its province's."""
    for code in dict.fromkeys((region, region[:4] + "00", region[:2] + "0000")):
        mine = [p for p in policies if p["admdvs"] == code and p["begndate"] <= day]
        if mine:
            return policy_from_row(max(mine, key=lambda p: p["begndate"]))
    return rules.DEFAULT_POLICY


def set_policy(uow: UnitOfWork, *, admdvs: str, begndate: dt.date, **values) -> dict:
    """A region's rules from ``begndate`` on (unset fields keep the default's)."""
    merged = {name: values.get(name) if values.get(name) is not None else getattr(rules.DEFAULT_POLICY, name)
              for name in POLICY_FIELDS}
    try:
        share = Decimal(str(merged["reward_share"]))
    except InvalidOperation:
        share = Decimal(-1)
    if not Decimal(0) <= share <= Decimal(1) or not 0 <= merged["reward_floor_fen"] <= merged["reward_cap_fen"] \
            or merged["no_direct_below"] > merged["strict_audit_below"]:
        raise refusal("CREDIT_BAD_POLICY")
    row = dict(admdvs=admdvs, begndate=begndate, **dict(merged, reward_share=str(share)), by=_by(uow), at=uow.now)
    if any(p["admdvs"] == admdvs and p["begndate"] == begndate for p in uow.joint_supervision.policies()):
        raise refusal("CREDIT_POLICY_EXISTS", admdvs=admdvs, begndate=begndate)
    uow.joint_supervision.add_policy(row)
    uow.actions.record("credit.policy", admdvs, {"begndate": begndate, **{k: str(v) for k, v in merged.items()}})
    return row


def _policy(uow: UnitOfWork, region: str) -> rules.CreditPolicy:
    return policy_for(uow.joint_supervision.policies(), region, uow.now.date())


# --- credit records from confirmed cases ---------------------------------------------------------

def record_case(uow: UnitOfWork, case: dict) -> dict | None:
    """The subject's credit record of a case just confirmed (called by app/supervision.move)."""
    points = rules.case_points(_policy(uow, case["admdvs"]), case["amount_fen"])
    return _case_record(uow, case, case["subject_type"], case["subject_id"], points)


def _case_record(uow: UnitOfWork, case: dict, subject_type: str, subject_id: str, points: int) -> dict:
    records = uow.joint_supervision.credit_records_of(subject_type, subject_id)
    if any(r["case_id"] == case["case_id"] for r in records):
        raise refusal("CREDIT_ALREADY_RECORDED", case_id=case["case_id"], subject_id=subject_id)
    row = dict(subject_type=subject_type, subject_id=subject_id, points=points,
               reason=f"案件 {case['case_id']} 查实：{case['summary'][:200]}", case_id=case["case_id"], at=uow.now)
    uow.supervision.add_credit(row)
    uow.actions.record("credit.case", case["case_id"], {"subject_type": subject_type, "subject_id": subject_id,
                                                        "points": points})
    return row


def record_practitioner(uow: UnitOfWork, case_id: str, prac_psn_code: str) -> dict:
    """A practitioner the confirmed case names loses credit by the same rule (locks the case, rank 8)."""
    from .supervision import get_case

    case = get_case(uow, case_id, lock=True)
    if case["status"] != "confirmed":
        raise refusal("SUPERVISION_CASE_NOT_CONFIRMED", kind="信用记录", case_id=case_id, status=case["status"])
    points = rules.case_points(_policy(uow, case["admdvs"]), case["amount_fen"])
    return _case_record(uow, case, "practitioner", prac_psn_code, points)


def standing(uow: UnitOfWork, subject_type: str, subject_id: str, *, region: str) -> dict:
    """Score, level and what the region's policy makes of it, with the records."""
    if subject_type not in rules.CREDIT_SUBJECTS:
        raise refusal("CREDIT_BAD_SUBJECT", subjects="、".join(rules.CREDIT_SUBJECTS))
    records = uow.joint_supervision.credit_records_of(subject_type, subject_id)
    score = rules.credit_score(sum(r["points"] for r in records))
    return {"subject_type": subject_type, "subject_id": subject_id, "score": score, "level": rules.credit_level(score),
            "restriction": rules.restriction(_policy(uow, region), score), "records": records}


# --- the negative list ---------------------------------------------------------------------------

def negative_list(uow: UnitOfWork, *, agency_region: str | None) -> dict:
    """Subjects of the agency's regions under their region's list threshold, and terminated institutions."""
    policies, day, prefix = uow.joint_supervision.policies(), uow.now.date(), scope_prefix(agency_region)
    by_type: dict[str, dict[str, int]] = {}
    for (subject_type, subject_id), points in uow.joint_supervision.credit_points_of().items():
        by_type.setdefault(subject_type, {})[subject_id] = rules.credit_score(points)
    entries = []
    for subject_type, scores in sorted(by_type.items()):
        regions = uow.joint_supervision.subject_regions(subject_type, sorted(scores))
        for subject_id, score in sorted(scores.items()):
            region = regions.get(subject_id, "")
            if (prefix and not region.startswith(prefix)) or score >= policy_for(policies, region, day).negative_list_below:
                continue
            entries.append({"subject_type": subject_type, "region": region, "score": score,
                            "level": rules.credit_level(score), "reason": "信用分低于名单线",
                            "subject_id": mask_psn_no(subject_id) if subject_type == "person" else subject_id})
    terminated = uow.joint_supervision.terminated_institutions()
    regions = uow.joint_supervision.subject_regions("institution", sorted({s["subject_id"] for s in terminated}))
    for sanction in terminated:
        region = regions.get(sanction["subject_id"], "")
        if sanction["subject_type"] == "institution" and not (prefix and not region.startswith(prefix)):
            entries.append({"subject_type": "institution", "subject_id": sanction["subject_id"], "region": region,
                            "reason": "协议已解除", "since": sanction["begndate"].isoformat()})
    return {"format": NEGATIVE_LIST_FORMAT, "published_at": uow.now.isoformat(), "agency": agency_region or "all",
            "entries": entries}


# --- reports and rewards -------------------------------------------------------------------------

def mask_reporter(name: str, contact: str) -> str:
    """The reporter as kept: the first character of the name and the last four of the contact."""
    name, contact = name.strip(), contact.strip()
    return ((name[:1] + "*" * max(len(name) - 1, 1)) if name else "匿名") + (f" ****{contact[-4:]}" if contact else "")


def receive_report(uow: UnitOfWork, *, admdvs: str, subject_type: str, subject_id: str, content: str,
                   reporter_name: str = "", reporter_contact: str = "", case_id: str | None = None) -> dict:
    if subject_type not in rules.CREDIT_SUBJECTS:
        raise refusal("CREDIT_BAD_SUBJECT", subjects="、".join(rules.CREDIT_SUBJECTS))
    if not content.strip():
        raise refusal("REPORT_NO_CONTENT")
    row = dict(report_id=new_id("JB"), admdvs=admdvs, subject_type=subject_type, subject_id=subject_id,
               content=content[:20000], reporter=mask_reporter(reporter_name, reporter_contact)[:60], case_id=case_id,
               received_at=uow.now, by=_by(uow))
    uow.joint_supervision.add_report(row)
    uow.actions.record("report.receive", row["report_id"], {"subject_type": subject_type, "case_id": case_id})
    return row


def pay_reward(uow: UnitOfWork, report_id: str, *, case_id: str, agency_region: str | None) -> dict:
    """The reward on the confirmed case the report led to, by the region's rule, paid once through
    the ledger. Locks the report (rank 18), then the case (rank 8 is lower: the case is read, not locked)."""
    from .supervision import get_case

    report = uow.joint_supervision.report(report_id, lock=True)
    if report is None:
        raise refusal("REPORT_NOT_FOUND", report_id=report_id)
    if agency_region is not None and not administers(agency_region, report["admdvs"]):
        raise refusal("JOINT_NOT_YOUR_SIDE", agency=agency_region, region=report["admdvs"], what="发放举报奖励")
    if uow.joint_supervision.reward(report_id) is not None:
        raise refusal("REPORT_ALREADY_REWARDED", report_id=report_id)
    case = get_case(uow, case_id)
    if case["status"] != "confirmed" or case["admdvs"] != report["admdvs"]:
        raise refusal("REPORT_CASE_NOT_CONFIRMED", case_id=case_id)
    recovered = uow.joint_supervision.recovered_fen(case_id)
    amount = rules.report_reward_fen(_policy(uow, report["admdvs"]), recovered)
    if amount <= 0:
        raise refusal("REPORT_NOTHING_RECOVERED", case_id=case_id)
    row = dict(report_id=report_id, case_id=case_id, recovered_fen=recovered, amount_fen=amount, by=_by(uow), at=uow.now)
    uow.joint_supervision.add_reward(row)
    region = report["admdvs"]
    uow.ledger.post(accounts.Entry("report_reward", report_id, (
        accounts.Posting(f"fund_report_reward:{region}", amount), accounts.Posting(f"bank:{region}", -amount))))
    uow.actions.record("report.reward", report_id, {"case_id": case_id, "recovered_fen": recovered, "amount_fen": amount})
    return dict(row, amount=from_fen(amount), recovered=from_fen(recovered))
