"""The audit rule base's use cases against an in-memory unit of work (milliseconds)."""

from __future__ import annotations

import datetime as dt
import json


from yibao.app import actors, audit
from yibao.domain.audit import export_package

from ..refusals import refused
from .fake_audit import FakeAudit
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
CEILINGS = ("hilist_code,insu_admdvs,begndate,enddate,hilist_pric_uplmt_amt,hilist_lmtpric_type,overlmt_dspo_way,"
            "vali_flag\n")


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.SYSTEM, NOW)
    uow.audit = FakeAudit(NOW)
    return uow


def standard(region: str = "440300") -> str:
    return export_package(audit.standard_package(region, NOW))


def test_a_package_is_stored_once_and_a_new_setting_is_a_new_revision():
    uow = world()
    first = audit.import_rule_package(uow, standard(), admdvs="440300", source="standard")
    assert first["changed"] and first["version"] == "1" and "rule added" in first["diff"]
    again = audit.import_rule_package(uow, standard(), admdvs="440300", source="standard")
    assert (again["changed"], again["version"]) == (False, "1") and len(uow.audit.packages) == 1
    stricter = audit.import_rule_package(uow, standard(), admdvs="440300", source="x" * 300, refuse_definite=True)
    assert (stricter["changed"], stricter["version"]) == (True, "1+2")
    assert [(p["version"], p["refuse_definite"], len(p["source"])) for p in uow.audit.packages] == [
        ("1", False, 8), ("1+2", True, 100)]
    # A district without its own package gets its city's; the export is the stored package.
    assert json.loads(audit.export_rule_package(uow, "440305")) == json.loads(standard())


def test_a_bad_package_or_a_region_without_one_is_refused_and_nothing_is_stored():
    uow = world()
    with refused("AUDIT_PACKAGE_INVALID"):
        audit.import_rule_package(uow, "{not json", admdvs="440300", source="file")
    with refused("AUDIT_NO_PACKAGE", "统筹区 440300"):
        audit.export_rule_package(uow, "440300")
    assert uow.audit.packages == []


def test_price_ceilings_go_to_each_region_package_with_the_standard_rules(tmp_path):
    path = tmp_path / "lmtpric.csv"
    path.write_text(CEILINGS + "BED,440300,2024-01-01,,60,1,1,1\nBED,440100,2024-01-01,,80,1,1,1\n"
                    "XA1,440100,2024-01-01,,5,1,1,1\n", encoding="utf-8")
    uow = world()
    results = audit.import_knowledge_file(uow, "price_ceilings", path)
    assert [(r["region"], r["rows"], r["version"]) for r in results] == [("440100", 2, "20261201090000"),
                                                                         ("440300", 1, "20261201090000")]
    package = audit.current_package(uow, "440100")[1]
    assert sorted((c.hilist_code, str(c.hilist_pric_uplmt_amt)) for c in package.knowledge.price_ceilings) == [
        ("BED", "80"), ("XA1", "5")]
    assert len(package.rules) == len(audit.standard_package("440100", NOW).rules)


def test_deaths_replace_the_registered_date_and_a_bad_file_imports_nothing(tmp_path):
    uow = world()
    good = tmp_path / "deaths.csv"
    good.write_text("certno,die_date\n110101199001011234,2024-01-01\n110101199001011234,2024-02-01\n", encoding="utf-8")
    assert audit.import_deaths(uow, good) == 1
    assert uow.audit.deaths() == {"110101199001011234": dt.date(2024, 2, 1)}
    bad = tmp_path / "bad.csv"
    bad.write_text("certno,die_date\n110101199001019999,yesterday\n", encoding="utf-8")
    with refused("AUDIT_DEATHS_INVALID", "die_date"):
        audit.import_deaths(uow, bad)
    assert list(uow.audit.deaths()) == ["110101199001011234"]


def test_a_claim_is_audited_against_the_death_registry():
    from yibao.domain.audit import Claim, Line

    uow = world()
    audit.import_rule_package(uow, standard(), admdvs="440300", source="standard")
    person = {"psn_no": "P1", "certno": "110101199001011234", "gend": "1", "brdy": dt.date(1990, 1, 1)}
    claim = Claim(mdtrt_id="M1", psn_no="P1", certno=person["certno"], gend="1", fixmedins_code="H1", medins_lv="2",
                  med_type="11", begndate=dt.date(2026, 11, 20), enddate=dt.date(2026, 11, 20), main_diag="I10",
                  diag_codes=(), lines=(Line("1", "XA1", dt.date(2026, 11, 20), 1, 10, 10),), brdy=person["brdy"],
                  insuplc_admdvs="440300", mdtrtarea_admvs="440300")
    package = audit.current_package(uow, "440300")[1]
    assert "DEATH-01" not in {f.rule_id for f in audit.claim_findings(uow, claim, person, package, "事前")}
    uow.audit.replace_death(person["certno"], dt.date(2026, 10, 1))
    found = [f for f in audit.claim_findings(uow, claim, person, package, "事前") if f.mdtrt_id == "M1"]
    assert "DEATH-01" in {f.rule_id for f in found}
