"""What-if replay (issue #18 item 6): a policy change given as a JSON patch (domain/json_patch.py)
over the insured place's policy document and the treatment place's catalogue, replayed over
visits with the same engine (domain/settle.settle), the fund and patient effect summed by region,
med_type and person class.

A visit is a settlement case document (settlement-spec §2: policy, catalog, person, ytd, visit,
lines). The patch addresses ``/policy/…`` (any field of the policy document: a ratio, a
deductible, a cap, a band) and ``/catalog/{code}/…`` (an entry's category ``chrgitm_lv``,
``selfpay_prop``, the price ceiling ``pric_uplmt_amt``); a line's price is changed with
``/prices/{code}`` (the new unit price, yuan). An operation may carry ``admdvs`` and ``insutype``
(a value or a list): it then applies only to the policy documents of those regions and insurance
types (a change to one region's ratio need not fit the others' documents). Each distinct policy
and catalogue is parsed and patched once, so the cost per visit is two runs of the engine.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable

from pydantic import ValidationError

from yibao.documents.case_document import build_catalog, parse_case
from yibao.documents.case_document import CatalogEntryDoc
from yibao.documents.policy_document import parse_policy
from yibao.domain import json_patch
from yibao.domain.case import FeeLine, SettlementCase
from yibao.domain.errors import SettlementRefused
from yibao.domain.money import ZERO, round_fen
from yibao.domain.settle import settle

from .error_codes import refusal


@dataclass
class Effect:
    visits: int = 0
    refused_before: int = 0
    refused_after: int = 0
    fund_before: Decimal = ZERO
    fund_after: Decimal = ZERO
    patient_before: Decimal = ZERO
    patient_after: Decimal = ZERO

    def as_row(self) -> dict:
        return {"visits": self.visits, "refused_before": self.refused_before, "refused_after": self.refused_after,
                "fund_before": self.fund_before, "fund_after": self.fund_after,
                "fund_change": self.fund_after - self.fund_before, "patient_before": self.patient_before,
                "patient_after": self.patient_after, "patient_change": self.patient_after - self.patient_before}


def person_class(case: SettlementCase) -> str:
    """insutype and the ratio tables' person key (spec §4), e.g. ``310/retired``."""
    return f"{case.person.insutype or case.policy.insutype}/{case.person.class_key}"


class Patcher:
    """The patched policy and catalogue of each distinct document, computed once."""

    def __init__(self, patch: list[dict]):
        self.patch = patch
        self._policies: dict[str, object] = {}
        self._catalogs: dict[str, tuple] = {}

    def _view(self, doc: dict) -> dict:
        return {"policy": doc["policy"], "catalog": {entry["code"]: entry for entry in doc.get("catalog", [])},
                "prices": {}}

    def patched_parts(self, doc: dict) -> tuple:
        """The patched policy, catalogue and line prices of a document (computed once)."""
        if not isinstance(doc.get("policy"), dict) or not isinstance(doc.get("catalog"), list):
            raise refusal("WHATIF_BAD_PATCH", reason="each visit carries its policy and catalog inline")
        key = json.dumps([doc["policy"], doc["catalog"]], sort_keys=True, default=str)
        if key not in self._policies:
            try:
                view = json_patch.apply(self._view(doc), _for_policy(self.patch, doc["policy"]))
                entries = [CatalogEntryDoc.model_validate(entry) for entry in view["catalog"].values()]
                self._policies[key] = parse_policy(view["policy"], "policy")
                self._catalogs[key] = (build_catalog(entries, "catalog"), _prices(view["prices"]))
            except (json_patch.PatchError, ValidationError, SettlementRefused, InvalidOperation, ValueError) as exc:
                # a patch that breaks the document (a ratio above 1, a band out of order) is the patch's fault
                raise refusal("WHATIF_BAD_PATCH", reason=str(exc)[:200]) from None
        catalog, prices = self._catalogs[key]
        return self._policies[key], catalog, prices


def _matches(value, wanted) -> bool:
    return wanted is None or value == wanted or (isinstance(wanted, list) and value in wanted)


def _for_policy(patch: list[dict], policy: dict) -> list[dict]:
    """The operations that apply to this policy document, without their filter keys."""
    if not isinstance(patch, list):
        return patch  # json_patch refuses it with its reason
    chosen = []
    for operation in patch:
        if isinstance(operation, dict) and not (_matches(policy.get("admdvs"), operation.get("admdvs"))
                                                and _matches(policy.get("insutype"), operation.get("insutype"))):
            continue
        chosen.append({k: v for k, v in operation.items() if k not in ("admdvs", "insutype")}
                      if isinstance(operation, dict) else operation)
    return chosen


def _prices(patched: dict) -> dict[str, Decimal]:
    """``/prices/{code}``: new unit prices in yuan, positive numbers."""
    prices = {code: Decimal(str(value)) for code, value in patched.items()}
    if any(not price.is_finite() or price <= 0 for price in prices.values()):
        raise ValueError("a price is a positive number of yuan")
    return prices


def _repriced(lines: tuple[FeeLine, ...], prices: dict) -> tuple[FeeLine, ...]:
    if not prices:
        return lines
    result = []
    for line in lines:
        if line.code not in prices:
            result.append(line)
            continue
        count, price = line.cnt if line.cnt is not None else Decimal(1), prices[line.code]
        result.append(FeeLine(line.code, count, price, round_fen(count * price)))
    return tuple(result)


def _settled(case: SettlementCase) -> tuple[Decimal, Decimal] | None:
    try:
        result = settle(case)
    except SettlementRefused:
        return None
    return result.fund_pay_sumamt, result.psn_part_amt


def replay(case_docs: Iterable[dict], patch: list[dict]) -> dict[tuple[str, str, str], Effect]:
    """(insured region, med_type, person class) → the effect of the patch on its visits. A visit
    the engine refuses on one side counts as refused there and adds nothing to that side."""
    return replay_groups(((doc, [parse_case(doc)]) for doc in case_docs), patch)


def replay_groups(groups: Iterable[tuple[dict, Iterable[SettlementCase]]], patch: list[dict]) -> dict:
    """The same over visits grouped by the documents their policy and catalogue come from (a
    group's cases carry that policy and catalogue): the patched pair is looked up once per
    group, so a large replay (bench/whatif_bench.py) costs two engine runs per visit."""
    patcher, effects = Patcher(patch), {}
    for doc, cases in groups:
        touched = bool(_for_policy(patch, doc["policy"]))
        patched_policy, patched_catalog, prices = patcher.patched_parts(doc)
        for case in cases:
            key = (case.visit.insuplc_admdvs, case.visit.med_type, person_class(case))
            effect = effects.get(key) or effects.setdefault(key, Effect())
            effect.visits += 1
            before = _settled(case)
            # a group no operation applies to settles the same after: the engine runs once
            after = before if not touched else _settled(dataclasses.replace(
                case, policy=patched_policy, catalog=patched_catalog, lines=_repriced(case.lines, prices)))
            _add_side(effect, "before", before)
            _add_side(effect, "after", after)
    return dict(sorted(effects.items()))


def _add_side(effect: Effect, side: str, amounts: tuple[Decimal, Decimal] | None) -> None:
    if amounts is None:
        setattr(effect, f"refused_{side}", getattr(effect, f"refused_{side}") + 1)
        return
    setattr(effect, f"fund_{side}", getattr(effect, f"fund_{side}") + amounts[0])
    setattr(effect, f"patient_{side}", getattr(effect, f"patient_{side}") + amounts[1])


def report(effects: dict[tuple[str, str, str], Effect]) -> dict:
    """Rows per (region, med_type, person class) and the total, amounts in yuan."""
    total = Effect()
    for effect in effects.values():
        for name in ("visits", "refused_before", "refused_after", "fund_before", "fund_after",
                     "patient_before", "patient_after"):
            setattr(total, name, getattr(total, name) + getattr(effect, name))
    rows = [dict(region=key[0], med_type=key[1], person_class=key[2], **effect.as_row())
            for key, effect in effects.items()]
    return {"rows": rows, "total": total.as_row()}
