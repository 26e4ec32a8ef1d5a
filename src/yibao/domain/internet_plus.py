"""Internet+ medical services (“互联网+”医疗服务, seed 003; docs/internet-plus.md): which visits are
online, when an online visit may be settled, and which catalogue items the funds never pay.

- An online visit is one registered by an Internet+ institution: an institution whose
  agreements in force on the registration day include an Internet+ supplementary agreement and
  no designation agreement of its own (seed 003 §一(六): the HIS tells online from offline
  business; a hospital registers its online visits under its Internet+ institution's code).
- It is settled only as a revisit (复诊, seed 003 §二): the person had an offline visit for the
  same main diagnosis within the policy's ``internet_revisit_days`` before it, or holds a
  门慢特 qualification in force that day.
- Its consultation fee is paid under the general outpatient benefit (med_type 11); a chronic
  patient's visit keeps its chronic med_type (14–16) so the drugs follow the offline rules.
- Delivery (配送) is never paid by the funds: catalogue items of list type ``DELIVERY_LIST_TYPE``
  are paid in full by the person, whatever their chrgitm_lv.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from .agreements import CHRONIC_MED_TYPES, Agreement, in_force

DEFAULT_REVISIT_DAYS = 180
GENERAL_OUTPATIENT = "11"
DELIVERY_LIST_TYPE = "901"  # hilist.list_type of delivery services (配送服务): ours, beside 101–301 (§4.8)
DELIVERY_MEMO = "配送费不属于医保基金支付范围，由个人全额自付 (delivery: never paid by the funds)"


def is_internet_institution(agreements: dict[str, Agreement], fixmedins_code: str, day: dt.date) -> bool:
    """Whether the institution acts as an Internet+ institution on ``day``."""
    own = [a for a in agreements.values() if a.fixmedins_code == fixmedins_code and in_force(agreements, a, day)]
    return any(a.kind == "internet" for a in own) and not any(a.kind == "designation" for a in own)


def internet_institutions(agreements: dict[str, Agreement], day: dt.date) -> set[str]:
    """Every institution acting as an Internet+ institution on ``day`` (one pass)."""
    kinds: dict[str, set[str]] = {}
    for agreement in agreements.values():
        if in_force(agreements, agreement, day):
            kinds.setdefault(agreement.fixmedins_code, set()).add(agreement.kind)
    return {code for code, found in kinds.items() if "internet" in found and "designation" not in found}


def settled_med_type(med_type: str) -> str:
    """The med_type an online visit is settled under: 11, or the chronic type it was registered with."""
    return med_type if med_type[:2] in CHRONIC_MED_TYPES else GENERAL_OUTPATIENT


def revisit_basis(prior: Iterable[tuple[dt.date, str]], qualified: Iterable[str], *, diagnosis: str,
                  day: dt.date, revisit_days: int) -> str | None:
    """What makes the visit a revisit, in Chinese for the trace, or None (a first visit).
    ``prior``: the person's offline visits (day, main diagnosis) before ``day``."""
    since = day - dt.timedelta(days=revisit_days)
    if diagnosis:
        for visit_day, code in sorted(prior, reverse=True):
            if since <= visit_day <= day and code == diagnosis:
                return f"{visit_day} 线下就诊（{code}）"
    qualifications = sorted(set(qualified))
    if qualifications:
        return f"门慢特资格（{'、'.join(qualifications)}）"
    return None
