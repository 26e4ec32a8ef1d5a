"""Catalogue and payment-standard recognition between two regions (目录及支付标准互认, issue #18
item 5): the comparison of two regions' catalogues for the same national codes, and which
recognitions are in force (docs/prices.md, "Recognition").

A recognition says: region ``to`` recognises region ``from``'s entry for a code from a date. It
is proposed by one of the two agencies and in force once the other has agreed, until either
withdraws it. The order of an agreement and a withdrawal does not matter: withdrawn wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .case import CatalogEntry

CATEGORY_NAMES = {"01": "甲", "02": "乙", "03": "丙"}


@dataclass(frozen=True, slots=True)
class EntryDifference:
    code: str
    category: tuple[str, str] | None  # (a, b) when they differ
    selfpay_prop: tuple[Decimal, Decimal] | None
    ceiling: tuple[Decimal | None, Decimal | None] | None


@dataclass(frozen=True, slots=True)
class CatalogueComparison:
    same: int  # codes in both with no difference
    differences: tuple[EntryDifference, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]


def compare(a: dict[str, CatalogEntry], b: dict[str, CatalogEntry]) -> CatalogueComparison:
    """For every national code in both catalogues: category (甲乙丙), self-pay ratio (先行自付比例)
    and ceiling (支付标准) differences; and the codes each has alone."""
    differences, same = [], 0
    for code in sorted(a.keys() & b.keys()):
        x, y = a[code], b[code]
        difference = EntryDifference(
            code,
            (x.chrgitm_lv, y.chrgitm_lv) if x.chrgitm_lv != y.chrgitm_lv else None,
            (x.selfpay_prop, y.selfpay_prop) if x.selfpay_prop != y.selfpay_prop else None,
            (x.pric_uplmt_amt, y.pric_uplmt_amt) if x.pric_uplmt_amt != y.pric_uplmt_amt else None)
        if difference.category or difference.selfpay_prop or difference.ceiling:
            differences.append(difference)
        else:
            same += 1
    return CatalogueComparison(same, tuple(differences), tuple(sorted(a.keys() - b.keys())),
                               tuple(sorted(b.keys() - a.keys())))


@dataclass(frozen=True, slots=True)
class Recognition:
    recognition_id: str
    from_admdvs: str
    to_admdvs: str
    hilist_code: str
    begndate: dt.date
    proposed_by: str  # the proposing region (one of the two)
    steps: frozenset[str]  # agree, withdraw

    def status(self) -> str:
        if "withdraw" in self.steps:
            return "withdrawn"
        return "agreed" if "agree" in self.steps else "proposed"

    def in_force(self, day: dt.date) -> bool:
        return self.status() == "agreed" and self.begndate <= day


def recognised_codes(recognitions: list[Recognition], to_admdvs: str, day: dt.date) -> dict[str, str]:
    """Code → the region whose entry ``to_admdvs`` recognises on ``day`` (the latest begndate wins)."""
    chosen: dict[str, Recognition] = {}
    for item in sorted(recognitions, key=lambda r: (r.begndate, r.recognition_id)):
        if item.to_admdvs == to_admdvs and item.in_force(day):
            chosen[item.hilist_code] = item
    return {code: item.from_admdvs for code, item in chosen.items()}
