"""Which role may do which admin action: the one table (docs/users-and-roles.md).

A user of an agency has one or more roles. Every role reads everything its agency's regions
allow; a write (any method but GET/HEAD) is allowed to the roles of its area, the first segment
of the path after ``/admin/api`` (or ``/admin/api/v1``), unless an exception names the route.
A write in an area not listed is an administrator's. The agency's own token (deprecated) acts
with every role, so the clients written before users existed keep working.
"""

from __future__ import annotations

ROLES = {"clerk": "经办", "auditor": "稽核", "accountant": "财务", "administrator": "管理员"}

# Separation of duties: who records a payment does not audit it, who audits does not pay.
WRITE_ROLES_BY_AREA: dict[str, frozenset[str]] = {
    "filings": frozenset({"clerk"}),  # 异地就医备案
    "qualifications": frozenset({"clerk"}),  # 门慢特资格认定
    "claims": frozenset({"clerk"}),  # 零星报销 submitted and reviewed by the counter
    "evouchers": frozenset({"clerk"}),
    "clearing": frozenset({"accountant"}),  # run, confirm and pay statements
    "prepayments": frozenset({"accountant"}),  # plan, pay, receive
    "cases": frozenset({"auditor"}),  # 基金监管: cases, money recovered, police referrals
    "notices": frozenset({"auditor"}),
    "sanctions": frozenset({"auditor"}),
    "findings": frozenset({"auditor"}),  # 疑点
    "agreements": frozenset({"administrator"}),  # 协议管理
    "users": frozenset({"administrator"}),
    "enrollments": frozenset({"clerk"}),  # 参保登记, contributions, suspension and end
    "transfers": frozenset({"clerk"}),  # 转移接续
    "family-bindings": frozenset({"clerk"}),  # 亲情账户
    "maternity": frozenset({"clerk"}),  # 生育登记 (the allowance is the accountant's, below)
    "verifications": frozenset({"clerk"}),  # 协查 of manual claims, asked and answered at the counter
    "accounts": frozenset({"accountant"}),  # 个人账户划入 moves money into accounts
    "payment-methods": frozenset({"accountant"}),  # total budgets, advances, DIP/DRG year-end settlements
    "rules": frozenset({"auditor"}),  # shared audit rule packages
    "check-requests": frozenset({"auditor"}),  # 异地协查 (docs/joint-supervision.md)
    "inspections": frozenset({"auditor"}),  # 联合检查
    "experts": frozenset({"auditor"}),  # 专家库
    "expert-assignments": frozenset({"auditor"}),
    "reports": frozenset({"auditor"}),  # 举报
    "credit": frozenset({"administrator"}),  # the region's credit and reward rules
}

# Routes whose area's role is not the one that acts: paying a claim moves money.
WRITE_ROLES_BY_ROUTE: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/claims/{claim_id}/pay"): frozenset({"accountant"}),
    ("POST", "/claims/{claim_id}/reverse"): frozenset({"accountant"}),  # corrects a payment
    ("POST", "/maternity/{psn_no}/allowance"): frozenset({"accountant"}),  # 生育津贴 paid through the ledger
    ("POST", "/reports/{report_id}/reward"): frozenset({"accountant"}),  # a reward is paid out of the fund
}

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PREFIXES = ("/admin/api/v1", "/admin/api")


def route_of(path: str) -> str:
    """The route's path without the admin prefix: ``/admin/api/v1/clearing/{month}`` → ``/clearing/{month}``."""
    for prefix in PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix):] or "/"
    return path


def required_roles(method: str, path: str) -> frozenset[str] | None:
    """The roles of which one is needed, None for a read that every role may make."""
    method = method.upper()
    if method in READ_METHODS:
        return None
    route = route_of(path)
    if (method, route) in WRITE_ROLES_BY_ROUTE:
        return WRITE_ROLES_BY_ROUTE[(method, route)]
    area = route.strip("/").split("/", 1)[0]
    return WRITE_ROLES_BY_AREA.get(area, frozenset({"administrator"}))


def allowed(roles: frozenset[str] | set[str], method: str, path: str) -> bool:
    needed = required_roles(method, path)
    return needed is None or bool(needed & set(roles))


def parse(text: str) -> frozenset[str]:
    """``"clerk,auditor"`` → the set; unknown names stay in it for the caller to refuse."""
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def unknown(roles: frozenset[str]) -> list[str]:
    return sorted(roles - ROLES.keys())
