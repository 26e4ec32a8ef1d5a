"""Users and roles over HTTP, the admin API's problem+json errors, its v1 prefix, its declared
security schemes, the dashboard's sign-in, CSRF checks and sign-out, and the API docs page
served without internet (headless Chromium)."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
import re
import shutil

import httpx
import pytest
from sqlalchemy import select

from yibao.app import users
from yibao.app.actors import operator
from yibao.app.agencies import add_agency
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from .conftest import IN_CI
from .test_dashboard import chrome

AGENCY, PASSWORD = "441500", "signin-password-1"
ROLES = ("clerk", "auditor", "accountant", "administrator")


@pytest.fixture(scope="module")
def staff(platform_world):
    """An agency with one user per role, each with an API token."""
    with SqlUnitOfWork(platform_world["database"], operator("管理员甲"), dt.datetime.now()) as uow:
        agency_token = add_agency(uow, AGENCY, "汕尾市医疗保障事务中心")
        tokens = {}
        for role in ROLES:
            users.add_user(uow, AGENCY, role, [role], PASSWORD, f"{role} 用户")
            tokens[role] = users.issue_token(uow, AGENCY, role)
    return {"agency_token": agency_token, "tokens": tokens}


def bearer(staff, role: str) -> dict:
    token = staff["agency_token"] if role == "agency" else staff["tokens"][role]
    return {"Authorization": f"Bearer {AGENCY}:{token}"}


def problem_of(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == response.status_code and body["type"] == f"urn:yibao:error:{body['code']}"
    assert body["title"] and body["detail"] and body["kind"]
    return body


# (role, path, body, status when allowed: the use case's own answer, past the role check)
WRITES = [
    ("accountant", "/clearing/statements/CS0000000000/confirm", None, 404),
    ("accountant", "/prepayments/PP0000000000/pay", None, 404),
    ("auditor", "/cases/SC0000000000/status", {"status": "investigating"}, 404),
    ("auditor", "/sanctions/0/lift", {"reason": "x"}, 404),
    ("clerk", "/filings/F00000000000/cancel", {"reason": "x"}, 404),
    ("clerk", "/claims/C00000000000/review", {"decisions": []}, None),
    ("accountant", "/claims/C00000000000/pay", {}, None),
    ("administrator", "/agreements/A00000000000/evaluate", {"score": 90, "checklist": {}}, None),
]


@pytest.mark.parametrize("area_role, path, body, allowed_status", WRITES)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_write_only_in_its_own_areas(platform_world, staff, http, role, area_role, path, body,
                                                   allowed_status):
    answer = http.post("/admin/api/v1" + path, json=body, headers=bearer(staff, role))
    if role == area_role:
        assert answer.status_code != 403, answer.text
        if allowed_status is not None:
            assert answer.status_code == allowed_status, answer.text
    else:
        refused = problem_of(answer)
        assert (answer.status_code, refused["code"]) == (403, "USER_ROLE_NOT_ALLOWED"), answer.text
        assert role in refused["detail"] and area_role in refused["detail"]


def test_the_shared_agency_token_still_acts_with_every_role(staff, http):
    for _, path, body, allowed_status in WRITES:
        answer = http.post("/admin/api" + path, json=body, headers=bearer(staff, "agency"))
        assert answer.status_code != 403, (path, answer.text)


def test_every_role_reads(staff, http):
    for role in ROLES:
        answer = http.get("/admin/api/v1/users", headers=bearer(staff, role))
        assert answer.status_code == 200 and {u["username"] for u in answer.json()} >= set(ROLES)
        assert all("password_hash" not in u for u in answer.json())


def test_an_administrator_adds_a_user_and_the_action_log_names_the_administrator(platform_world, staff, http):
    answer = http.post("/admin/api/v1/users", json={"username": "new.clerk", "roles": ["clerk"], "password": PASSWORD},
                       headers=bearer(staff, "administrator"))
    assert answer.status_code == 201 and answer.json()["roles"] == ["clerk"]
    assert answer.json()["created_by"].startswith(f"agency:{AGENCY}/user:administrator/token:K")
    with platform_world["database"].read() as conn:
        row = conn.execute(select(t.action_log).where(t.action_log.c.action == "user.add",
                                                      t.action_log.c.subject == answer.json()["user_id"])).mappings().one()
    token_id = staff["tokens"]["administrator"].split(".")[0]
    assert (row["actor_kind"], row["actor_party"], row["actor_ref"]) == ("agency", AGENCY, f"user:administrator/token:{token_id}")
    again = http.post("/admin/api/v1/users", json={"username": "new.clerk", "roles": ["clerk"], "password": PASSWORD},
                      headers=bearer(staff, "administrator"))
    assert (again.status_code, problem_of(again)["code"]) == (409, "USER_EXISTS")


def test_a_disabled_users_token_stops_working(platform_world, staff, http):
    with SqlUnitOfWork(platform_world["database"], operator("管理员甲"), dt.datetime.now()) as uow:
        users.add_user(uow, AGENCY, "leaver", ["clerk"], PASSWORD)
        token = users.issue_token(uow, AGENCY, "leaver")
    headers = {"Authorization": f"Bearer {AGENCY}:{token}"}
    assert http.get("/admin/api/v1/users", headers=headers).status_code == 200
    assert http.post("/admin/api/v1/users/leaver/disable", headers=bearer(staff, "administrator")).status_code == 200
    refused = http.get("/admin/api/v1/users", headers=headers)
    assert (refused.status_code, problem_of(refused)["code"]) == (401, "ADMIN_AUTH_FAILED")


# --- one error shape -------------------------------------------------------------------------------

def test_every_admin_error_is_one_problem_shape(staff, http):
    cases = [
        (http.get("/admin/api/v1/users"), 401, "ADMIN_AUTH_REQUIRED"),
        (http.get("/admin/api/users", headers={"Authorization": f"Bearer {AGENCY}:wrong"}), 401, "ADMIN_AUTH_FAILED"),
        (http.get("/admin/api/v1/stats/prepayments", params={"year": "abc"}, headers=bearer(staff, "clerk")), 422, "API_VALIDATION"),
        (http.get("/admin/api/v1/clearing/2026-13", headers=bearer(staff, "clerk")), 422, "ADMIN_BAD_MONTH"),
        (http.get("/admin/api/v1/no-such-thing", headers=bearer(staff, "clerk")), 404, "API_NO_SUCH_PATH"),
        (http.delete("/admin/api/v1/users", headers=bearer(staff, "administrator")), 405, "API_METHOD_NOT_ALLOWED"),
        (http.post("/admin/api/clearing/statements/CS0000000000/confirm", headers=bearer(staff, "accountant")), 404,
         "CLEARING_STATEMENT_NOT_FOUND"),
        (http.post("/admin/api/v1/users", content=b"x" * (3 * 1024 * 1024), headers=bearer(staff, "administrator")), 413,
         "ENVELOPE_BODY_TOO_LARGE"),
    ]
    for answer, status, code in cases:
        body = problem_of(answer)
        assert (answer.status_code, body["code"]) == (status, code), answer.text
    invalid = cases[2][0].json()
    assert invalid["kind"] == "invalid" and invalid["errors"][0]["loc"] == ["query", "year"]


def test_the_v1_prefix_and_the_unprefixed_paths_answer_the_same(staff, http):
    v1 = http.get("/admin/api/v1/stats/prepayments", params={"year": 2026}, headers=bearer(staff, "auditor"))
    old = http.get("/admin/api/stats/prepayments", params={"year": 2026}, headers=bearer(staff, "auditor"))
    assert v1.status_code == old.status_code == 200 and v1.json() == old.json()


def test_openapi_lists_the_v1_paths_and_declares_both_security_schemes(http):
    spec = http.get("/admin/api/openapi.json").json()
    paths = list(spec["paths"])
    assert paths and all(path.startswith("/admin/api/v1/") for path in paths)
    assert "/admin/api/v1/clearing/statements/{statement_id}/confirm" in paths
    schemes = spec["components"]["securitySchemes"]
    assert schemes["agencyToken"] == {"type": "http", "scheme": "bearer", "bearerFormat": "<agency_code>:<token>",
                                      "description": schemes["agencyToken"]["description"]}
    assert (schemes["dashboardSession"]["type"], schemes["dashboardSession"]["in"],
            schemes["dashboardSession"]["name"]) == ("apiKey", "cookie", "yibao_session")
    confirm = spec["paths"]["/admin/api/v1/clearing/statements/{statement_id}/confirm"]["post"]
    assert {"agencyToken": []} in confirm["security"] and {"dashboardSession": []} in confirm["security"]


# --- the dashboard: sign-in, CSRF, sign-out -----------------------------------------------------------

def signed_in_client(platform_world, role: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=platform_world["url"], timeout=30, follow_redirects=False)
    answer = client.post("/dashboard/login", data={"agency_code": AGENCY, "username": role, "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard", answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Max-Age=28800" in cookie
    page = client.get("/dashboard")
    assert page.status_code == 200
    csrf = re.search(r"name=csrf value='([0-9a-f]{64})'", page.text).group(1)
    return client, csrf


def test_a_user_signs_in_and_the_page_names_the_user_and_roles(platform_world, staff):
    client, _ = signed_in_client(platform_world, "accountant")
    with closing(client):
        page = client.get("/dashboard").text
        assert "accountant 用户" in page and "财务" in page and "汕尾市医疗保障事务中心" in page
        wrong = client.post("/dashboard/login", data={"agency_code": AGENCY, "username": "accountant", "password": "x" * 12})
        assert wrong.status_code == 303 and "error" in wrong.headers["location"]


def test_sign_out_needs_the_csrf_token_and_ends_the_session(platform_world, staff):
    client, csrf = signed_in_client(platform_world, "clerk")
    with closing(client):
        cookie = client.cookies.get("yibao_session")
        refused = client.post("/dashboard/logout", data={"csrf": "0" * 64})
        assert refused.status_code == 403 and "CSRF" in refused.text
        assert client.get("/dashboard").status_code == 200  # still signed in
        out = client.post("/dashboard/logout", data={"csrf": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
        client.cookies.set("yibao_session", cookie)  # the old cookie, replayed
        assert client.get("/dashboard").headers["location"] == "/dashboard/login"


def test_the_admin_api_takes_the_session_cookie_and_its_writes_need_the_csrf_header(platform_world, staff):
    client, csrf = signed_in_client(platform_world, "accountant")
    with closing(client):
        assert client.get("/admin/api/v1/users").status_code == 200
        path = "/admin/api/v1/clearing/statements/CS0000000000/confirm"
        without = client.post(path)
        assert (without.status_code, problem_of(without)["code"]) == (403, "USER_CSRF_FAILED")
        with_token = client.post(path, headers={"X-CSRF-Token": csrf})
        assert (with_token.status_code, problem_of(with_token)["code"]) == (404, "CLEARING_STATEMENT_NOT_FOUND")
        not_mine = client.post("/admin/api/v1/cases/SC0000000000/status", json={"status": "investigating"},
                               headers={"X-CSRF-Token": csrf})
        assert (not_mine.status_code, problem_of(not_mine)["code"]) == (403, "USER_ROLE_NOT_ALLOWED")


def test_a_sign_in_posted_from_another_site_is_refused(platform_world, staff):
    with httpx.Client(base_url=platform_world["url"], timeout=30, follow_redirects=False) as client:
        form = {"agency_code": AGENCY, "username": "clerk", "password": PASSWORD}
        foreign = client.post("/dashboard/login", data=form, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403 and "evil.example" in foreign.text and "set-cookie" not in foreign.headers
        same = client.post("/dashboard/login", data=form, headers={"Origin": platform_world["url"]})
        assert same.status_code == 303 and same.headers["location"] == "/dashboard"


# --- the API docs page without internet ---------------------------------------------------------------

def test_the_api_docs_page_loads_only_from_our_server_in_chromium(platform_world, http):
    page = http.get("/admin/api/docs")
    assert page.status_code == 200
    outside = [url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", page.text) if not url.startswith("/")]
    assert outside == [] and "https://" not in page.text and "http://" not in page.text
    redoc = http.get("/admin/api/redoc")
    assert redoc.status_code == 200 and "https://" not in redoc.text and "http://" not in redoc.text
    assert [url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", redoc.text) if not url.startswith("/")] == []
    assert http.get("/admin/api/docs/redoc.standalone.js").status_code == 200
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if IN_CI:
            pytest.fail("chromium and chromedriver are required in CI (.ci/run installs them)")
        pytest.skip("chromium not installed")
    from selenium.webdriver.common.by import By

    browser = chrome()
    try:
        browser.get(platform_world["url"] + "/admin/api/docs")
        title = browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
        assert "yibao" in title
        operations = browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
        assert any("/admin/api/v1/clearing" in op.text for op in operations)
        assert browser.find_elements(By.CSS_SELECTOR, ".btn.authorize")  # the declared security schemes
        loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert loaded and all(url.startswith(platform_world["url"] + "/") for url in loaded), loaded
        assert any(url.endswith("/admin/api/docs/assets/swagger-ui-bundle.js") for url in loaded)
        # ReDoc, vendored: it renders the description and loads nothing from elsewhere either
        browser.get(platform_world["url"] + "/admin/api/redoc")
        heading = browser.find_element(By.CSS_SELECTOR, "h1")
        assert "yibao" in heading.text
        loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(url.startswith(platform_world["url"] + "/") for url in loaded), loaded
        assert any(url.endswith("/admin/api/docs/redoc.standalone.js") for url in loaded)
    finally:
        browser.quit()
