"""The dashboard as a daily tool (web/daily_pages.py) and the admin lists and exports, against a
real server over the statistics' fixed dataset (tests/platform/test_statistics.py) for 汕尾's
agency (441500) and its users: a clerk (经办), an accountant and auditor (财务、稽核).

Over HTTP: the drill-down pair → institution → settlement → fee lines and split, the search,
statements confirmed and paid by the accountant (the clerk sees no button and is refused), a
filing through the form, a finding moved through the queue, another region's agency refused;
the list endpoints paged and typed, their Excel and CSV, a statement's PDF. In headless
Chromium: every page, the ECharts trend charts served by the app; with YIBAO_WRITE_SCREENSHOTS=1
the screenshots are written to docs/screenshots/ (else to a temporary directory)."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.users import add_user
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..server import Server
from ..unit.test_exports import pdf_text
from .conftest import IN_CI, new_database_url
from .test_dashboard import chrome
from .test_listings import write_subjects
from .test_statistics import NOW, filled, fen, write_money_flows, write_registry

pytestmark = pytest.mark.server
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "daily-tool-password"
RANGE = "from=2026-01-01&to=2026-11-30"
CERTNO = "441502198001010018"


def write_people_and_findings(conn) -> None:
    conn.execute(insert(t.persons).values(**filled(t.persons, psn_no="P44100000001", psn_name="陈小明", certno=CERTNO)))
    conn.execute(insert(t.insurances).values(**filled(t.insurances, psn_no="P44100000001", insutype="310",
                                                      insuplc_admdvs="441502")))
    conn.execute(insert(t.fee_lines).values(**filled(
        t.fee_lines, mdtrt_id="V10", feedetl_sn="0001", psn_no="P44100000001", med_list_codg="001201000010000",
        cnt="2", pric="44.40", det_item_fee_sumamt_fen=fen("88.80"), fee_ocur_time=dt.datetime(2026, 10, 1),
        status="uploaded")))
    conn.execute(t.settlements.update().where(t.settlements.c.setl_id == "S10").values(detail=(
        '{"setldetail": [{"fund_pay_type": "310100", "fund_payamt": "60.00"}], "lines": [{"code": "001201000010000", '
        '"det_item_fee_sumamt": "88.80", "fulamt_ownpay_amt": "0.00", "overlmt_amt": "0.00", "preselfpay_amt": "8.88", '
        '"inscp_scp_amt": "79.92", "chrgitm_lv": "02", "selfpay_prop": "0.1", "memo": ""}]}')))
    for n, institution in enumerate(("HSW1", "HSZ1")):
        conn.execute(insert(t.audit_findings).values(**filled(
            t.audit_findings, finding_id=f"FD{n}", stage="事后", run_id="RUN1", rule_id="R-LIMIT", rule_type="限价",
            result_type="可疑", sev_deg="2", mdtrt_id="V4", setl_id="S4", psn_no="", fixmedins_code=institution,
            vola_amt_fen=fen("12.00"), vola_cont="超最高限价收费", found_at=dt.datetime(2026, 6, 2))))


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    url = new_database_url("sqlite", request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    with database.write() as conn:
        write_registry(conn)
        write_subjects(conn)
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        write_money_flows(uow)
        token = add_agency(uow, "441500", "汕尾市医疗保障事务中心")
        other = add_agency(uow, "440300", "深圳市医疗保障事务中心")
        add_user(uow, "441500", "zhang", ["clerk"], PASSWORD, "张三")
        add_user(uow, "441500", "wang", ["accountant", "auditor"], PASSWORD, "王五")
    with database.write() as conn:
        write_people_and_findings(conn)
    work = tmp_path_factory.mktemp("daily")
    server = Server(url, log_path=work / "server.log").start()
    yield {"url": server.url, "database": database, "token": f"441500:{token}", "other": f"440300:{other}"}
    server.stop()
    database.dispose()


@contextmanager
def signed_in(world, username: str):
    with httpx.Client(base_url=world["url"], timeout=30, follow_redirects=False) as client:
        answer = client.post("/dashboard/login", data={"agency_code": "441500", "username": username,
                                                       "password": PASSWORD})
        assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
        yield client


def csrf(page: str) -> str:
    return page.split("name=\"csrf\" value=\"", 1)[1].split("\"", 1)[0]


def statement(world, statement_id: str) -> dict:
    with world["database"].read() as conn:
        return dict(conn.execute(select(t.clearing_statements).where(
            t.clearing_statements.c.statement_id == statement_id)).mappings().one())


def test_the_drill_down_from_region_pair_to_fee_lines(world):
    with signed_in(world, "zhang") as http:
        pairs = http.get(f"/dashboard/pairs?{RANGE}&role=insured").text
        assert "城区" in pairs or "广东省 441502" in pairs
        assert "/dashboard/pairs/441502/440300?from=2026-01-01&to=2026-11-30" in pairs
        pair = http.get("/dashboard/pairs/441502/440300?" + RANGE).text
        # S1, S2 and its reversal R2, R8 (reversing a 2025 settlement), S9, S10: net 1 + 1 − 1 − 1 + 1 + 1 = 2
        assert "HSZ1" in pair and ">2</a>" in pair
        listed = http.get("/dashboard/settlements?fixmedins_code=HSZ1&insuplc_admdvs=441502&mdtrtarea_admvs=440300&"
                          + RANGE).text
        assert "共 6 笔" in listed and "/dashboard/settlements/S10" in listed and "冲正" in listed
        detail = http.get("/dashboard/settlements/S10").text
        assert "陈**" in detail and "441*************18" in detail and CERTNO not in detail
        assert "001201000010000" in detail and "88.80" in detail and "79.92" in detail and "乙类" in detail
        assert "职工基本医疗保险统筹基金" in detail and "60.00" in detail


def test_search_by_settlement_institution_and_masked_person(world):
    with signed_in(world, "zhang") as http:
        by_id = http.get("/dashboard/search", params={"q": "S5"}).text
        assert "/dashboard/settlements/S5" in by_id
        by_name = http.get("/dashboard/search", params={"q": "HSW"}).text
        assert "HSW1" in by_name and "HSW2" in by_name and "HSZ1" not in by_name.split("定点医药机构")[1]
        person = http.get("/dashboard/search", params={"q": CERTNO}).text
        assert "P44100000001" in person and "陈**" in person and "441*************18" in person
        assert CERTNO not in person.replace(f'value="{CERTNO}"', "")
        assert "陈小明" not in person


def test_another_regions_settlement_is_not_shown(world):
    other = httpx.Client(base_url=world["url"], timeout=30, follow_redirects=False)
    # 深圳's own token signs in (deprecated, every role): S4 (汕尾 local) is not its settlement
    assert other.post("/dashboard/login", data={"agency_code": "440300",
                                                 "token": world["other"].split(":", 1)[1]}).status_code == 303
    refused = other.get("/dashboard/settlements/S4")
    assert refused.status_code == 404 and "DASH" not in refused.text and "不存在或不属于本机构" in refused.text
    shown = other.get("/dashboard/settlements/S10").text
    assert "P441******01" in shown and "P44100000001" not in shown
    other.close()


def test_a_clerk_sees_no_pay_button_and_is_refused_the_action(world):
    with signed_in(world, "zhang") as http:
        page = http.get("/dashboard/statements?month=2026-03").text
        assert "ST2" in page and "已确认待支付" in page and "已支付" in page
        assert "id=\"pay-ST2\"" not in page and "id=\"confirm-" not in page
        refused = http.post("/dashboard/statements/ST2/pay", data={"csrf": csrf(page)})
        assert refused.status_code == 403 and "clerk" in refused.text
    assert statement(world, "ST2")["status"] == "confirmed"


def test_the_accountant_confirms_and_pays_with_the_form_token(world):
    with signed_in(world, "wang") as http:
        page = http.get("/dashboard/statements?month=2026-03").text
        assert "id=\"pay-ST2\"" in page and "id=\"pay-ST0\"" not in page
        forged = http.post("/dashboard/statements/ST2/pay", data={"csrf": "forged"})
        assert forged.status_code == 403 and statement(world, "ST2")["status"] == "confirmed"
        paid = http.post("/dashboard/statements/ST2/pay", data={"csrf": csrf(page)})
        assert paid.status_code == 303 and paid.headers["location"] == "/dashboard/statements?done=pay"
        may = http.get("/dashboard/statements?month=2026-05").text
        assert "id=\"confirm-ST4\"" in may
        assert http.post("/dashboard/statements/ST4/confirm", data={"csrf": csrf(may)}).status_code == 303
    ST2, ST4 = statement(world, "ST2"), statement(world, "ST4")
    assert ST2["status"] == "paid" and ST2["paid_by"].endswith("user:wang")
    assert ST4["status"] == "generated" and ST4["insured_confirmed_by"].endswith("user:wang")


def test_a_filing_through_the_form_is_listed_and_logged_with_its_user(world):
    with signed_in(world, "wang") as http:
        assert "filing-form" not in http.get("/dashboard/filings").text  # 财务 files nothing
    with signed_in(world, "zhang") as http:
        page = http.get("/dashboard/filings").text
        assert "filing-form" in page and "F0" in page and "F2" not in page
        done = http.post("/dashboard/filings", data={"csrf": csrf(page), "psn_no": "P44100000001",
                                                      "filing_type": "temporary_other", "dest_admdvs": "110000",
                                                      "begndate": "2026-12-01", "enddate": "2027-06-30"})
        assert done.status_code == 303, done.text
        listed = http.get("/dashboard/filings?psn_no=P44100000001").text
        assert "北京市" in listed and "其他临时外出" in listed and "有效" in listed
        stranger = http.post("/dashboard/filings", data={"csrf": csrf(page), "psn_no": "P440", "filing_type": "long_term",
                                                          "dest_admdvs": "110000", "begndate": "2026-12-01"})
        assert stranger.status_code == 403
    with world["database"].read() as conn:
        actors = conn.execute(select(t.action_log.c.actor_ref).where(t.action_log.c.action == "filing.create")).scalars()
        assert list(actors) == ["user:zhang"]


def test_the_auditor_works_the_findings_queue(world):
    with signed_in(world, "wang") as http:
        page = http.get("/dashboard/findings").text
        assert "FD0" in page and "FD1" not in page and "新疑点" in page and "超最高限价收费" in page
        moved = http.post("/dashboard/findings/FD0/move?status=new", data={"csrf": csrf(page), "to": "checking"})
        assert moved.status_code == 303
        checking = http.get("/dashboard/findings?status=checking").text
        assert "核查中" in checking and "user:wang" in checking and "id=\"move-FD0-confirmed\"" in checking
    with signed_in(world, "zhang") as http:
        assert "id=\"move-FD0" not in http.get("/dashboard/findings?status=checking").text


def admin(world, path: str, token: str | None = None, **params) -> httpx.Response:
    return httpx.get(world["url"] + "/admin/api/v1" + path, params=params, timeout=30,
                     headers={"Authorization": f"Bearer {token or world['token']}"})


def test_the_list_endpoints_are_paged_typed_and_scoped(world):
    first = admin(world, "/settlements", limit=2, **{"from": "2026-01-01", "to": "2026-11-30"}).json()
    assert first["total"] == 9 and [i["setl_id"] for i in first["items"]] == ["S10", "S9"]
    assert first["items"][0]["medfee_sumamt"] == "88.80" and first["items"][0]["insuplc_admdvs"] == "441502"
    assert admin(world, "/settlements", limit=0).json()["code"] == "API_VALIDATION"
    assert admin(world, "/cases", status="confirmed").json()["items"][0]["status_name"] == "已确认违规"
    assert admin(world, "/institutions", token=world["other"]).json()["total"] == 1
    assert {i["prepay_id"] for i in admin(world, "/prepayments/list").json()["items"]} == {"P1", "P2", "P5"}
    spec = httpx.get(world["url"] + "/admin/api/openapi.json", timeout=30).json()
    for path in ("/filings", "/cases", "/sanctions", "/institutions", "/settlements", "/statements", "/prepayments/list"):
        schema = spec["paths"]["/admin/api/v1" + path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].startswith("#/components/schemas/Page_"), path
    assert "medfee_sumamt" in spec["components"]["schemas"]["Settlement"]["properties"]


def test_tables_export_to_excel_and_csv_with_ids_intact(world):
    sheet = load_workbook(io.BytesIO(admin(world, "/settlements", format="xlsx", setl_id="S10").content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["结算ID", "就诊ID", "人员编号"]
    row = {name: cell for name, cell in zip(header, sheet[2])}
    assert row["人员编号"].value == "P44100000001" and row["参保地"].value == "441502" and row["参保地"].data_type == "s"
    assert row["医疗费总额"].value == 88.8 and row["医疗费总额"].number_format == "#,##0.00"
    stats = admin(world, "/stats/settlements", format="csv", **{"from": "2026-01-01", "to": "2026-11-30"})
    assert stats.content.startswith(b"\xef\xbb\xbfinsuplc_admdvs,mdtrtarea_admvs,scope,")
    assert "441500,110105,cross_province,1,966.11,690.40" in stats.text
    clearing = load_workbook(io.BytesIO(admin(world, "/stats/clearing", format="xlsx", from_month="2026-03",
                                              to_month="2026-05").content)).active
    assert [c.value for c in clearing[1]][:4] == ["月份", "清算单数", "省份数", "金额"]
    assert [c.value for c in clearing[2]][:4] == ["2026-03", 2, 3, 457.3]


def test_a_statement_pdf_for_a_side_only(world):
    pdf = admin(world, "/statements/ST0.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "跨省异地就医费用清算单" in text and "ST0" in text and "407.30" in text and "已支付" in text
    refused = admin(world, "/statements/ST0.pdf", token=world["other"])
    assert refused.status_code == 403 and refused.json()["code"] == "EXPORT_STATEMENT_NOT_OURS"
    assert admin(world, "/statements/NOPE.pdf").json()["code"] == "EXPORT_STATEMENT_NOT_FOUND"


PAGES = (("overview", "/dashboard?month=2026-03", "summary"),
         ("trends", f"/dashboard/trends?{RANGE}", "trend-table"),
         ("pairs", f"/dashboard/pairs?{RANGE}", "pairs"),
         ("pair-institutions", f"/dashboard/pairs/441502/440300?{RANGE}", "institutions"),
         ("settlements", f"/dashboard/settlements?fixmedins_code=HSZ1&{RANGE}", "settlements"),
         ("settlement", "/dashboard/settlements/S10", "line-split"),
         ("search", f"/dashboard/search?q={CERTNO}", "persons"),
         ("statements", "/dashboard/statements", "statements"),
         ("filings", "/dashboard/filings", "filings"),
         ("findings", "/dashboard/findings?status=all", "findings"))


def test_every_page_in_headless_chromium_offline_with_its_screenshot(world, tmp_path):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if IN_CI:
            pytest.fail("chromium and chromedriver are required in CI (.ci/run installs them)")
        pytest.skip("chromium not installed")
    from selenium.webdriver.common.by import By

    target = SCREENSHOTS if os.environ.get("YIBAO_WRITE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    browser = chrome()
    try:
        browser.get(world["url"] + "/dashboard/login")
        browser.find_element(By.ID, "agency_code").send_keys("441500")
        browser.find_element(By.ID, "username").send_keys("wang")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "login").click()
        browser.find_element(By.ID, "summary")
        for name, path, element in PAGES:
            browser.get(world["url"] + path)
            assert browser.find_element(By.ID, element).is_displayed(), name
            assert "王五" in browser.find_element(By.ID, "who").text and browser.find_element(By.ID, "nav")
            if name == "trends":
                assert browser.find_element(By.CSS_SELECTOR, "body[data-charts=ready]")
                assert len(browser.find_elements(By.CSS_SELECTOR, "#chart canvas")) >= 1
            browser.save_screenshot(str(target / f"dashboard-{name}.png"))
            assert (target / f"dashboard-{name}.png").stat().st_size > 10_000, name
        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == [], severe  # nothing failed to load: no request left the machine
    finally:
        browser.quit()
