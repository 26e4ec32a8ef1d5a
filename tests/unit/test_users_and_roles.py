"""Users, roles, passwords and dashboard sessions (app/users.py, app/roles.py, app/passwords.py,
app/sessions.py) against in-memory repositories."""

from __future__ import annotations

import time

import pytest

from yibao.app import actors, agencies, passwords, roles, sessions, users

from ..refusals import refused
from .fake_registry import FakeAgencies
from .fake_users import FakeUsers
from .fakes import FakeUnitOfWork

PASSWORD = "correct horse 42"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    """Use cases hash at a low cost here; the documented cost is tested on its own below."""
    monkeypatch.setattr(passwords, "N", 2 ** 8)


def unit(actor=actors.operator("王五")) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actor)
    uow.agencies, uow.users = FakeAgencies(), FakeUsers()
    agencies.add_agency(uow, "441500", "汕尾市医疗保障事务中心", "agency-token")
    agencies.add_agency(uow, "440300", "深圳市医疗保障事务中心", "other-token")
    return uow


# --- the role table ------------------------------------------------------------------------------

ROLE_CASES = [
    # (method, route path, role, allowed)
    ("POST", "/admin/api/v1/clearing/statements/{statement_id}/confirm", "accountant", True),
    ("POST", "/admin/api/clearing/statements/{statement_id}/pay", "accountant", True),
    ("POST", "/admin/api/v1/clearing/statements/{statement_id}/pay", "clerk", False),
    ("POST", "/admin/api/v1/clearing/{month}/run", "auditor", False),
    ("POST", "/admin/api/v1/prepayments/{prepay_id}/pay", "accountant", True),
    ("POST", "/admin/api/v1/prepayments/plan", "administrator", False),
    ("POST", "/admin/api/v1/cases", "auditor", True),
    ("POST", "/admin/api/v1/cases/{case_id}/money", "accountant", False),
    ("POST", "/admin/api/v1/sanctions", "auditor", True),
    ("POST", "/admin/api/v1/sanctions/{sanction_id}/lift", "clerk", False),
    ("POST", "/admin/api/v1/notices", "auditor", True),
    ("POST", "/admin/api/v1/findings/{finding_id}/assign", "auditor", True),
    ("POST", "/admin/api/v1/filings", "clerk", True),
    ("POST", "/admin/api/v1/filings/{filing_no}/cancel", "auditor", False),
    ("POST", "/admin/api/v1/qualifications", "clerk", True),
    ("POST", "/admin/api/v1/claims", "clerk", True),
    ("POST", "/admin/api/v1/claims/{claim_id}/review", "clerk", True),
    ("POST", "/admin/api/v1/claims/{claim_id}/pay", "clerk", False),
    ("POST", "/admin/api/v1/claims/{claim_id}/pay", "accountant", True),
    ("POST", "/admin/api/v1/evouchers/{psn_no}/suspend", "clerk", True),
    ("POST", "/admin/api/v1/claims/{claim_id}/reverse", "clerk", False),  # corrects a payment: the accountant's
    ("POST", "/admin/api/v1/claims/{claim_id}/reverse", "accountant", True),
    ("POST", "/admin/api/v1/verifications/{verification_id}/answer", "clerk", True),
    ("POST", "/admin/api/v1/enrollments", "clerk", True),
    ("POST", "/admin/api/v1/transfers/{transfer_id}/accept", "clerk", True),
    ("POST", "/admin/api/v1/accounts/credit/{month}", "clerk", False),
    ("POST", "/admin/api/v1/accounts/credit/{month}", "accountant", True),
    ("POST", "/admin/api/v1/family-bindings", "clerk", True),
    ("DELETE", "/admin/api/v1/family-bindings/{binding_id}", "auditor", False),
    ("POST", "/admin/api/v1/maternity/{psn_no}/filings", "clerk", True),
    ("POST", "/admin/api/v1/maternity/{psn_no}/allowance", "clerk", False),
    ("POST", "/admin/api/v1/maternity/{psn_no}/allowance", "accountant", True),
    ("POST", "/admin/api/v1/payment-methods/budgets/{code}/{year}/settle", "accountant", True),
    ("POST", "/admin/api/v1/payment-methods/budgets/{code}/{year}/settle", "clerk", False),
    ("POST", "/admin/api/v1/rules/{region}/import", "auditor", True),
    ("POST", "/admin/api/v1/rules/{region}/import", "clerk", False),
    ("POST", "/admin/api/v1/agreements/{agreement_id}/sign", "administrator", True),
    ("POST", "/admin/api/v1/agreements/{agreement_id}/terminate", "auditor", False),
    ("POST", "/admin/api/v1/users", "administrator", True),
    ("POST", "/admin/api/v1/users", "accountant", False),
    ("POST", "/admin/api/v1/something-new", "administrator", True),  # an unlisted area: administrators only
    ("POST", "/admin/api/v1/something-new", "clerk", False),
    ("GET", "/admin/api/v1/clearing/{month}", "clerk", True),  # every role reads
    ("GET", "/admin/api/v1/stats/settlements", "auditor", True),
    ("GET", "/admin/api/users", "accountant", True),
]


@pytest.mark.parametrize("method, path, role, expected", ROLE_CASES)
def test_the_role_table_decides_each_admin_action(method, path, role, expected):
    assert roles.allowed({role}, method, path) is expected


def test_the_shared_agency_token_acts_with_every_role_and_a_user_with_its_own():
    every = set(roles.ROLES)
    assert all(roles.allowed(every, method, path) for method, path, _, _ in ROLE_CASES)
    assert roles.allowed({"clerk", "accountant"}, "POST", "/admin/api/v1/claims/{claim_id}/pay")
    assert roles.route_of("/admin/api/v1/cases/{case_id}/status") == "/cases/{case_id}/status"
    assert roles.route_of("/admin/api/cases") == "/cases"


# --- passwords ------------------------------------------------------------------------------------

def test_a_password_is_kept_as_scrypt_at_the_documented_cost_with_its_own_salt(monkeypatch):
    monkeypatch.setattr(passwords, "N", 2 ** 15)
    started = time.perf_counter()
    stored = passwords.hash_password(PASSWORD)
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "32768", "8", "1") and PASSWORD not in stored
    assert len(passwords._unb64(salt)) == 16 and len(passwords._unb64(digest)) == 32
    assert passwords.verify_password(PASSWORD, stored)
    assert time.perf_counter() - started > 0.01  # a real cost, not a plain hash
    again = passwords.hash_password(PASSWORD)
    assert again != stored and again.split("$")[4] != salt  # a new salt each time


@pytest.mark.parametrize("attempt", ["correct horse 43", "", "Correct horse 42", PASSWORD + " "])
def test_another_password_does_not_verify(attempt):
    assert not passwords.verify_password(attempt, passwords.hash_password(PASSWORD))


@pytest.mark.parametrize("stored", ["", "scrypt$1$8$1$AA$AA", "md5$x", "scrypt$abc$8$1$AA$AA", "scrypt$4194304$8$1$AA$AA"])
def test_a_malformed_or_too_costly_stored_hash_never_verifies(stored):
    assert not passwords.verify_password(PASSWORD, stored)


def test_a_hash_made_at_an_older_cost_still_verifies():
    old = passwords.hash_password(PASSWORD, n=2 ** 4)
    assert old.split("$")[1] == "16" and passwords.verify_password(PASSWORD, old)


# --- sessions ------------------------------------------------------------------------------------

KEY = sessions.user_key("scrypt$256$8$1$salt$hash", 0)


def test_a_session_verifies_until_it_expires():
    value = sessions.issue("U00000000001", KEY, now=1_000_000, seconds=3600)
    found = sessions.verify(value, KEY, now=1_000_000 + 3599)
    assert found == sessions.Session("U00000000001", 1_003_600, value)
    assert sessions.verify(value, KEY, now=1_003_600) is None  # expired


@pytest.mark.parametrize("tamper", [
    lambda v: v.replace("U00000000001", "U00000000002"),  # another user
    lambda v: v.split(".")[0] + "." + str(int(v.split(".")[1]) + 86400) + "." + v.split(".")[2],  # a longer expiry
    lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"),  # the signature
    lambda v: v + ".x", lambda v: "", lambda v: "U1\x00.9.x", lambda v: v.replace(".", "", 1),
])
def test_a_tampered_session_is_refused(tamper):
    value = sessions.issue("U00000000001", KEY, now=1_000_000)
    assert sessions.verify(tamper(value), KEY, now=1_000_000) is None


def test_a_new_password_or_sign_out_ends_the_session_and_its_csrf_token():
    value = sessions.issue("U00000000001", KEY, now=1_000_000)
    assert sessions.verify(value, sessions.user_key("scrypt$256$8$1$salt$hash", 1), now=1_000_000) is None
    assert sessions.verify(value, sessions.user_key("scrypt$256$8$1$salt$other", 0), now=1_000_000) is None
    session = sessions.verify(value, KEY, now=1_000_000)
    token = sessions.csrf_token(session, KEY)
    assert sessions.csrf_ok(session, KEY, token)
    assert not sessions.csrf_ok(session, KEY, "") and not sessions.csrf_ok(session, KEY, token[:-1] + "0")
    other = sessions.verify(sessions.issue("U00000000001", KEY, now=1_000_001), KEY, now=1_000_001)
    assert not sessions.csrf_ok(other, KEY, token)  # a token belongs to one session


# --- users ---------------------------------------------------------------------------------------

def test_an_added_user_signs_in_with_its_password_and_acts_as_itself():
    uow = unit()
    user = users.add_user(uow, "441500", "zhang.san", ["accountant", "clerk"], PASSWORD, "张三")
    assert user["roles"] == ["accountant", "clerk"] and "password_hash" not in user
    assert uow.users.rows[user["user_id"]]["password_hash"].startswith("scrypt$")
    principal = users.sign_in(uow, "441500", "zhang.san", PASSWORD)
    assert (principal["agency_code"], principal["username"], principal["roles"]) == ("441500", "zhang.san", ["accountant", "clerk"])
    assert agencies.actor(principal) == actors.Actor("agency", "441500", "user:zhang.san")
    assert users.sign_in(uow, "441500", "zhang.san", "wrong password") is None
    assert users.sign_in(uow, "440300", "zhang.san", PASSWORD) is None  # another agency's user name
    assert uow.actions.rows[-1][1:3] == ("user.add", user["user_id"])
    assert uow.actions.rows[-1][0] == actors.operator("王五")


@pytest.mark.parametrize("username, roles_, password, code", [
    ("Zhang", ["clerk"], PASSWORD, "USER_BAD_NAME"),
    ("a" * 33, ["clerk"], PASSWORD, "USER_BAD_NAME"),
    ("li", [], PASSWORD, "USER_BAD_ROLES"),
    ("li", ["cashier"], PASSWORD, "USER_BAD_ROLES"),
    ("li", ["clerk"], "short", "USER_WEAK_PASSWORD"),
])
def test_a_user_out_of_shape_is_refused(username, roles_, password, code):
    uow = unit()
    with refused(code):
        users.add_user(uow, "441500", username, roles_, password)
    assert uow.users.rows == {}


def test_a_second_user_of_the_same_name_or_of_an_unknown_agency_is_refused():
    uow = unit()
    users.add_user(uow, "441500", "li", "clerk", PASSWORD)
    with refused("USER_EXISTS", "441500", "li"):
        users.add_user(uow, "441500", "li", "auditor", PASSWORD)
    users.add_user(uow, "440300", "li", "auditor", PASSWORD)  # the name is per agency
    with refused("USER_AGENCY_NOT_FOUND", "110000"):
        users.add_user(uow, "110000", "li", "clerk", PASSWORD)


def test_a_token_carries_the_users_roles_and_dies_with_the_user():
    uow = unit()
    users.add_user(uow, "441500", "wang", ["auditor"], PASSWORD)
    token = users.issue_token(uow, "441500", "wang")
    token_id, secret = token.split(".")
    assert uow.users.tokens[token_id]["token_hash"] != secret  # kept as a salted hash only
    principal = users.token_principal(uow, "441500", token)
    assert principal["roles"] == ["auditor"] and principal["actor_ref"] == f"user:wang/token:{token_id}"
    assert users.token_principal(uow, "440300", token) is None  # the token is of 441500's user
    assert users.token_principal(uow, "441500", token_id + ".wrong") is None
    users.disable_user(uow, "441500", "wang")
    assert users.token_principal(uow, "441500", token) is None
    assert users.sign_in(uow, "441500", "wang", PASSWORD) is None
    with refused("USER_DISABLED", "wang"):
        users.issue_token(uow, "441500", "wang")
    assert [row[1] for row in uow.actions.rows] == ["user.add", "user.token", "user.disable"]


def test_the_agency_token_still_authenticates_with_every_role():
    uow = unit()
    principal = users.token_principal(uow, "441500", "agency-token")
    assert principal["user_id"] is None and principal["roles"] == sorted(roles.ROLES)
    assert agencies.actor(principal).ref == f"token:{agencies.token_fingerprint(uow.agencies.rows['441500'])}"
    assert users.token_principal(uow, "441500", "wrong") is None


def test_a_new_password_or_a_sign_out_moves_the_session_epoch_and_locks_the_user():
    uow = unit()
    user = users.add_user(uow, "441500", "zhao", ["clerk"], PASSWORD)
    key = users.session_principal(uow, user["user_id"])["session_key"]
    users.change_password(uow, "441500", "zhao", "another password 1")
    assert uow.users.locked == [user["user_id"]]
    assert users.session_principal(uow, user["user_id"])["session_key"] != key
    assert users.sign_in(uow, "441500", "zhao", PASSWORD) is None
    assert users.sign_in(uow, "441500", "zhao", "another password 1") is not None
    epoch = uow.users.rows[user["user_id"]]["session_epoch"]
    users.sign_out(uow, user["user_id"])
    assert uow.users.rows[user["user_id"]]["session_epoch"] == epoch + 1
    with refused("USER_NOT_FOUND", "nobody"):
        users.change_password(uow, "441500", "nobody", "another password 1")
