"""The dashboard's claims queue (零星报销) as an agency's reviewer uses it: claims submitted through
the admin API, the queue by status, a claim reviewed line by line in headless Chromium and paid;
the pages' refusals (another agency's claim, an open verification, a bad amount) over plain HTTP.
The browser walk leaves docs/screenshots/claims-queue.png and docs/screenshots/claim-review.png."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..server import Server
from .conftest import IN_CI, new_database_url
from .test_cross_region import INSURED, LINES, NOW, TODAY, TREATED
from .test_dashboard import chrome

pytestmark = pytest.mark.server
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    from .test_claims_store import load_world

    url = new_database_url("sqlite", request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("claims-pages")
    load_world(database, work, valid_from=f"{TODAY.year - 1}-01-01")
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        linyi = add_agency(uow, INSURED, "临沂市医疗保障事务中心")
        beijing = add_agency(uow, "110000", "北京市医疗保障事务中心")
    server = Server(url, log_path=work / "server.log").start()
    yield {"url": server.url, "linyi": linyi, "beijing": beijing}
    server.stop()
    database.dispose()


def submit(world, psn_no: str, invoice_no: str, days_ago: int = 3) -> dict:
    day = (TODAY - dt.timedelta(days=days_ago)).isoformat()
    body = {"psn_no": psn_no, "insutype": "310", "fixmedins_code": f"H{TREATED}00001", "med_type": "21", "begndate": day,
            "enddate": day, "dise_codg": "I21.900", "invoice_no": invoice_no, "reason": "not_filed",
            "lines": [{"med_list_codg": code, "cnt": "1", "pric": amount} for code, amount in LINES]}
    return api(world, "POST", "/claims", body)


def api(world, method: str, path: str, body=None, agency: str = INSURED) -> dict:
    token = world["linyi"] if agency == INSURED else world["beijing"]
    response = httpx.request(method, world["url"] + "/admin/api" + path, json=body, timeout=30,
                             headers={"Authorization": f"Bearer {agency}:{token}"})
    assert response.status_code in (200, 201), response.text
    return response.json()


@contextmanager
def signed_in(world, agency: str = INSURED):
    token = world["linyi"] if agency == INSURED else world["beijing"]
    with httpx.Client(base_url=world["url"], timeout=30, follow_redirects=False) as client:
        # the agency's own token in the password field (deprecated sign-in, docs/users-and-roles.md)
        assert client.post("/dashboard/login", data={"agency_code": agency, "username": "", "password": token}).status_code == 303
        yield client


def with_form_token(client, cid: str, form: dict) -> dict:
    """The form as the page posts it: with the session's CSRF token read from the claim's page."""
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/dashboard/claims/{cid}").text).group(1)
    return dict(form, csrf=token)


def test_the_pages_refuse_in_chinese_what_the_use_cases_refuse(world):
    claim = submit(world, "LY0003", "FP-PAGE-0003")
    cid = claim["claim_id"]
    with httpx.Client(base_url=world["url"], timeout=30, follow_redirects=False) as anonymous:
        assert anonymous.get("/dashboard/claims").headers["location"] == "/dashboard/login"
        assert anonymous.post(f"/dashboard/claims/{cid}/pay").headers["location"] == "/dashboard/login"
    with signed_in(world, "110000") as beijing:
        page = beijing.get(f"/dashboard/claims/{cid}")
        assert page.status_code == 403 and "不属于经办机构 110000" in page.text
        assert cid not in beijing.get("/dashboard/claims?status=all").text
    with signed_in(world) as linyi:
        assert cid in linyi.get("/dashboard/claims?status=submitted").text
        form = {"decision_1": "reduce", "approved_amt_1": "两万", "reason_1": "超标准"}
        form.update({f"decision_{n}": "approve" for n in (2, 3, 4)})
        forged = linyi.post(f"/dashboard/claims/{cid}/review", data=form)  # no form token: another site's post
        assert forged.status_code == 403 and "CSRF" in forged.text
        form = with_form_token(linyi, cid, form)
        bad = linyi.post(f"/dashboard/claims/{cid}/review", data=form)
        assert bad.status_code == 422 and "第 1 行的核准金额 approved_amt 有误" in bad.text
        form["approved_amt_1"] = "25000.01"
        assert "超过发票金额" in linyi.post(f"/dashboard/claims/{cid}/review", data=form).text
        api(world, "POST", f"/claims/{cid}/verifications",
            {"items": [{"question": "核实住院真实性"}], "due_date": (TODAY + dt.timedelta(days=7)).isoformat()})
        form["approved_amt_1"] = "20000.00"
        assert linyi.post(f"/dashboard/claims/{cid}/review", data=form).headers["location"].endswith("?done=review")
        held = linyi.post(f"/dashboard/claims/{cid}/pay", data=with_form_token(linyi, cid, {}))
        assert held.status_code == 409 and "未办结的协查" in held.text
        page = linyi.get(f"/dashboard/claims/{cid}").text
        assert "核实住院真实性" in page and "待答复" in page and "已审核待支付" in page
        refused = linyi.post(f"/dashboard/claims/{cid}/reject", data=with_form_token(linyi, cid, {"reason": ""}))
        assert refused.status_code == 422 and "拒绝报销须注明理由" in refused.text
        assert linyi.post(f"/dashboard/claims/{cid}/reject",
                          data=with_form_token(linyi, cid, {"reason": "发票与病历不符"})).status_code == 303
        assert "已拒付" in linyi.get(f"/dashboard/claims/{cid}").text


def test_a_reviewer_works_the_queue_in_chromium_and_pays_a_claim(world):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if IN_CI:
            pytest.fail("chromium and chromedriver are required in CI (.ci/run installs them)")
        pytest.skip("chromium not installed")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    claim = submit(world, "LY0001", "FP-PAGE-0001")
    submit(world, "LY0002", "FP-PAGE-0002", days_ago=5)
    browser = chrome()
    try:
        browser.get(world["url"] + "/dashboard/login")
        browser.find_element(By.ID, "agency_code").send_keys(INSURED)
        browser.find_element(By.ID, "password").send_keys(world["linyi"])
        browser.find_element(By.ID, "login").click()
        browser.find_element(By.ID, "summary")
        browser.find_element(By.LINK_TEXT, "零星报销").click()
        queue = browser.find_element(By.ID, "queue").text
        assert "FP-PAGE" not in queue and "LY0001" in queue and "50000.00" in queue and "待审核" in queue
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / "claims-queue.png"))

        browser.find_element(By.ID, f"claim-{claim['claim_id']}").click()
        assert "未备案" in browser.find_element(By.ID, "facts").text
        lines = browser.find_element(By.ID, "lines").text
        assert "乙类" in lines and "1000.00" in lines  # line 3 over its price ceiling by 1,000
        Select(browser.find_element(By.ID, "decision-3")).select_by_value("reduce")
        browser.find_element(By.ID, "approved-3").send_keys("5000.00")
        browser.find_element(By.ID, "reason-3").send_keys("超过限价部分不予核准")
        Select(browser.find_element(By.ID, "decision-4")).select_by_value("reject")
        browser.find_element(By.ID, "reason-4").send_keys("丙类项目")
        browser.find_element(By.ID, "review-submit").click()
        assert "已提交审核" in browser.find_element(By.ID, "notice").text
        # (42,500 − 800) × 60 %, priced as a filed temporary visit (Linyi rejects unfiled visits at the counter)
        assert browser.find_element(By.ID, "hifp_pay").text == "25020.00"
        assert browser.find_element(By.ID, "status").text == "已审核待支付"
        browser.set_window_size(1280, 1500)  # the claim's page whole: lines, verifications, the computed money
        browser.save_screenshot(str(SCREENSHOTS / "claim-review.png"))

        browser.find_element(By.ID, "pay-submit").click()
        assert "已支付给参保人" in browser.find_element(By.ID, "notice").text
        assert browser.find_element(By.ID, "status").text == "已支付"
        assert "基金支付 25020.00 元" in browser.find_element(By.ID, "payment-1").text
    finally:
        browser.quit()
    paid = api(world, "GET", f"/claims/{claim['claim_id']}")
    assert paid["status"] == "paid" and paid["lines"][2]["decision"]["approved_amt"] == "5000.00"
    assert paid["lines"][2]["decision"]["decided_by"].startswith(f"agency:{INSURED}/token:")
    assert (SCREENSHOTS / "claims-queue.png").stat().st_size > 10_000
    assert paid["payments"][0]["fund_pay_sumamt"] == "25020.00"
