"""The findings queue and idempotent post-event runs (app/findings.py) against an in-memory unit of work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, findings
from yibao.domain.audit import Finding

from ..refusals import refused
from .fake_findings import FakeFindings
from .fake_joint_supervision import FakeJointSupervision
from .fake_supervision import FakeSupervision
from .fakes import FakeUnitOfWork

SHENZHEN = actors.agency("440300", "3f2a")
HOSPITAL, OTHER = "H44030000001", "H44010000001"
PACKAGE = {"admdvs": "440300", "version": "7"}
BEGIN, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def world(actor=SHENZHEN, now=dt.datetime(2026, 12, 1, 9, 0)) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actor, now)
    uow.supervision = FakeSupervision(now)
    uow.joint_supervision = FakeJointSupervision(uow.supervision)
    uow.supervision.institutions.update({HOSPITAL: {"admdvs": "440305"}, OTHER: {"admdvs": "440100"}})
    uow.findings = FakeFindings(uow.supervision)
    return uow


def finding(mdtrt_id: str, sn: str = "1", amount: str = "5.00") -> Finding:
    return Finding("PRICE-01", "超标准收费", "超标准收费", "明确违规", "明确违规", "单价高于限价", Decimal(amount),
                   mdtrt_id, f"S{mdtrt_id}", sn, "P1")


def run(uow, found, package=PACKAGE) -> dict:
    institutions = {f.mdtrt_id: (OTHER if f.mdtrt_id.startswith("G") else HOSPITAL) for f in found}
    with uow:
        return findings.record_run(uow, region="440300", begin=BEGIN, end=END, package_row=package, findings=found,
                                   institutions=institutions)


def live(uow, **filters) -> list[dict]:
    return findings.list_findings(uow, **filters)["findings"]


def test_running_the_same_audit_twice_leaves_one_set_of_findings_and_keeps_the_first_as_history():
    uow = world()
    first = run(uow, [finding("V1"), finding("V2")])
    second = run(uow, [finding("V1"), finding("V2")])
    assert second["supersedes"] == first["run_id"] and first["supersedes"] is None
    assert {row["finding_id"] for row in live(uow)} == set(second["finding_ids"])
    assert len(uow.supervision.stored_findings) == 4  # the first run's findings are kept, superseded
    assert findings.list_findings(uow)["total"] == 2
    assert [row[1] for row in uow.actions.rows] == ["audit.run", "audit.run"]


def test_a_re_run_that_finds_nothing_still_supersedes_the_earlier_findings():
    uow = world()
    run(uow, [finding("V1")])
    run(uow, [])
    assert live(uow) == []


def test_another_package_version_or_period_is_another_run_not_a_re_run():
    uow = world()
    run(uow, [finding("V1")])
    other = run(uow, [finding("V1")], package={"admdvs": "440300", "version": "8"})
    assert other["supersedes"] is None and findings.list_findings(uow)["total"] == 2


def test_a_finding_moves_new_checking_confirmed_appealed_and_is_re_reviewed_each_step_dated_with_its_actor():
    uow = world()
    [finding_id] = run(uow, [finding("V1")])["finding_ids"]
    with uow:
        findings.move(uow, finding_id, "checking", agency_region="440300")
    with uow:
        findings.move(uow, finding_id, "confirmed", agency_region="440300")
    with uow:
        findings.move(uow, finding_id, "appealed", reason="机构申诉：限价文件未生效", agency_region="440300")
    with uow:
        moved = findings.move(uow, finding_id, "dismissed", reason="复核：申诉成立", agency_region="440300")
    assert moved["status"] == "dismissed"
    assert [(s["seq"], s["from_status"], s["to_status"]) for s in moved["history"]] == [
        (1, "new", "checking"), (2, "checking", "confirmed"), (3, "confirmed", "appealed"), (4, "appealed", "dismissed")]
    assert moved["history"][2]["reason"] == "机构申诉：限价文件未生效"
    assert {s["by"] for s in moved["history"]} == {"agency:440300/token:3f2a"}
    assert uow.findings.locked.count(finding_id) == 4
    assert [row[1] for row in uow.actions.rows].count("finding.move") == 4
    assert live(uow, status="dismissed")[0]["finding_id"] == finding_id and live(uow, status="new") == []


@pytest.mark.parametrize("steps, to, reason, code", [
    ([], "confirmed", "", "FINDING_TRANSITION"),  # checked before confirmed
    ([("checking", ""), ("dismissed", "重复")], "checking", "", "FINDING_TRANSITION"),  # dismissed is final
    ([], "dismissed", " ", "FINDING_REASON_REQUIRED"),
    ([("checking", ""), ("confirmed", "")], "appealed", "", "FINDING_REASON_REQUIRED"),
    ([("checking", ""), ("confirmed", ""), ("appealed", "申诉"), ("confirmed", "维持")], "appealed", "再申诉",
     "FINDING_TRANSITION"),  # one appeal
    ([], "closed", "", "FINDING_BAD_STATUS"),
])
def test_moves_the_queue_does_not_allow_are_refused_and_record_nothing(steps, to, reason, code):
    uow = world()
    [finding_id] = run(uow, [finding("V1")])["finding_ids"]
    for status, why in steps:
        with uow:
            findings.move(uow, finding_id, status, reason=why)
    with refused(code):
        findings.move(uow, finding_id, to, reason=reason)
    assert len(uow.findings.transitions) == len(steps)


def test_a_superseded_or_unknown_finding_cannot_be_moved():
    uow = world()
    [old] = run(uow, [finding("V1")])["finding_ids"]
    run(uow, [finding("V1")])
    with refused("FINDING_SUPERSEDED"):
        findings.move(uow, old, "checking")
    with refused("FINDING_NOT_FOUND"):
        findings.move(uow, "FD0000000000", "checking")


def test_a_re_run_carries_each_finding_s_state_over_to_the_same_finding():
    uow = world()
    first = run(uow, [finding("V1"), finding("V2")])
    for status in ("checking", "confirmed"):
        with uow:
            findings.move(uow, first["finding_ids"][0], status)
    second = run(uow, [finding("V1"), finding("V2"), finding("V3")])
    assert second["carried"] == 1
    by_visit = {row["mdtrt_id"]: row["status"] for row in live(uow)}
    assert by_visit == {"V1": "confirmed", "V2": "new", "V3": "new"}
    [carried] = [row for row in live(uow) if row["mdtrt_id"] == "V1"]
    history = uow.findings.history([carried["finding_id"]])[carried["finding_id"]]
    assert [s["to_status"] for s in history] == ["checking", "confirmed"]
    assert history[0]["reason"].startswith(f"[沿用 {first['finding_ids'][0]}]")


def test_an_agency_sees_and_moves_only_findings_about_institutions_of_its_regions():
    uow = world()
    found = run(uow, [finding("V1"), finding("G1")])
    assert [row["mdtrt_id"] for row in live(uow, agency_region="440300")] == ["V1"]
    assert sorted(row["mdtrt_id"] for row in live(uow, agency_region="440000")) == ["G1", "V1"]
    assert live(uow, agency_region="440100")[0]["mdtrt_id"] == "G1"
    guangzhou_finding = found["finding_ids"][1]
    with refused("AUTHZ_NOT_TREATMENT_PLACE"):
        findings.move(uow, guangzhou_finding, "checking", agency_region="440300")
    assert uow.findings.transitions == []


def test_the_queue_pages_and_filters_by_rule_and_institution():
    uow = world()
    run(uow, [finding(f"V{n}") for n in range(5)] + [finding("G1")])
    page = findings.list_findings(uow, limit=2, offset=2)
    assert (page["total"], len(page["findings"])) == (6, 2)
    assert findings.list_findings(uow, fixmedins_code=OTHER)["total"] == 1
    assert findings.list_findings(uow, rule_id="NOPE")["total"] == 0
