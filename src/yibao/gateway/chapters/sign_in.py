"""9001/9002 sign-in and sign-out."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection

from yibao.store import repository as repo

from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..json_input import parse_json
from ..readers import text
from ..registry import Request, transaction


# --- 9001 / 9002 sign-in ----------------------------------------------------------------------------

@transaction("9001", "签到", writes=True)
def sign_in(platform: Platform, conn: Connection, request: Request) -> dict:
    data = request.input.get("signIn")
    if data is None or (isinstance(data, str) and not data.strip()):
        data = request.input
    elif isinstance(data, str):
        data = parse_json(data, "input.signIn", refusal("INPUT_NOT_JSON", field="input.signIn"))
    if not isinstance(data, dict):
        raise refusal("INPUT_NOT_OBJECT", field="input.signIn")
    opter_no = text(data, "opter_no", "input.signIn", required=False) or text(request.envelope, "opter", "", required=False)
    sign_no = uuid.uuid4().hex
    repo.sign_in(conn, sign_no, request.institution["fixmedins_code"], opter_no, request.now)
    return {"signinoutb": {"sign_time": request.now.strftime("%Y-%m-%d %H:%M:%S"), "sign_no": sign_no}}


@transaction("9002", "签退", writes=True)
def sign_out(platform: Platform, conn: Connection, request: Request) -> dict:
    data = request.input.get("signOut", request.input)
    sign_no = text(data, "sign_no", "input.signOut")
    if not repo.sign_in_valid(conn, sign_no, request.institution["fixmedins_code"]):
        raise refusal("SIGNIN_NOT_OPEN", sign_no=sign_no)
    repo.sign_out(conn, sign_no, request.now)
    return {"signoutoutb": {"sign_time": request.now.strftime("%Y-%m-%d %H:%M:%S")}}


