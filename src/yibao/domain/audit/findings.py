"""Findings (违规信息) and how both execution paths build them.

Each rule type's check (Python in engine.py, SQL in analytics/audit_batch.py) yields plain
rows: the keys of the offending visit or line (``mdtrt_id``, ``setl_id``, ``psn_no``,
``feedetl_sn``, ``amount``) plus the evidence columns listed in ``EVIDENCE``. ``finding``
turns such a row into a Finding, so the text, the amount at stake and the evidence are the
same whichever path found it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from ..codes import MED_TYPE, MEDINS_LV
from ..money import FEN, round_fen
from . import rules as r
from .rules import Rule

EVIDENCE: dict[str, tuple[str, ...]] = {
    r.GENDER: ("hilist_code", "fee_date", "gend", "allowed_gend"),
    r.AGE: ("hilist_code", "fee_date", "age", "age_min", "age_max"),
    r.HOSPITAL_LEVEL: ("hilist_code", "medins_lv", "medins_lv_min"),
    r.MED_TYPE: ("hilist_code", "med_type", "med_types"),
    r.INDICATION: ("hilist_code", "main_diag", "diag_codes", "dise_codes"),
    r.OVER_PRICE: ("hilist_code", "pric", "pric_uplmt_amt", "cnt"),
    r.DUPLICATE: ("hilist_code", "fee_date", "cnt", "first_feedetl_sn", "day_cnt", "max_cnt_per_day"),
    r.UNBUNDLING: ("hilist_code", "fee_date", "package_code", "package_feedetl_sn"),
    r.OVER_QUANTITY: ("hilist_code", "cnt", "prd_days", "max_cnt_per_day", "max_days"),
    r.FREQUENCY: ("hilist_code", "fee_date", "window_cnt", "max_cnt", "period_days"),
    r.SPLIT_ADMISSION: ("main_diag", "begndate", "prev_mdtrt_id", "prev_enddate", "gap_days"),
    r.OUTPATIENT_IN_STAY: ("begndate", "med_type", "stay_mdtrt_id", "stay_begndate", "stay_enddate"),
    r.AFTER_DEATH: ("hilist_code", "fee_date", "die_date"),
    r.EXCLUSIVE: ("hilist_code", "fee_date", "excl_hilist_code", "excl_feedetl_sn"),
}
# Evidence keys naming another fee line of the same visit: 3101 lists it as 涉及项.
RELATED_LINE_KEYS = ("first_feedetl_sn", "package_feedetl_sn", "excl_feedetl_sn")

SEX = {"1": "男", "2": "女"}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_name: str
    rule_type: str
    result_type: str
    sev_deg: str
    vola_cont: str
    vola_amt: Decimal
    mdtrt_id: str
    setl_id: str
    feedetl_sn: str
    psn_no: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id, "rule_name": self.rule_name, "rule_type": self.rule_type,
            "result_type": self.result_type, "sev_deg": self.sev_deg, "vola_cont": self.vola_cont,
            "vola_amt": self.vola_amt, "mdtrt_id": self.mdtrt_id, "setl_id": self.setl_id,
            "feedetl_sn": self.feedetl_sn, "psn_no": self.psn_no, "evidence": dict(self.evidence),
        }


def sort_key(finding: Finding) -> tuple[str, str, str]:
    return (finding.rule_id, finding.mdtrt_id, finding.feedetl_sn)


def plain(value: Any) -> Any:
    """Evidence values as JSON-ready text, identical whatever engine produced them
    (engines differ in decimal scale: 2, 2.00 and 2.0000 all read "2")."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _yuan(text: str) -> str:
    """A price as written on a bill: at least two decimals (15 → 15.00, 0.125 stays)."""
    value = Decimal(text)
    return str(value.quantize(FEN) if value.as_tuple().exponent > -2 else value)


def _limit(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{low}–{high} 岁"
    return f"{low} 岁及以上" if low is not None else f"{high} 岁及以下"


def _text(rule_type: str, e: dict[str, Any], amount: Decimal, params: dict[str, Any]) -> str:
    code = e.get("hilist_code")
    if rule_type == r.GENDER:
        return f"项目 {code} 限{SEX[e['allowed_gend']]}性使用，患者性别为{SEX.get(e['gend'], e['gend'])}（{e['fee_date']}）"
    if rule_type == r.AGE:
        return f"项目 {code} 限 {_limit(e['age_min'], e['age_max'])}使用，患者 {e['fee_date']} 时 {e['age']} 岁"
    if rule_type == r.HOSPITAL_LEVEL:
        level = MEDINS_LV.get(e["medins_lv"] or "", e["medins_lv"] or "未定级")
        return f"项目 {code} 限{MEDINS_LV[str(e['medins_lv_min'])]}及以上医疗机构使用，本机构为{level}"
    if rule_type == r.MED_TYPE:
        allowed = "、".join(f"{t} {MED_TYPE.get(t, '')}".strip() for t in e["med_types"].split(";"))
        return f"项目 {code} 限医疗类别 {allowed} 使用，本次为 {e['med_type']} {MED_TYPE.get(e['med_type'], '')}".rstrip()
    if rule_type == r.INDICATION:
        diagnoses = ";".join(c for c in (e["main_diag"], e["diag_codes"]) if c) or "无"
        return f"项目 {code} 限适应症 {e['dise_codes']} 使用，本次诊断 {diagnoses} 均不符合"
    if rule_type == r.OVER_PRICE:
        return (f"项目 {code} 单价 {_yuan(e['pric'])} 元高于限价 {_yuan(e['pric_uplmt_amt'])} 元，"
                f"数量 {e['cnt']}，超标准金额 {amount} 元")
    if rule_type == r.DUPLICATE:
        if e["max_cnt_per_day"] is None:
            return f"项目 {code} {e['fee_date']} 与明细 {e['first_feedetl_sn']} 数量、单价相同，同一项目重复收费"
        return (f"项目 {code} {e['fee_date']} 多条明细累计 {e['day_cnt']}，超过每日上限 {e['max_cnt_per_day']}"
                f"（首条明细 {e['first_feedetl_sn']}）")
    if rule_type == r.UNBUNDLING:
        return f"项目 {code} 已含在同日收费的打包项目 {e['package_code']}（明细 {e['package_feedetl_sn']}）中，分解收费"
    if rule_type == r.OVER_QUANTITY:
        problems = []
        if e["max_days"] is not None and e["prd_days"] is not None and e["prd_days"] > e["max_days"]:
            problems.append(f"开药 {e['prd_days']} 天超过最长 {e['max_days']} 天")
        if e["max_cnt_per_day"] is not None and Decimal(e["cnt"]) > Decimal(e["max_cnt_per_day"]) * max(e["prd_days"] or 0, 1):
            problems.append(f"数量 {e['cnt']} 超过每日上限 {e['max_cnt_per_day']} × {max(e['prd_days'] or 0, 1)} 天")
        return f"项目 {code} " + "，".join(problems)
    if rule_type == r.FREQUENCY:
        start = (dt.date.fromisoformat(e["fee_date"]) - dt.timedelta(days=e["period_days"] - 1)).isoformat()
        return (f"项目 {code} 在 {start} 至 {e['fee_date']} 的 {e['period_days']} 天内累计 {e['window_cnt']}，"
                f"超过上限 {e['max_cnt']}")
    if rule_type == r.SPLIT_ADMISSION:
        return (f"{e['begndate']} 入院，距上次住院 {e['prev_mdtrt_id']}（{e['prev_enddate']} 出院）{e['gap_days']} 天，"
                f"主诊断同为 {e['main_diag']}，{params['days']} 天内再入院")
    if rule_type == r.OUTPATIENT_IN_STAY:
        until = e["stay_enddate"] or "未出院"
        return (f"{e['begndate']} 的{MED_TYPE.get(e['med_type'], e['med_type'])}结算发生在住院 "
                f"{e['stay_mdtrt_id']}（{e['stay_begndate']} 至 {until}）期间")
    if rule_type == r.AFTER_DEATH:
        return f"项目 {code} 费用日期 {e['fee_date']} 晚于死亡日期 {e['die_date']}"
    if rule_type == r.EXCLUSIVE:
        return f"项目 {code} 与同日收费的项目 {e['excl_hilist_code']}（明细 {e['excl_feedetl_sn']}）互斥"
    raise ValueError(f"no text for rule type {rule_type}")


def finding(rule: Rule, row: dict[str, Any]) -> Finding:
    """The Finding for one row of a rule's check (keys: see the module docstring)."""
    evidence = {key: plain(row[key]) for key in EVIDENCE[rule.rule_type]}
    if rule.rule_type == r.OVER_PRICE:
        # The amount at stake is only the part above the ceiling (超标准部分).
        amount = round_fen((Decimal(row["pric"]) - Decimal(row["pric_uplmt_amt"])) * Decimal(row["cnt"]))
    else:
        amount = Decimal(row["amount"]).quantize(FEN)
    return Finding(
        rule_id=rule.rule_id, rule_name=rule.rule_name, rule_type=rule.rule_type, result_type=rule.result_type,
        sev_deg=rule.sev_deg, vola_cont=_text(rule.rule_type, evidence, amount, rule.parameters), vola_amt=amount,
        mdtrt_id=row["mdtrt_id"], setl_id=row["setl_id"] or "", feedetl_sn=row["feedetl_sn"] or "",
        psn_no=row["psn_no"], evidence=evidence,
    )


def render_3101(findings: Iterable[Finding], rules: Iterable[Rule] = (), task_id: str = "") -> list[dict[str, Any]]:
    """Findings in the output shape of 3101/3102 (nhsa-interface §3.14): one ``result`` entry
    per rule and visit, with one ``judge_result_detail_dtos`` entry per flagged line (违规项,
    ``vola_item_type`` 1) and per line it was flagged against (涉及项, 2, amount 0)."""
    basis = {rule.rule_id: rule.basis for rule in rules}
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for item in sorted(findings, key=lambda f: (f.mdtrt_id, f.rule_id, f.feedetl_sn)):
        grouped.setdefault((item.mdtrt_id, item.rule_id), []).append(item)
    result = []
    for (mdtrt_id, rule_id), group in grouped.items():
        first = group[0]
        jr_id = f"{mdtrt_id}-{rule_id}"
        details, seen = [], set()
        for item in group:
            lines = [(item.feedetl_sn, "1", item.vola_amt)] if item.feedetl_sn else []
            lines += [(item.evidence[key], "2", Decimal("0.00")) for key in RELATED_LINE_KEYS if item.evidence.get(key)]
            for rx_id, item_type, amount in lines:
                if (rx_id, item_type) not in seen:
                    seen.add((rx_id, item_type))
                    details.append({"jrd_id": f"{jr_id}-{rx_id}-{item_type}", "patn_id": item.psn_no,
                                    "mdtrt_id": mdtrt_id, "rx_id": rx_id, "vola_item_type": item_type,
                                    "vola_amt": amount})
        result.append({
            "jr_id": jr_id, "rule_id": rule_id, "rule_name": first.rule_name,
            "vola_cont": "；".join(item.vola_cont for item in group), "patn_id": first.psn_no,
            "mdtrt_id": mdtrt_id, "vola_amt": sum((item.vola_amt for item in group), Decimal("0.00")),
            "vola_amt_stas": "", "sev_deg": first.sev_deg, "vola_evid": basis.get(rule_id, ""),
            "vola_bhvr_type": first.rule_type, "task_id": task_id, "judge_result_detail_dtos": details,
        })
    return result
