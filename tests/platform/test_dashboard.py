"""The agency dashboard, as a person uses it: headless Chromium signs in as a user of the agency
(agency code, user name, password) and reads the month's figures; the agency's own token still
signs in (deprecated); without a valid session the pages send to sign-in."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import httpx
import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.users import add_user
from yibao.store.unit_of_work import SqlUnitOfWork

from .conftest import IN_CI, named
from .walk import walk_golden


@pytest.fixture(scope="module")
def agency(platform_world):
    setup = named(platform_world, "ex3a")  # cross-province: insured Linyi-like, treated Beijing-like
    region = setup.person["insuplc_admdvs"]
    with SqlUnitOfWork(platform_world["database"], SYSTEM, dt.datetime.now()) as uow:
        token = add_agency(uow, region, "临沂市医疗保障事务中心")
        add_user(uow, region, "li.si", ["clerk", "auditor"], "dashboard-password", "李四")
    with httpx.Client(base_url=platform_world["url"], timeout=30) as http:
        walk_golden(http, setup, suffix="-dash")
    return {"code": region, "token": token, "setup": setup}


def test_pages_need_a_valid_session(platform_world, agency):
    with httpx.Client(base_url=platform_world["url"], timeout=30, follow_redirects=False) as http:
        assert http.get("/dashboard").headers["location"] == "/dashboard/login"
        wrong = http.post("/dashboard/login", data={"agency_code": agency["code"], "token": "wrong"})
        assert wrong.status_code == 303 and "error" in wrong.headers["location"]
        http.cookies.set("yibao_session", f"{agency['code']}.9999999999.forged")
        assert http.get("/dashboard").status_code == 303
        http.cookies.clear()
        ok = http.post("/dashboard/login", data={"agency_code": agency["code"], "token": agency["token"]})
        assert ok.status_code == 303 and ok.headers["location"] == "/dashboard"
        page = http.get("/dashboard")
        assert page.status_code == 200 and "跨省异地" in page.text


def chrome():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    # a form's submission may still be navigating when click() returns: let lookups wait for the next page
    browser.implicitly_wait(10)
    return browser


def test_an_agency_signs_in_and_reads_its_month_in_chromium(platform_world, agency, tmp_path):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if IN_CI:
            pytest.fail("chromium and chromedriver are required in CI (.ci/run installs them)")
        pytest.skip("chromium not installed")
    from selenium.webdriver.common.by import By

    browser = chrome()
    try:
        browser.get(platform_world["url"] + "/dashboard")
        assert "/dashboard/login" in browser.current_url
        browser.find_element(By.ID, "agency_code").send_keys(agency["code"])
        browser.find_element(By.ID, "username").send_keys("li.si")
        browser.find_element(By.ID, "password").send_keys("dashboard-password")
        browser.find_element(By.ID, "login").click()
        summary = browser.find_element(By.ID, "summary").text
        assert "李四" in browser.find_element(By.ID, "who").text and "稽核" in browser.find_element(By.ID, "who").text
        assert "跨省异地结算" in summary and "笔" in summary
        tables = browser.find_elements(By.TAG_NAME, "table")
        flows = tables[0].text
        visit = agency["setup"].case["visit"]
        assert visit["insuplc_admdvs"] in flows and visit["mdtrtarea_admvs"] in flows
        screenshot = tmp_path / "dashboard.png"
        browser.save_screenshot(str(screenshot))
        assert screenshot.stat().st_size > 10_000
        if os.environ.get("YIBAO_KEEP_SCREENSHOT"):
            shutil.copy(screenshot, os.environ["YIBAO_KEEP_SCREENSHOT"])
    finally:
        browser.quit()
