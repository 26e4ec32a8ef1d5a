"""1101 person information, 2001 benefit check."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.domain import codes, maternity
from yibao.store import repository as repo

from yibao.app import evouchers
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform, age_on
from ..access import EVOUCHER, evoucher_token
from ..readers import moment, node, text
from ..registry import Request, transaction


# --- 1101 person info, 2001 benefit check ------------------------------------------------------------

def find_person(platform: Platform, conn: Connection, request: Request, data: dict) -> dict:
    cert_type = text(data, "mdtrt_cert_type", "input.data")
    if cert_type == EVOUCHER:
        # The token is verified (signature, expiry, voucher active): a person number posing as
        # a token is refused, and the person is the one the token was issued to.
        token = evoucher_token(data, "input.data")
        person = repo.person(conn, evouchers.verified_holder(request.uow, platform.tokens, token, request.now))
        if person is None:
            raise refusal("PERSON_CERT_NOT_FOUND", cert_type=cert_type)
        return person
    cert_no = text(data, "mdtrt_cert_no", "input.data")
    if cert_type == "02":
        person = repo.person_by(conn, "certno", cert_no)
    elif cert_type == "03":
        person = repo.person_by(conn, "card_no", cert_no)
    else:
        raise refusal("INPUT_BAD_CERT_TYPE", cert_type=cert_type)
    if person is None:
        raise refusal("PERSON_CERT_NOT_FOUND", cert_type=cert_type)
    return person


@transaction("1101", "人员信息获取", writes=False)
def person_info(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    person = find_person(platform, conn, request, data)
    day = request.now.date()
    insuinfo = [
        {
            "balc": repo.account_balance(conn, person["psn_no"]),
            "insutype": row["insutype"], "psn_type": row["psn_type"], "psn_insu_stas": row["psn_insu_stas"],
            "psn_insu_date": "", "paus_insu_date": "", "cvlserv_flag": "1" if row["cvlserv_flag"] else "0",
            "insuplc_admdvs": row["insuplc_admdvs"], "emp_name": "",
        }
        for row in repo.insurances_of(conn, person["psn_no"])
    ]
    return {
        "baseinfo": {
            "psn_no": person["psn_no"], "psn_cert_type": person["psn_cert_type"], "certno": person["certno"],
            "psn_name": person["psn_name"], "gend": person["gend"], "naty": "01",
            "brdy": person["brdy"].isoformat(), "age": Decimal(age_on(person["brdy"], day)).quantize(Decimal("0.1")),
            "exp_content": "",
        },
        "insuinfo": insuinfo,
        "idetinfo": [],
    }


@transaction("2001", "人员待遇享受检查", writes=False)
def benefit_check(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    insutype = text(data, "insutype", "input.data")
    med_type = text(data, "med_type", "input.data")
    day = (moment(data, "begntime", "input.data", required=False) or request.now).date()
    insurance = repo.insurance(conn, psn_no, insutype)
    if insurance is None:
        raise refusal("PERSON_NO_INSURANCE", psn_no=psn_no, insutype=insutype)
    enjoys, reason = "1", ""
    if insurance["psn_insu_stas"] != "1":
        enjoys, reason = "0", "参保状态非正常"
    policy_row = repo.policy_row(conn, insurance["insuplc_admdvs"], insutype, day)
    if policy_row is None:
        enjoys, reason = "0", f"参保地 {insurance['insuplc_admdvs']} 无有效待遇政策"
    else:
        policy = platform.policy(policy_row)
        # 2001 carries matn_type and birctrl_type: a 510 policy's benefits depend on the delivery kind
        kind = maternity.visit_kind(text(data, "matn_type", "input.data", required=False, limit=6) or None,
                                    text(data, "birctrl_type", "input.data", required=False, limit=6) or None)
        if policy.benefit_for(med_type, None, kind) is None:
            enjoys, reason = "0", f"医疗类别 {med_type} 无对应待遇"
        elif not policy.is_valid_on(day):
            enjoys, reason = "0", "待遇政策不在有效期内"
    return {"trtinfo": [{
        "psn_no": psn_no, "trt_chk_type": "01", "fund_pay_type": codes.basic_fund_pay_type(insutype),
        "trt_enjymnt_flag": enjoys, "begndate": day.isoformat(), "enddate": day.isoformat(), "trt_chk_rslt": reason,
    }]}


