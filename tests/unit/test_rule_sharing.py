"""Sharing a rule package merges per item (issue #17 item 2), against an in-memory unit of work."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal

from yibao.app import actors, audit, rule_sharing
from yibao.domain.audit import (
    Claim, KnowledgeBase, Line, PriceCeiling, Provenance, RulePackage, audit_claim, export_package, standard_rules,
)
from yibao.domain.audit.package import package_from_dict

from ..refusals import refused
from .fake_audit import FakeAudit
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
SHANWEI, HUIZHOU = "441500", "441300"
SHANWEI_AGENCY = actors.agency(SHANWEI, "5a1e")
DAY = dt.date(2026, 11, 3)


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(SHANWEI_AGENCY, NOW)
    uow.audit = FakeAudit(NOW)
    return uow


def ceilings(region: str, count: int, price: str = "20") -> tuple[PriceCeiling, ...]:
    return tuple(PriceCeiling(f"XA{n:02d}", region, dt.date(2026, 1, 1), Decimal(price)) for n in range(1, count + 1))


def package_of(region: str, version: str, knowledge: KnowledgeBase) -> RulePackage:
    provenance = Provenance(f"{region} 医保局", region, dt.date(2026, 1, 1))
    return RulePackage(package_id=f"pkg-{region}", version=version, region=region, provenance=provenance,
                       rules=standard_rules(provenance), knowledge=knowledge)


def over_price_claims(count: int) -> list[Claim]:
    """``count`` visits in 汕尾, each billing one item above its ceiling (25 against 20)."""
    return [Claim(mdtrt_id=f"V{n}", psn_no=f"P{n}", certno="441500199001010011", gend="1", fixmedins_code="H44150000001",
                  medins_lv="3", med_type="11", begndate=DAY, enddate=DAY, main_diag="I10",
                  lines=(Line("1", f"XA{n:02d}", DAY, Decimal(1), Decimal(25), Decimal("25.00")),), setl_id=f"S{n}",
                  age=40, insuplc_admdvs=SHANWEI, mdtrtarea_admvs=SHANWEI)
            for n in range(1, count + 1)]


def price_findings(uow) -> int:
    _, package = audit.current_package(uow, SHANWEI)
    return sum(1 for claim in over_price_claims(14) for finding in audit_claim(claim, None, package, "事后")
               if finding.rule_type == "超标准收费")


def shanwei_with_its_ceilings(uow) -> None:
    own = package_of(SHANWEI, "7", KnowledgeBase(price_ceilings=ceilings(SHANWEI, 15)))
    with uow:
        audit.import_rule_package(uow, export_package(own), admdvs=SHANWEI, source="own")


def huizhou_package() -> str:
    """惠州's package: its own restriction-free knowledge, a stricter tolerance, one ceiling of its own."""
    shared = package_of(HUIZHOU, "3", KnowledgeBase(price_ceilings=ceilings(HUIZHOU, 1, "30")))
    rules = tuple(replace(rule, parameters={"tolerance": Decimal("0.5")}) if rule.rule_type == "超标准收费" else rule
                  for rule in shared.rules)
    return export_package(replace(shared, rules=rules))


def test_sharing_a_package_keeps_shanwei_s_15_price_ceilings_and_its_14_price_findings():
    uow = world()
    shanwei_with_its_ceilings(uow)
    assert price_findings(uow) == 14
    with uow:
        result = rule_sharing.accept(uow, huizhou_package(), admdvs=SHANWEI, accept="all")
    _, package = audit.current_package(uow, SHANWEI)
    assert len([row for row in package.knowledge.price_ceilings if row.insu_admdvs == SHANWEI]) == 15
    assert price_findings(uow) == 14
    assert result["kept_only_mine"] == 15 and "price_ceilings/XA01/441300/2026-01-01" in result["applied"]


def test_the_preview_shows_each_item_as_new_changed_same_or_only_mine_and_stores_nothing():
    uow = world()
    shanwei_with_its_ceilings(uow)
    view = rule_sharing.preview(uow, huizhou_package(), admdvs=SHANWEI)
    assert view["counts"] == {"new": 1, "changed": 1, "same": 13, "only-mine": 15}
    by_id = {item["item_id"]: item for item in view["items"]}
    [changed] = [item for item in view["items"] if item["status"] == "changed"]
    assert changed["kind"] == "rule" and changed["theirs"]["parameters"] == {"tolerance": "0.5"}
    assert by_id["price_ceilings/XA01/441500/2026-01-01"]["status"] == "only-mine"
    assert by_id["price_ceilings/XA01/441300/2026-01-01"]["theirs"]["hilist_pric_uplmt_amt"] == "30"
    assert len(uow.audit.packages) == 1


def test_only_the_accepted_items_are_applied_each_with_its_origin():
    uow = world()
    shanwei_with_its_ceilings(uow)
    view = rule_sharing.preview(uow, huizhou_package(), admdvs=SHANWEI)
    [changed] = [item["item_id"] for item in view["items"] if item["status"] == "changed"]
    with uow:
        result = rule_sharing.accept(uow, huizhou_package(), admdvs=SHANWEI, accept=[changed])
    assert result["applied"] == [changed] and result["not_accepted"] == ["price_ceilings/XA01/441300/2026-01-01"]
    _, package = audit.current_package(uow, SHANWEI)
    assert [r.parameters for r in package.rules if r.rule_type == "超标准收费"] == [{"tolerance": Decimal("0.5")}]
    assert not [row for row in package.knowledge.price_ceilings if row.insu_admdvs == HUIZHOU]
    assert package.origins[changed] == {"source_region": HUIZHOU, "package_version": "3",
                                        "imported_at": "2026-12-01T09:00:00", "imported_by": "agency:441500/token:5a1e"}
    own = package.origins["price_ceilings/XA15/441500/2026-01-01"]
    assert (own["source_region"], own["package_version"]) == (SHANWEI, "7")
    # the provenance is part of the stored document, so it survives an export and a re-read
    stored = package_from_dict(json.loads(audit.export_rule_package(uow, SHANWEI)))
    assert stored.origins == package.origins and len(stored.origins) == len(package.rules) + 15
    [(actor, action, subject, detail)] = [row for row in uow.actions.rows if row[1] == "rules.share"]
    assert (actor, subject, detail["applied"]) == (SHANWEI_AGENCY, SHANWEI, [changed])


def test_naming_an_unknown_or_same_item_is_refused_and_nothing_is_stored():
    uow = world()
    shanwei_with_its_ceilings(uow)
    for wrong in (["rule/NOPE"], ["price_ceilings/XA01/441500/2026-01-01"]):
        with refused("RULESHARE_ITEM_NOT_ACCEPTABLE"):
            rule_sharing.accept(uow, huizhou_package(), admdvs=SHANWEI, accept=wrong)
    assert len(uow.audit.packages) == 1


def test_a_region_without_a_package_takes_the_accepted_items_as_its_first_version():
    uow = world()
    with uow:
        rule_sharing.accept(uow, huizhou_package(), admdvs=SHANWEI, accept="all")
    row, package = audit.current_package(uow, SHANWEI)
    assert row["admdvs"] == SHANWEI and package.region == SHANWEI and len(package.rules) == 14
    assert {origin["source_region"] for origin in package.origins.values()} == {HUIZHOU}


def test_a_bad_shared_package_is_refused():
    uow = world()
    with refused("AUDIT_PACKAGE_INVALID"):
        rule_sharing.preview(uow, "{nope", admdvs=SHANWEI)
    with refused("AUDIT_PACKAGE_INVALID"):
        rule_sharing.preview(uow, {"format": "other"}, admdvs=SHANWEI)
