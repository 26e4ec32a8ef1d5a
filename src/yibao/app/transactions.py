"""The national transactions (nhsa-interface.md §3), one handler per infno.

A handler reads the lenient ``input`` (object or JSON string, numbers as strings, unknown
keys ignored) and returns the ``output`` object with the exact national field names, or
raises ``GatewayError`` (infcode -1). State-changing handlers run in one write transaction
with the request log row, so a refusal changes nothing and a retried msgid gets the
stored answer.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from sqlalchemy import Connection, case, func, insert, select, update

from yibao.documents.render import fen, ratio
from yibao.domain import codes
from yibao.domain.case import FeeLine
from yibao.domain.split import split_line
from yibao.store import repository as repo
from yibao.store import tables as t

from . import audit, filings, supervision
from .errors import GatewayError, new_id
from .platform import CLR_TYPE, Platform, Priced, age_on


@dataclass
class Request:
    infno: str
    msgid: str
    envelope: dict
    input: dict
    institution: dict
    now: dt.datetime
    warnings: list[str] = field(default_factory=list)  # answered in the envelope's warn_msg


Handler = Callable[[Platform, Connection, Request], dict]


@dataclass(frozen=True)
class Transaction:
    handler: Handler
    writes: bool
    name: str


TRANSACTIONS: dict[str, Transaction] = {}


def transaction(infno: str, name: str, *, writes: bool):
    def register(handler: Handler) -> Handler:
        TRANSACTIONS[infno] = Transaction(handler, writes, name)
        return handler

    return register


# --- lenient input ------------------------------------------------------------------------

# Request JSON is parsed here (the envelope by the dispatcher, an ``input`` or node given as a
# JSON string by the readers) with limits that keep every later step safe: numbers are
# Decimals, an integer longer than Python converts (4300 digits) stays a Decimal, an absurd
# exponent (1e999999999, written out a billion digits long) or NaN/Infinity stays its literal
# text; nesting is at most MAX_JSON_DEPTH; no NUL character or lone UTF-16 surrogate anywhere
# (PostgreSQL stores neither, UTF-8 cannot carry a surrogate into the answer or the log).
MAX_JSON_DEPTH = 64
_JSON_INT_DIGITS = 4000
_JSON_EXPONENT = 1000
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _json_int(literal: str) -> int | Decimal:
    return int(literal) if len(literal) <= _JSON_INT_DIGITS else Decimal(literal)


def _json_float(literal: str) -> Decimal | str:
    value = Decimal(literal)
    return value if -_JSON_EXPONENT <= value.adjusted() <= _JSON_EXPONENT else literal


def load_json(text: str | bytes) -> Any:
    """Parse request JSON; ValueError when it is not JSON, RecursionError when it nests deeper
    than the parser can follow (both for the caller to answer)."""
    return json.loads(text, parse_float=_json_float, parse_int=_json_int, parse_constant=str)


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _shown(path: str) -> str:
    return (path if len(path) <= 120 else path[:117] + "…") or "请求体"


def _has_bad_character(value: str) -> bool:
    if value.isascii():  # O(1) in CPython; an ASCII string can hold a NUL but no surrogate
        return "\x00" in value
    return _BAD_CHARACTER.search(value) is not None


def _bad_character(value: str, path: str) -> GatewayError:
    found = _BAD_CHARACTER.search(value)
    if found.group() == "\x00":
        return GatewayError(f"{_shown(path)} 含 NUL 字符（不允许）")
    return GatewayError(f"{_shown(path)} 含孤立的 UTF-16 代理项 U+{ord(found.group()):04X}（无效的 Unicode 字符）")


def check_json(value: Any, where: str = "") -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and any NUL character or lone surrogate in a
    key or a string, naming the path. Iterative: it never recurses itself."""
    stack = [(value, where, 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if _has_bad_character(item):
                raise _bad_character(item, path)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise GatewayError(f"{_shown(path)} 嵌套过深（超过 {MAX_JSON_DEPTH} 层）")
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            if isinstance(key, str) and _has_bad_character(key):
                raise _bad_character(key, f"{path} 的字段名")
            if isinstance(child, str):
                if _has_bad_character(child):
                    raise _bad_character(child, _path(path, key) if isinstance(key, str) else f"{path}[{key}]")
            elif isinstance(child, (dict, list)):
                stack.append((child, _path(path, key) if isinstance(key, str) else f"{path}[{key}]", depth + 1))


def parse_json(text: str, where: str, invalid: str) -> Any:
    """A JSON string inside the request (``input``, a node, an extension field), parsed and
    checked like the envelope; ``invalid`` is the refusal when it is not JSON."""
    try:
        value = load_json(text)
    except RecursionError:
        raise GatewayError(f"{_shown(where)} 嵌套过深（超过 {MAX_JSON_DEPTH} 层）") from None
    except ValueError:
        raise GatewayError(invalid) from None
    check_json(value, where)
    return value


# Fields that handlers store (some read them by indexing): node() checks their shape and
# length in every object it hands out, so no handler can pass a list, a NUL or an over-long
# value of one of them to the database.
CHECKED_IN_NODES = ("psn_no", "mdtrt_id", "setl_id", "ipt_otp_no", "ipt_no", "feedetl_sn", "init_feedetl_sn",
                    "chrg_bchno", "med_list_codg", "medins_list_codg", "insutype", "med_type", "dise_codg",
                    "diag_code", "diag_type", "diag_srt_no", "maindiag_flag", "opsp_dise_code", "opter_no")
# Extension fields that may come as an object or as a JSON string: parsed here, once, with the limits above.
JSON_STRING_FIELDS = ("exp_content",)


def _checked_object(item: dict, where: str) -> dict:
    for name in CHECKED_IN_NODES:
        if item.get(name) is not None:
            text(item, name, where, required=False)
    extensions = [name for name in JSON_STRING_FIELDS if isinstance(item.get(name), str) and item[name].strip()]
    if not extensions:
        return item
    item = dict(item)
    for name in extensions:
        try:
            value = load_json(item[name])
        except RecursionError:
            raise GatewayError(f"{_shown(_path(where, name))} 嵌套过深（超过 {MAX_JSON_DEPTH} 层）") from None
        except ValueError:
            item[name] = None  # not JSON: no extension (lenient), never re-parsed by a handler
            continue
        check_json(value, _path(where, name))
        item[name] = value
    return item


def node(request: Request, name: str, *, required: bool = True, many: bool = False) -> Any:
    value = request.input.get(name)
    if value is None:
        if required:
            raise GatewayError(f"input.{name} is required")
        return [] if many else {}
    if isinstance(value, str):
        value = parse_json(value, f"input.{name}", f"input.{name} is not valid JSON")
    if many:
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise GatewayError(f"input.{name} must be an array of objects")
        return [_checked_object(item, f"input.{name}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, dict):
        raise GatewayError(f"input.{name} must be an object")
    return _checked_object(value, f"input.{name}")


# The longest value each field may have: the length of the column that stores it
# (src/yibao/store/tables.py), or the national field length (nhsa-interface §3) where the
# value is only looked up. text() refuses longer values, so SQLite (which stores any length)
# and PostgreSQL (which refuses) accept and refuse the same requests.
# tests/platform/test_hostile.py checks every stored field against its column.
FIELD_LENGTHS = {
    "psn_no": 30, "mdtrt_id": 30, "setl_id": 30, "ipt_otp_no": 40, "ipt_no": 40, "feedetl_sn": 30,
    "init_feedetl_sn": 30, "chrg_bchno": 30, "med_list_codg": 50, "medins_list_codg": 150, "mdtrt_cert_no": 50,
    "mdtrt_cert_type": 3, "insutype": 3, "med_type": 6, "dise_codg": 30, "dise_name": 200, "diag_code": 30,
    "diag_type": 6, "diag_srt_no": 6, "diag_name": 200, "maindiag_flag": 1, "omsgid": 40, "oinfno": 6,
    "sign_no": 32, "opter_no": 30, "opter": 30, "hilist_code": 50, "insu_admdvs": 6, "list_type": 3, "type": 30,
    "cum_ym": 6, "clr_type": 6, "setlym": 6, "clr_appy_evt_id": 30, "setl_optins": 6, "trt_dcla_detl_sn": 30,
    "opsp_dise_code": 30, "opsp_dise_name": 100, "mdtrtarea_admdvs": 6, "reflin_medins_no": 30, "memo": 200,
    "patn_id": 30, "dscg_main_dise_codg": 30,
}
YEAR_MONTH = re.compile(r"[0-9]{4}(0[1-9]|1[0-2])")
FIELD_FORMATS = {"cum_ym": YEAR_MONTH, "setlym": YEAR_MONTH}  # yyyyMM, ASCII digits, month 01–12


def _fields(data: Any, where: str) -> dict:
    """The object a reader reads a field of; a list, string or number there is refused."""
    if not isinstance(data, dict):
        raise GatewayError(f"{_shown(where)} 应为对象")
    return data


def text(data: dict, field: str, where: str, *, required: bool = True, default: str = "") -> str:
    value = _fields(data, where).get(field)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise GatewayError(f"{_path(where, field)} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise GatewayError(f"{_path(where, field)} must be a string")
    value = str(value).strip()
    if "\x00" in value:
        raise GatewayError(f"{_path(where, field)} contains a NUL character")
    if _has_bad_character(value):
        raise _bad_character(value, _path(where, field))
    limit = FIELD_LENGTHS.get(field, 200)
    if len(value) > limit:
        raise GatewayError(f"{_path(where, field)} is longer than {limit} characters")
    pattern = FIELD_FORMATS.get(field)
    if pattern is not None and not pattern.fullmatch(value):
        raise GatewayError(f"{_path(where, field)} 应为 yyyyMM（月份 01–12），收到 {value!r}")
    return value


NUMBER_LIMIT = Decimal("1e12")
NUMBER_DECIMALS = 8  # cnt and pric are stored as text of at most 24 characters (fee_lines)
_NUMBER_QUANTUM = Decimal(1).scaleb(-NUMBER_DECIMALS)


def number(data: dict, field: str, where: str, *, required: bool = True, allow_negative: bool = False) -> Decimal | None:
    value = _fields(data, where).get(field)
    if value is None or value == "":
        if required:
            raise GatewayError(f"{where}.{field} is required")
        return None
    if isinstance(value, bool):
        raise GatewayError(f"{where}.{field} must be a number")
    if isinstance(value, str) and len(value) > 100:
        raise GatewayError(f"{where}.{field} is out of range")
    try:
        result = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise GatewayError(f"{where}.{field} must be a number, got {str(value)[:30]!r}") from None
    # compared, not abs(): abs() rounds to the context and overflows on an exponent like 1e999999999
    if not result.is_finite() or result > NUMBER_LIMIT or result < -NUMBER_LIMIT:
        raise GatewayError(f"{where}.{field} is out of range")
    if result < 0 and not allow_negative:
        raise GatewayError(f"{where}.{field} must not be negative")
    if result.as_tuple().exponent < -NUMBER_DECIMALS:
        shorter = result.quantize(_NUMBER_QUANTUM)
        if shorter != result:
            raise GatewayError(f"{where}.{field} 小数位数过多（最多 {NUMBER_DECIMALS} 位）")
        result = shorter
    return result


def amount(data: dict, field: str, where: str, **kwargs) -> Decimal | None:
    value = number(data, field, where, **kwargs)
    if value is not None and value != value.quantize(Decimal("0.01")):
        raise GatewayError(f"{where}.{field} has more than two decimals")
    return value


DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d%H%M%S", "%Y%m%d")
EARLIEST, LATEST = dt.datetime(1900, 1, 1), dt.datetime(2999, 12, 31, 23, 59, 59)


def moment(data: dict, field: str, where: str, *, required: bool = True, default: dt.datetime | None = None) -> dt.datetime | None:
    value = _fields(data, where).get(field)
    if value in (None, ""):
        if required:
            raise GatewayError(f"{where}.{field} is required")
        return default
    shown = str(value).strip()[:64]
    for pattern in DATETIME_FORMATS:
        try:
            found = dt.datetime.strptime(shown, pattern)
        except ValueError:
            continue
        if not EARLIEST <= found <= LATEST:
            # dates far out overflow the platform's date arithmetic (a day after, a year before)
            raise GatewayError(f"{where}.{field} 超出范围（应在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间），收到 {shown[:30]!r}")
        return found
    raise GatewayError(f"{where}.{field} is not a date-time (yyyy-MM-dd HH:mm:ss): {str(value)[:30]!r}")


def flag(data: dict, field: str, default: bool) -> bool:
    value = data.get(field) if isinstance(data, dict) else None
    if value in (None, ""):
        return default
    return str(value).strip() in ("1", "true", "True", "Y", "y")


def own_visit(conn: Connection, request: Request, mdtrt_id: str, psn_no: str | None = None, *,
              lock: bool = False) -> dict:
    """A visit of the calling institution (an institution sees only its own visits).

    ``lock``: every state change of a visit takes the visit row's lock first and decides on
    the row read after it (docs/locking.md, rank 2), so a cancellation and a settlement of
    one visit never both succeed."""
    visit = repo.lock_visit(conn, mdtrt_id) if lock else repo.visit(conn, mdtrt_id)
    if visit is None or visit["fixmedins_code"] != request.institution["fixmedins_code"]:
        raise GatewayError(f"visit {mdtrt_id} not found for institution {request.institution['fixmedins_code']}")
    if psn_no is not None and visit["psn_no"] != psn_no:
        raise GatewayError(f"visit {mdtrt_id} does not belong to person {psn_no}")
    return visit


def own_settlement(conn: Connection, request: Request, setl_id: str) -> dict:
    row = repo.settlement(conn, setl_id)
    if row is None or row["fixmedins_code"] != request.institution["fixmedins_code"]:
        raise GatewayError(f"settlement {setl_id} not found for institution {request.institution['fixmedins_code']}")
    return row


def check_sanctions(conn: Connection, request: Request, psn_no: str, day: dt.date) -> None:
    """Agreement actions and personal sanctions of fund supervision, enforced at the counter."""
    sanctions = supervision.active_sanctions(conn, [("institution", request.institution["fixmedins_code"]),
                                                     ("person", psn_no)], day)
    held = sanctions.get(("institution", request.institution["fixmedins_code"]))
    if held is not None:
        until = f" until {held['enddate']}" if held["enddate"] else ""
        word = "terminated" if held["kind"] == "terminate" else "suspended"
        raise GatewayError(f"institution {request.institution['fixmedins_code']}'s agreement is {word}{until} "
                           f"(fund supervision: {held['reason'][:80]}); it cannot settle")
    held = sanctions.get(("person", psn_no))
    if held is not None:
        raise GatewayError(f"person {psn_no}'s direct settlement is suspended until {held['enddate']} "
                           f"(fund supervision: {held['reason'][:80]}); pay and claim at the insured place")


def check_envelope_region(request: Request, insurance: dict) -> None:
    claimed = request.envelope.get("insuplc_admdvs")
    if claimed and claimed != insurance["insuplc_admdvs"]:
        raise GatewayError(
            f"insuplc_admdvs {claimed} does not match the person's insured region {insurance['insuplc_admdvs']} (see 1101)"
        )


# --- output shapes ------------------------------------------------------------------------------

def person_fields(person: dict, insurance: dict, day: dt.date) -> dict:
    return {
        "psn_no": person["psn_no"], "psn_name": person["psn_name"], "psn_cert_type": person["psn_cert_type"],
        "certno": person["certno"], "gend": person["gend"], "naty": "01", "brdy": person["brdy"].isoformat(),
        "age": Decimal(age_on(person["brdy"], day)).quantize(Decimal("0.1")),
        "insutype": insurance["insutype"], "psn_type": insurance["psn_type"],
        "cvlserv_flag": "1" if insurance["cvlserv_flag"] else "0",
    }


def setlinfo_from_row(row: dict) -> dict:
    info = {name: repo.from_fen(row[f"{name}_fen"]) for name in repo.SETLINFO_AMOUNTS}
    info["pool_prop_selfpay"] = Decimal(row["pool_prop_selfpay"])
    return info


def setldetail_rows(detail: list[dict], inscp: Decimal, sign: int = 1) -> list[dict]:
    return [
        {
            "fund_pay_type": item["fund_pay_type"],
            "fund_pay_type_name": codes.FUND_PAY_TYPE.get(item["fund_pay_type"], ""),
            "inscp_scp_amt": inscp,
            "crt_payb_lmt_amt": fen(Decimal(item["fund_payamt"])) * sign,
            "fund_payamt": fen(Decimal(item["fund_payamt"])) * sign,
            "setl_proc_info": "",
        }
        for item in detail
    ]


def settlement_output(row: dict, visit: dict, person: dict, insurance: dict, *, with_setl_id: bool = True) -> dict:
    sign = -1 if row["kind"] == "reversal" else 1
    detail = json.loads(row["detail"])
    setlinfo = {"mdtrt_id": row["mdtrt_id"]}
    if with_setl_id:
        setlinfo["setl_id"] = row["setl_id"]
    setlinfo.update(person_fields(person, insurance, row["setl_time"].date()))
    setlinfo.update({
        "setl_time": row["setl_time"].strftime("%Y-%m-%d %H:%M:%S"),
        "mdtrt_cert_type": "", "med_type": row["med_type"],
    })
    setlinfo.update(setlinfo_from_row(row))
    setlinfo.update({
        "medins_setl_id": row["medins_setl_id"],
        "clr_optins": row["mdtrtarea_admvs"],
        "clr_way": "1",
        "clr_type": row["clr_type"],
    })
    return {"setlinfo": setlinfo, "setldetail": setldetail_rows(detail["setldetail"], setlinfo["inscp_scp_amt"], sign)}


def preview_output(priced: Priced, visit: dict) -> dict:
    """2206/2303/2101: the would-be settlement, no setl_id, nothing written."""
    s = priced.settlement
    setlinfo = {"mdtrt_id": visit["mdtrt_id"]}
    setlinfo.update(person_fields(priced.person, priced.insurance, priced.case.visit.enddate))
    setlinfo.update({"setl_time": "", "mdtrt_cert_type": "", "med_type": priced.case.visit.med_type})
    for name in repo.SETLINFO_AMOUNTS:
        setlinfo[name] = fen(getattr(s, name))
    setlinfo["pool_prop_selfpay"] = ratio(s.pool_prop_selfpay)
    setlinfo.update({"medins_setl_id": "", "clr_optins": priced.case.visit.mdtrtarea_admvs, "clr_way": "1",
                     "clr_type": CLR_TYPE[visit["kind"]]})
    detail = [{"fund_pay_type": r.fund_pay_type, "fund_payamt": f"{r.fund_payamt}"} for r in s.setldetail]
    return {"setlinfo": setlinfo, "setldetail": setldetail_rows(detail, setlinfo["inscp_scp_amt"])}


def split_output(line_rows: list[dict], catalog: dict) -> list[dict]:
    result = []
    for row in line_rows:
        entry = catalog.get(row["med_list_codg"])
        cnt, pric = Decimal(row["cnt"]), Decimal(row["pric"])
        amount = repo.from_fen(row["det_item_fee_sumamt_fen"])
        if amount >= 0 and cnt >= 0:
            split = split_line(FeeLine(row["med_list_codg"], cnt, pric, amount), entry)
            parts = (split.fulamt_ownpay_amt, split.overlmt_amt, split.preselfpay_amt, split.inscp_scp_amt, split.memo)
        else:
            parts = (Decimal(0), Decimal(0), Decimal(0), Decimal(0), "refund line: nets into its original at settlement")
        result.append({
            "feedetl_sn": row["feedetl_sn"], "det_item_fee_sumamt": fen(amount), "cnt": cnt, "pric": pric,
            "pric_uplmt_amt": entry.pric_uplmt_amt if entry and entry.pric_uplmt_amt is not None else Decimal(0),
            "selfpay_prop": ratio(entry.selfpay_prop) if entry and entry.chrgitm_lv != "03" else Decimal(1),
            "fulamt_ownpay_amt": fen(parts[0]), "overlmt_amt": fen(parts[1]), "preselfpay_amt": fen(parts[2]),
            "inscp_scp_amt": fen(parts[3]), "chrgitm_lv": entry.chrgitm_lv if entry else "03",
            "med_chrgitm_type": "", "bas_medn_flag": "0", "hi_nego_drug_flag": "0", "chld_medc_flag": "0",
            "list_sp_item_flag": "0", "lmt_used_flag": "0", "drt_reim_flag": "0", "memo": parts[4],
        })
    return result


# --- 9001 / 9002 sign-in ----------------------------------------------------------------------------

@transaction("9001", "签到", writes=True)
def sign_in(platform: Platform, conn: Connection, request: Request) -> dict:
    data = request.input.get("signIn")
    if data is None or (isinstance(data, str) and not data.strip()):
        data = request.input
    elif isinstance(data, str):
        data = parse_json(data, "input.signIn", "input.signIn 不是有效的 JSON")
    if not isinstance(data, dict):
        raise GatewayError("input.signIn 应为对象")
    opter_no = text(data, "opter_no", "input.signIn", required=False) or text(request.envelope, "opter", "", required=False)
    sign_no = uuid.uuid4().hex
    conn.execute(insert(t.sign_ins).values(
        sign_no=sign_no, fixmedins_code=request.institution["fixmedins_code"], opter_no=opter_no, sign_time=request.now))
    return {"signinoutb": {"sign_time": request.now.strftime("%Y-%m-%d %H:%M:%S"), "sign_no": sign_no}}


@transaction("9002", "签退", writes=True)
def sign_out(platform: Platform, conn: Connection, request: Request) -> dict:
    data = request.input.get("signOut", request.input)
    sign_no = text(data, "sign_no", "input.signOut")
    if not repo.sign_in_valid(conn, sign_no, request.institution["fixmedins_code"]):
        raise GatewayError(f"sign_no {sign_no} is not an open sign-in of this institution")
    conn.execute(update(t.sign_ins).where(t.sign_ins.c.sign_no == sign_no).values(sign_out_time=request.now))
    return {"signoutoutb": {"sign_time": request.now.strftime("%Y-%m-%d %H:%M:%S")}}


# --- 1101 person info, 2001 benefit check ------------------------------------------------------------

def find_person(conn: Connection, data: dict) -> dict:
    cert_type = text(data, "mdtrt_cert_type", "input.data")
    cert_no = text(data, "mdtrt_cert_no", "input.data")
    if cert_type == "02":
        person = repo.person_by(conn, "certno", cert_no)
    elif cert_type == "03":
        person = repo.person_by(conn, "card_no", cert_no)
    elif cert_type == "01":
        # The e-voucher token resolves to a person number; until the e-voucher service is
        # connected, the token is the person number itself.
        person = repo.person(conn, cert_no)
    else:
        raise GatewayError(f"input.data.mdtrt_cert_type {cert_type} is not 01, 02 or 03")
    if person is None:
        raise GatewayError(f"no insured person for mdtrt_cert_type {cert_type} and this certificate number")
    return person


@transaction("1101", "人员信息获取", writes=False)
def person_info(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    person = find_person(conn, data)
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
        raise GatewayError(f"person {psn_no} has no insurance of type {insutype}")
    enjoys, reason = "1", ""
    if insurance["psn_insu_stas"] != "1":
        enjoys, reason = "0", "参保状态非正常"
    policy_row = repo.policy_row(conn, insurance["insuplc_admdvs"], insutype, day)
    if policy_row is None:
        enjoys, reason = "0", f"参保地 {insurance['insuplc_admdvs']} 无有效待遇政策"
    else:
        policy = platform.policy(policy_row)
        if policy.benefit_for(med_type) is None:
            enjoys, reason = "0", f"医疗类别 {med_type} 无对应待遇"
        elif not policy.is_valid_on(day):
            enjoys, reason = "0", "待遇政策不在有效期内"
    return {"trtinfo": [{
        "psn_no": psn_no, "trt_chk_type": "01", "fund_pay_type": codes.basic_fund_pay_type(insutype),
        "trt_enjymnt_flag": enjoys, "begndate": day.isoformat(), "enddate": day.isoformat(), "trt_chk_rslt": reason,
    }]}


# --- 1312 catalogue, 1901 dictionary --------------------------------------------------------------------

@transaction("1312", "医保目录信息查询", writes=False)
def catalogue_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data", required=False)
    page_num = int(number(data, "page_num", "input.data", required=False) or 1)
    page_size = int(number(data, "page_size", "input.data", required=False) or 100)
    if page_num < 1 or not 1 <= page_size <= 1000:
        raise GatewayError("input.data.page_num must be ≥ 1 and page_size 1..1000")
    filters = {
        "hilist_code": text(data, "hilist_code", "input.data", required=False),
        "insu_admdvs": text(data, "insu_admdvs", "input.data", required=False),
        "list_type": text(data, "list_type", "input.data", required=False),
    }
    total, rows = repo.catalog_page(conn, filters, page_num, page_size)
    return {
        "data": [
            {**row, "begndate": row["begndate"].isoformat(), "enddate": row["enddate"].isoformat() if row["enddate"] else ""}
            for row in rows
        ],
        "recordCounts": total, "pages": max(1, math.ceil(total / page_size)), "pageNum": page_num, "pageSize": page_size,
    }


DICTIONARIES = {
    "insutype": codes.INSUTYPE, "psn_type": codes.PSN_TYPE, "med_type": codes.MED_TYPE,
    "chrgitm_lv": codes.CHRGITM_LV, "fund_pay_type": codes.FUND_PAY_TYPE, "medins_lv": codes.MEDINS_LV,
    "mdtrt_cert_type": {"01": "医保电子凭证", "02": "居民身份证", "03": "社会保障卡"},
    "gend": {"1": "男", "2": "女", "9": "未说明性别"},
    "clr_type": {"11": "门诊", "21": "住院", "41": "定点药店"},
    "psn_insu_stas": {"1": "正常参保", "2": "暂停参保", "4": "终止参保"},
}


@transaction("1901", "字典表查询", writes=False)
def dictionary_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data", required=False)
    wanted = text(data, "type", "input.data", required=False)
    types = [wanted] if wanted else sorted(DICTIONARIES)
    if wanted and wanted not in DICTIONARIES:
        raise GatewayError(f"unknown dictionary type {wanted} (known: {', '.join(sorted(DICTIONARIES))})")
    return {"list": [
        {"type": kind, "label": label, "value": value, "parent_value": "", "sort": index + 1, "vali_flag": "1",
         "create_user": "", "create_date": "", "version": "1"}
        for kind in types for index, (value, label) in enumerate(DICTIONARIES[kind].items())
    ]}


# --- visits: 2201–2203 outpatient, 2401–2405 inpatient ----------------------------------------------------

EMERGENCY_MED_TYPES = ("13", "24")  # 急诊, 急诊转住院


def is_emergency(data: dict, med_type: str) -> bool:
    """An emergency visit: med_type 13/24, or exp_content.er_flag = 1 (nhsa-interface §1.4)."""
    extension = data.get("exp_content")
    if isinstance(extension, str):
        try:
            extension = json.loads(extension) if extension.strip() else {}
        except json.JSONDecodeError:
            extension = {}
    flag_value = str((extension or {}).get("er_flag", "")) if isinstance(extension, dict) else ""
    return med_type in EMERGENCY_MED_TYPES or flag_value == "1"


def register_visit(conn: Connection, request: Request, data: dict, where: str, *, kind: str, med_type: str,
                   ipt_otp_no: str) -> str:
    psn_no = text(data, "psn_no", where)
    insutype = text(data, "insutype", where)
    begntime = moment(data, "begntime", where)
    if repo.person(conn, psn_no) is None:
        raise GatewayError(f"person {psn_no} not found")
    insurance = repo.insurance(conn, psn_no, insutype)
    if insurance is None or insurance["psn_insu_stas"] != "1":
        raise GatewayError(f"person {psn_no} has no active insurance of type {insutype}")
    check_envelope_region(request, insurance)
    check_sanctions(conn, request, psn_no, begntime.date())
    code = request.institution["fixmedins_code"]
    if conn.execute(select(t.visits.c.mdtrt_id).where(t.visits.c.fixmedins_code == code, t.visits.c.ipt_otp_no == ipt_otp_no)).first():
        raise GatewayError(f"visit number (ipt_otp_no / ipt_no) {ipt_otp_no} is already used by another visit of this institution")
    mdtrt_id = new_id("31")
    conn.execute(insert(t.visits).values(
        mdtrt_id=mdtrt_id, fixmedins_code=code, psn_no=psn_no, insutype=insutype, med_type=med_type, kind=kind,
        ipt_otp_no=ipt_otp_no, begntime=begntime, endtime=None, insuplc_admdvs=insurance["insuplc_admdvs"],
        mdtrtarea_admvs=request.institution["admdvs"], dise_codg=text(data, "dise_codg", where, required=False),
        dise_name=text(data, "dise_name", where, required=False), status="registered", created_at=request.now,
        emergency=is_emergency(data, med_type),
    ))
    return mdtrt_id


def store_diagnoses(conn: Connection, mdtrt_id: str, rows: list[dict], stage: str) -> None:
    for index, row in enumerate(rows):
        where = f"input.diseinfo[{index}]"
        conn.execute(insert(t.diagnoses).values(
            mdtrt_id=mdtrt_id, stage=stage, diag_type=text(row, "diag_type", where, required=False),
            diag_srt_no=text(row, "diag_srt_no", where, required=False), diag_code=text(row, "diag_code", where),
            diag_name=text(row, "diag_name", where, required=False),
            maindiag_flag=text(row, "maindiag_flag", where, required=False),
        ))


def ensure_unsettled(conn: Connection, visit: dict, action: str) -> None:
    if repo.active_settlement(conn, visit["mdtrt_id"]) is not None:
        raise GatewayError(f"visit {visit['mdtrt_id']} is settled; reverse the settlement before {action}")


@transaction("2201", "门诊挂号", writes=True)
def outpatient_register(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    ipt_otp_no = text(data, "ipt_otp_no", "input.data")
    mdtrt_id = register_visit(conn, request, data, "input.data", kind="outpatient",
                              med_type=text(data, "med_type", "input.data", required=False, default="11"),
                              ipt_otp_no=ipt_otp_no)
    return {"data": {"mdtrt_id": mdtrt_id, "psn_no": data["psn_no"], "ipt_otp_no": ipt_otp_no, "exp_content": ""}}


@transaction("2202", "门诊挂号撤销", writes=True)
def outpatient_register_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if visit["status"] == "cancelled":
        raise GatewayError(f"visit {visit['mdtrt_id']} is already cancelled")
    ensure_unsettled(conn, visit, "cancelling the registration")
    repo.update_visit(conn, visit["mdtrt_id"], status="cancelled")
    return {}


@transaction("2203", "门诊就诊信息上传", writes=True)
def outpatient_visit_info(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "mdtrtinfo")
    visit = own_visit(conn, request, text(info, "mdtrt_id", "input.mdtrtinfo"), text(info, "psn_no", "input.mdtrtinfo"), lock=True)
    if visit["status"] != "registered":
        raise GatewayError(f"visit {visit['mdtrt_id']} is {visit['status']}")
    ensure_unsettled(conn, visit, "changing the visit")
    med_type = text(info, "med_type", "input.mdtrtinfo")
    repo.update_visit(
        conn, visit["mdtrt_id"], med_type=med_type,
        dise_codg=text(info, "dise_codg", "input.mdtrtinfo", required=False),
        dise_name=text(info, "dise_name", "input.mdtrtinfo", required=False),
        emergency=bool(visit["emergency"]) or is_emergency(info, med_type),
    )
    store_diagnoses(conn, visit["mdtrt_id"], node(request, "diseinfo", required=False, many=True), "otp")
    return {}


@transaction("2401", "入院办理", writes=True)
def admission(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "mdtrtinfo")
    mdtrt_id = register_visit(conn, request, info, "input.mdtrtinfo", kind="inpatient",
                              med_type=text(info, "med_type", "input.mdtrtinfo"),
                              ipt_otp_no=text(info, "ipt_no", "input.mdtrtinfo"))
    store_diagnoses(conn, mdtrt_id, node(request, "diseinfo", required=False, many=True), "adm")
    return {"result": {"mdtrt_id": mdtrt_id}}


@transaction("2402", "出院办理", writes=True)
def discharge(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "dscginfo")
    visit = own_visit(conn, request, text(info, "mdtrt_id", "input.dscginfo"), text(info, "psn_no", "input.dscginfo"), lock=True)
    if visit["kind"] != "inpatient" or visit["status"] != "registered":
        raise GatewayError(f"visit {visit['mdtrt_id']} is not an open admission ({visit['kind']}, {visit['status']})")
    endtime = moment(info, "endtime", "input.dscginfo")
    if endtime < visit["begntime"]:
        raise GatewayError("input.dscginfo.endtime is before the admission time")
    repo.update_visit(conn, visit["mdtrt_id"], endtime=endtime, status="discharged",
                      dise_codg=text(info, "dise_codg", "input.dscginfo", required=False, default=visit["dise_codg"]))
    store_diagnoses(conn, visit["mdtrt_id"], node(request, "diseinfo", required=False, many=True), "dscg")
    return {}


@transaction("2403", "住院信息变更", writes=True)
def admission_change(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "adminfo")
    visit = own_visit(conn, request, text(info, "mdtrt_id", "input.adminfo"), lock=True)
    ensure_unsettled(conn, visit, "changing the admission")
    changes = {}
    for name in ("med_type", "dise_codg", "dise_name"):
        if info.get(name) not in (None, ""):
            changes[name] = text(info, name, "input.adminfo")
    if info.get("begntime"):
        changes["begntime"] = moment(info, "begntime", "input.adminfo")
    if changes:
        repo.update_visit(conn, visit["mdtrt_id"], **changes)
    return {}


@transaction("2404", "入院办理撤销", writes=True)
def admission_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if visit["kind"] != "inpatient" or visit["status"] == "cancelled":
        raise GatewayError(f"visit {visit['mdtrt_id']} is not an admission that can be cancelled")
    ensure_unsettled(conn, visit, "cancelling the admission")
    repo.update_visit(conn, visit["mdtrt_id"], status="cancelled")
    return {}


@transaction("2405", "出院办理撤销", writes=True)
def discharge_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if visit["status"] != "discharged":
        raise GatewayError(f"visit {visit['mdtrt_id']} is not discharged")
    ensure_unsettled(conn, visit, "cancelling the discharge")
    repo.update_visit(conn, visit["mdtrt_id"], status="registered", endtime=None)
    return {}


# --- fee lines: 2204/2205 outpatient, 2301/2302 inpatient ----------------------------------------------------

def upload_lines(conn: Connection, request: Request, *, kind: str) -> dict:
    rows = node(request, "feedetail", many=True)
    if not rows:
        raise GatewayError("input.feedetail is empty")
    if len(rows) > 2000:
        raise GatewayError("input.feedetail has more than 2000 lines; upload in batches")
    stored = []
    visits: dict[str, dict] = {}
    lock_visits(conn, request, [text(row, "mdtrt_id", f"input.feedetail[{index}]") for index, row in enumerate(rows)])
    for index, row in enumerate(rows):
        where = f"input.feedetail[{index}]"
        mdtrt_id = text(row, "mdtrt_id", where)
        if mdtrt_id not in visits:
            visit = own_visit(conn, request, mdtrt_id, text(row, "psn_no", where))
            if visit["kind"] != kind:
                raise GatewayError(f"visit {mdtrt_id} is {visit['kind']}, not {kind}")
            if visit["status"] == "cancelled":
                raise GatewayError(f"visit {mdtrt_id} is cancelled")
            ensure_unsettled(conn, visit, "uploading more fee lines")
            visits[mdtrt_id] = visit
        elif text(row, "psn_no", where) != visits[mdtrt_id]["psn_no"]:
            # Every line of a visit belongs to the visit's person, not only the first one.
            raise GatewayError(f"{where}.psn_no 与就诊 {mdtrt_id} 的参保人不一致")
        cnt = number(row, "cnt", where, allow_negative=kind == "inpatient")
        pric = number(row, "pric", where)
        total = amount(row, "det_item_fee_sumamt", where, allow_negative=kind == "inpatient")
        init_sn = text(row, "init_feedetl_sn", where, required=False)
        if (cnt < 0 or total < 0) and not init_sn:
            raise GatewayError(f"{where}: a negative line is a refund and needs init_feedetl_sn")
        expected = (cnt * pric).quantize(Decimal("0.01"))
        if abs(expected - total) > Decimal("0.01"):
            raise GatewayError(f"{where}.det_item_fee_sumamt {total} is not cnt × pric = {expected}")
        stored.append(dict(
            mdtrt_id=mdtrt_id, feedetl_sn=text(row, "feedetl_sn", where), init_feedetl_sn=init_sn, psn_no=visits[mdtrt_id]["psn_no"],
            chrg_bchno=text(row, "chrg_bchno", where, required=kind == "outpatient"),
            med_list_codg=text(row, "med_list_codg", where),
            medins_list_codg=text(row, "medins_list_codg", where, required=False),
            cnt=f"{cnt:f}", pric=f"{pric:f}", det_item_fee_sumamt_fen=repo.to_fen(total),
            fee_ocur_time=moment(row, "fee_ocur_time", where), status="uploaded", upload_msgid=request.msgid,
            created_at=request.now,
        ))
    keys = [(line["mdtrt_id"], line["feedetl_sn"]) for line in stored]
    if len(set(keys)) != len(keys):
        raise GatewayError("input.feedetail repeats a feedetl_sn")
    for mdtrt_id in visits:
        sns = [sn for visit_id, sn in keys if visit_id == mdtrt_id]
        taken = conn.execute(select(t.fee_lines.c.feedetl_sn).where(
            t.fee_lines.c.mdtrt_id == mdtrt_id, t.fee_lines.c.feedetl_sn.in_(sns))).first()
        if taken:
            raise GatewayError(f"feedetl_sn {taken[0]} is already uploaded for visit {mdtrt_id}")
    conn.execute(insert(t.fee_lines), stored)
    any_visit = next(iter(visits.values()))
    catalog = repo.catalog_entries(conn, request.institution["admdvs"], {line["med_list_codg"] for line in stored},
                                   any_visit["begntime"].date())
    return {"result": split_output(stored, catalog)}


def lock_visits(conn: Connection, request: Request, mdtrt_ids: list[str]) -> None:
    """Lock several visits of one request in ascending mdtrt_id order (no circular waits);
    the handler then reads each visit after its lock."""
    for mdtrt_id in sorted(set(mdtrt_ids)):
        own_visit(conn, request, mdtrt_id, lock=True)


def cancel_lines(conn: Connection, request: Request, data: dict, where: str, *, key: str) -> None:
    visit = own_visit(conn, request, text(data, "mdtrt_id", where), text(data, "psn_no", where, required=False) or None, lock=True)
    ensure_unsettled(conn, visit, "cancelling fee lines")
    value = text(data, key, where)
    query = update(t.fee_lines).where(t.fee_lines.c.mdtrt_id == visit["mdtrt_id"], t.fee_lines.c.status == "uploaded")
    if value != "0000":  # "0000" cancels every unsettled line of the visit
        query = query.where(getattr(t.fee_lines.c, key) == value)
    if conn.execute(query.values(status="cancelled")).rowcount == 0:
        raise GatewayError(f"no uploaded fee lines of visit {visit['mdtrt_id']} match {key} {value}")


@transaction("2204", "门诊费用明细信息上传", writes=True)
def outpatient_fee_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload_lines(conn, request, kind="outpatient")


@transaction("2205", "门诊费用明细信息撤销", writes=True)
def outpatient_fee_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    cancel_lines(conn, request, node(request, "data"), "input.data", key="chrg_bchno")
    return {}


@transaction("2301", "住院费用明细上传", writes=True)
def inpatient_fee_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload_lines(conn, request, kind="inpatient")


@transaction("2302", "住院费用明细撤销", writes=True)
def inpatient_fee_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    entries = node(request, "data", many=True)
    lock_visits(conn, request, [text(data, "mdtrt_id", f"input.data[{index}]") for index, data in enumerate(entries)])
    for index, data in enumerate(entries):
        cancel_lines(conn, request, data, f"input.data[{index}]", key="feedetl_sn")
    return {}


# --- settlement: 2206/2207/2208 outpatient, 2303/2304/2305 inpatient -----------------------------------------

def price_for_request(platform: Platform, conn: Connection, request: Request, *, kind: str,
                      lock: bool) -> tuple[Priced, dict, list[dict]]:
    """``lock``: a settlement (not a preview) locks the visit, then the person and the family
    account owner (docs/locking.md), and decides on what it reads after the locks."""
    data = node(request, "data")
    where = "input.data"
    psn_no = text(data, "psn_no", where)
    visit = own_visit(conn, request, text(data, "mdtrt_id", where), psn_no, lock=lock)
    if visit["kind"] != kind:
        raise GatewayError(f"visit {visit['mdtrt_id']} is {visit['kind']}, not {kind}")
    if visit["status"] == "cancelled":
        raise GatewayError(f"visit {visit['mdtrt_id']} is cancelled")
    if kind == "inpatient" and visit["status"] != "discharged":
        raise GatewayError(f"visit {visit['mdtrt_id']} is not discharged: discharge (2402) before settling")
    insutype = text(data, "insutype", where, required=False, default=visit["insutype"])
    if insutype != visit["insutype"]:
        raise GatewayError(f"{where}.insutype {insutype} differs from the visit's {visit['insutype']}")
    check_sanctions(conn, request, psn_no, request.now.date())
    ensure_unsettled(conn, visit, "settling again")
    lines = repo.fee_lines(conn, visit["mdtrt_id"])
    chrg_bchno = text(data, "chrg_bchno", where, required=False)
    if kind == "outpatient" and chrg_bchno and chrg_bchno != "0000":
        lines = [line for line in lines if line["chrg_bchno"] == chrg_bchno]
    medfee = amount(data, "medfee_sumamt", where)
    uploaded = repo.from_fen(sum(line["det_item_fee_sumamt_fen"] for line in lines))
    if medfee != uploaded:
        raise GatewayError(f"{where}.medfee_sumamt {medfee} does not match the uploaded fee lines ({uploaded})")
    med_type = text(data, "med_type", where, required=False, default=visit["med_type"])
    priced = platform.price_visit(conn, visit, request.institution, lines, med_type=med_type,
                                  acct_used_flag=flag(data, "acct_used_flag", True), lock=lock)
    check_envelope_region(request, priced.insurance)
    return priced, visit, lines


def in_event_audit(conn: Connection, request: Request, visit: dict, lines: list[dict], person: dict, setl_id: str = "") -> None:
    """事中审核 at settlement with the treatment region's rule package: a definite violation
    refuses the settlement where the region so configured it; findings are kept and answered
    as warnings (warn_msg)."""
    audited = audit.audit_visit(conn, visit, lines, person, request.institution, "事中", setl_id)
    if audited is None:
        return
    package_row, _, findings = audited
    if not findings:
        return
    definite = [f for f in findings if f.result_type == audit.DEFINITE]
    if definite and package_row["refuse_definite"]:
        raise GatewayError("refused by in-event audit (事中审核): " + "；".join(
            f"[{f.rule_id} {f.rule_type}] {f.vola_cont}" for f in definite[:5]))
    supervision.store_findings(conn, findings, stage="事中", run_id=request.msgid, now=request.now,
                               context={"psn_no": visit["psn_no"], "fixmedins_code": visit["fixmedins_code"]})
    request.warnings += [f"[{f.rule_id} {f.rule_type} {f.result_type}] {f.vola_cont}" for f in findings[:10]]


def settle_request(platform: Platform, conn: Connection, request: Request, *, kind: str) -> dict:
    priced, visit, lines = price_for_request(platform, conn, request, kind=kind, lock=True)
    data = node(request, "data")
    in_event_audit(conn, request, visit, lines, priced.person)
    row = platform.store_settlement(conn, priced, visit, request.institution, msgid=request.msgid,
                                    infno=request.infno, chrg_bchno=text(data, "chrg_bchno", "input.data", required=False))
    return settlement_output(row, visit, priced.person, priced.insurance)


def reverse_request(platform: Platform, conn: Connection, request: Request, *, kind: str) -> dict:
    data = node(request, "data")
    original = own_settlement(conn, request, text(data, "setl_id", "input.data"))
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if original["mdtrt_id"] != visit["mdtrt_id"]:
        raise GatewayError(f"settlement {original['setl_id']} is not of visit {visit['mdtrt_id']}")
    if visit["kind"] != kind:
        raise GatewayError(f"visit {visit['mdtrt_id']} is {visit['kind']}, not {kind}")
    return reversal_output(platform, conn, request, original, visit)


def reversal_output(platform: Platform, conn: Connection, request: Request, original: dict, visit: dict) -> dict:
    """The caller holds the visit's lock; the reversal locks the persons whose accounts it restores."""
    row = platform.reverse_settlement(conn, original, msgid=request.msgid, infno=request.infno,
                                      actor=f"{request.institution['fixmedins_code']}/{request.msgid}")
    person = repo.person(conn, original["psn_no"])
    insurance = repo.insurance(conn, original["psn_no"], original["insutype"])
    output = settlement_output(row, visit, person, insurance)
    short = {key: output["setlinfo"][key] for key in (
        "mdtrt_id", "setl_id", "clr_optins", "setl_time", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay",
        "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "cvlserv_pay",
        "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay",
        "psn_cash_pay", "hosp_part_amt", "balc", "acct_mulaid_pay", "medins_setl_id")}
    return {"setlinfo": short, "setldetail": output["setldetail"]}


@transaction("2206", "门诊预结算", writes=False)
def outpatient_presettle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, _ = price_for_request(platform, conn, request, kind="outpatient", lock=False)
    return preview_output(priced, visit)


@transaction("2207", "门诊结算", writes=True)
def outpatient_settle(platform: Platform, conn: Connection, request: Request) -> dict:
    return settle_request(platform, conn, request, kind="outpatient")


@transaction("2208", "门诊结算撤销", writes=True)
def outpatient_reverse(platform: Platform, conn: Connection, request: Request) -> dict:
    return reverse_request(platform, conn, request, kind="outpatient")


@transaction("2303", "住院预结算", writes=False)
def inpatient_presettle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, _ = price_for_request(platform, conn, request, kind="inpatient", lock=False)
    return preview_output(priced, visit)


@transaction("2304", "住院结算", writes=True)
def inpatient_settle(platform: Platform, conn: Connection, request: Request) -> dict:
    return settle_request(platform, conn, request, kind="inpatient")


@transaction("2305", "住院结算撤销", writes=True)
def inpatient_reverse(platform: Platform, conn: Connection, request: Request) -> dict:
    return reverse_request(platform, conn, request, kind="inpatient")


# --- pharmacy 2101/2102/2103 -------------------------------------------------------------------------------------

def pharmacy_visit_and_lines(conn: Connection, request: Request, *, store: bool) -> tuple[dict, list[dict]]:
    info = node(request, "druginfo")
    details = node(request, "drugdetail", many=True)
    where = "input.druginfo"
    if not details:
        raise GatewayError("input.drugdetail is empty")
    psn_no = text(info, "psn_no", where)
    insutype = text(info, "insutype", where)
    insurance = repo.insurance(conn, psn_no, insutype)
    if repo.person(conn, psn_no) is None or insurance is None:
        raise GatewayError(f"person {psn_no} has no insurance of type {insutype}")
    check_envelope_region(request, insurance)
    begntime = moment(info, "begntime", where, required=False, default=request.now)
    visit = dict(
        mdtrt_id=new_id("31"), fixmedins_code=request.institution["fixmedins_code"], psn_no=psn_no,
        insutype=insutype, med_type=text(info, "med_type", where, required=False, default="41"), kind="pharmacy",
        ipt_otp_no=f"{request.msgid}", begntime=begntime, endtime=begntime, insuplc_admdvs=insurance["insuplc_admdvs"],
        mdtrtarea_admvs=request.institution["admdvs"], dise_codg=text(info, "dise_codg", where, required=False),
        dise_name=text(info, "dise_name", where, required=False), status="registered", created_at=request.now,
    )
    lines = []
    for index, row in enumerate(details):
        w = f"input.drugdetail[{index}]"
        cnt, pric = number(row, "cnt", w), number(row, "pric", w)
        total = amount(row, "det_item_fee_sumamt", w)
        if abs((cnt * pric).quantize(Decimal("0.01")) - total) > Decimal("0.01"):
            raise GatewayError(f"{w}.det_item_fee_sumamt {total} is not cnt × pric")
        lines.append(dict(
            mdtrt_id=visit["mdtrt_id"], feedetl_sn=text(row, "feedetl_sn", w), init_feedetl_sn="", psn_no=psn_no,
            chrg_bchno="", med_list_codg=text(row, "med_list_codg", w),
            medins_list_codg=text(row, "medins_list_codg", w, required=False), cnt=f"{cnt:f}", pric=f"{pric:f}",
            det_item_fee_sumamt_fen=repo.to_fen(total), fee_ocur_time=moment(row, "fee_ocur_time", w, required=False, default=begntime),
            status="uploaded", upload_msgid=request.msgid, created_at=request.now,
        ))
    if len({line["feedetl_sn"] for line in lines}) != len(lines):
        raise GatewayError("input.drugdetail has a repeated feedetl_sn")
    medfee = amount(info, "medfee_sumamt", where)
    uploaded = repo.from_fen(sum(line["det_item_fee_sumamt_fen"] for line in lines))
    if medfee != uploaded:
        raise GatewayError(f"{where}.medfee_sumamt {medfee} does not match the drug lines ({uploaded})")
    if store:
        conn.execute(insert(t.visits).values(**visit))
        conn.execute(insert(t.fee_lines), lines)
    return visit, lines


def pharmacy_price(platform: Platform, conn: Connection, request: Request, *, store: bool) -> tuple[Priced, dict, list[dict]]:
    visit, lines = pharmacy_visit_and_lines(conn, request, store=store)
    check_sanctions(conn, request, visit["psn_no"], request.now.date())
    info = node(request, "druginfo")
    # A sale is a new visit of its own; a stored one (2102) locks the person and the family
    # account owner in price_visit (docs/locking.md).
    priced = platform.price_visit(conn, visit, request.institution, lines, med_type=visit["med_type"],
                                  acct_used_flag=flag(info, "acct_used_flag", True), lock=store)
    return priced, visit, lines


def detlcutinfo(priced: Priced, lines: list[dict]) -> list[dict]:
    catalog = priced.case.catalog
    return split_output(lines, catalog)


@transaction("2101", "药店预结算", writes=False)
def pharmacy_presettle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, lines = pharmacy_price(platform, conn, request, store=False)
    output = preview_output(priced, visit)
    output["detlcutinfo"] = detlcutinfo(priced, lines)
    return output


@transaction("2102", "药店结算", writes=True)
def pharmacy_settle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, lines = pharmacy_price(platform, conn, request, store=True)
    in_event_audit(conn, request, visit, lines, priced.person)
    row = platform.store_settlement(conn, priced, visit, request.institution, msgid=request.msgid, infno=request.infno)
    output = settlement_output(row, visit, priced.person, priced.insurance)
    output["detlcutinfo"] = detlcutinfo(priced, lines)
    return output


@transaction("2103", "药店结算撤销", writes=True)
def pharmacy_reverse(platform: Platform, conn: Connection, request: Request) -> dict:
    return reverse_request(platform, conn, request, kind="pharmacy")


# --- 2601 reversal by original msgid ---------------------------------------------------------------------------

REVERSIBLE = {"2207", "2304", "2102", "2201", "2401"}


@transaction("2601", "冲正交易", writes=True)
def reverse_by_msgid(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    omsgid = text(data, "omsgid", "input.data")
    oinfno = text(data, "oinfno", "input.data")
    psn_no = text(data, "psn_no", "input.data")
    code = request.institution["fixmedins_code"]
    if oinfno not in REVERSIBLE:
        raise GatewayError(f"transaction {oinfno} cannot be reversed by 2601 (reversible: {', '.join(sorted(REVERSIBLE))})")
    original = repo.logged_request(conn, code, omsgid)
    if original is None or original["infno"] != oinfno:
        raise GatewayError(f"no {oinfno} request with msgid {omsgid} from this institution")
    if oinfno in ("2207", "2304", "2102"):
        settlement = repo.settlement_by_msgid(conn, code, omsgid)
        if settlement is None or settlement["psn_no"] != psn_no:
            raise GatewayError(f"no settlement of person {psn_no} for msgid {omsgid}")
        visit = repo.lock_visit(conn, settlement["mdtrt_id"])
        return reversal_output(platform, conn, request, settlement, visit)
    mdtrt_id = json.loads(original["output"]).get("data", json.loads(original["output"]).get("result", {})).get("mdtrt_id")
    visit = own_visit(conn, request, mdtrt_id, psn_no, lock=True)
    if visit["status"] == "cancelled":
        raise GatewayError(f"visit {mdtrt_id} is already cancelled")
    ensure_unsettled(conn, visit, "reversing the registration")
    repo.update_visit(conn, mdtrt_id, status="cancelled")
    return {}


# --- filings 2501/2502, 2503/2504 and their queries 5301/5304 ---------------------------------------------------

def insured_here(conn: Connection, request: Request, psn_no: str) -> dict:
    """Referral and 门慢特 filings are the insured place's business: the calling institution must
    be in the person's insured province (nhsa-interface §6.2 item 9)."""
    insurances = repo.insurances_of(conn, psn_no)
    if not insurances:
        raise GatewayError(f"person {psn_no} not found or not insured")
    insurance = insurances[0]
    if insurance["insuplc_admdvs"][:2] != request.institution["admdvs"][:2]:
        raise GatewayError(
            f"person {psn_no} is insured in {insurance['insuplc_admdvs']}: only the insured province's institutions "
            "or agency can file for them"
        )
    check_envelope_region(request, insurance)
    return insurance


@transaction("2501", "转院备案", writes=True)
def referral_filing(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "refmedin")
    where = "input.refmedin"
    psn_no = text(data, "psn_no", where)
    insured_here(conn, request, psn_no)
    dest = text(data, "mdtrtarea_admdvs", where)
    text(data, "reflin_medins_no", where)
    begin = moment(data, "begndate", where, required=False) or moment(data, "refl_date", where, required=False) or request.now
    end = moment(data, "enddate", where, required=False)
    row = filings.create_filing(
        conn, now=request.now, psn_no=psn_no, filing_type="referral", dest_admdvs=dest, begndate=begin.date(),
        enddate=end.date() if end else None, source="his", created_by=request.institution["fixmedins_code"])
    return {"result": {"trt_dcla_detl_sn": row["filing_no"]}}


@transaction("2502", "转院备案撤销", writes=True)
def referral_filing_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    filing_no = text(data, "trt_dcla_detl_sn", "input.data")
    row = filings.get_filing(conn, filing_no)
    if row["created_by"] != request.institution["fixmedins_code"] or row["psn_no"] != text(data, "psn_no", "input.data"):
        raise GatewayError(f"filing {filing_no} was not made by this institution for this person")
    filings.end_filing(conn, filing_no, now=request.now, reason=text(data, "memo", "input.data", required=False) or "cancelled by HIS")
    return {}


@transaction("2503", "人员慢特病备案", writes=True)
def chronic_filing(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    psn_no = text(data, "psn_no", where)
    insurance = insured_here(conn, request, psn_no)
    end = moment(data, "enddate", where, required=False)
    row = filings.grant_qualification(
        conn, now=request.now, psn_no=psn_no, insutype=text(data, "insutype", where, required=False, default=insurance["insutype"]),
        dise_code=text(data, "opsp_dise_code", where), dise_name=text(data, "opsp_dise_name", where, required=False),
        begndate=moment(data, "begndate", where).date(), enddate=end.date() if end else None,
        source="his", created_by=request.institution["fixmedins_code"])
    return {"result": {"trt_dcla_detl_sn": row["qual_no"]}}


@transaction("2504", "人员慢特病备案撤销", writes=True)
def chronic_filing_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    qual_no = text(data, "trt_dcla_detl_sn", "input.data")
    row = filings.get_qualification(conn, qual_no)
    if row["created_by"] != request.institution["fixmedins_code"] or row["psn_no"] != text(data, "psn_no", "input.data"):
        raise GatewayError(f"qualification {qual_no} was not filed by this institution for this person")
    filings.cancel_qualification(conn, qual_no, now=request.now)
    return {}


def date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


@transaction("5301", "人员慢特病备案查询", writes=False)
def chronic_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    return {"feedetail": [
        {"psn_no": psn_no, "insutype": row["insutype"], "opsp_dise_code": row["opsp_dise_code"],
         "opsp_dise_name": row["opsp_dise_name"], "begndate": date_text(row["begndate"]), "enddate": date_text(row["enddate"]),
         "trt_dcla_detl_sn": row["qual_no"], "vali_flag": "1" if row["status"] == "active" else "0"}
        for row in filings.qualifications_of(conn, psn_no)
    ]}


@transaction("5304", "转院信息查询", writes=False)
def referral_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    person = repo.person(conn, psn_no)
    if person is None:
        raise GatewayError(f"person {psn_no} not found")
    rows = []
    for row in filings.filings_of(conn, psn_no):
        rows.append({
            "dcla_souc": row["source"], "psn_no": psn_no, "psn_name": person["psn_name"],
            "psn_cert_type": person["psn_cert_type"], "certno": person["certno"], "gend": person["gend"],
            "brdy": person["brdy"].isoformat(), "trt_dcla_detl_sn": row["filing_no"], "filing_type": row["filing_type"],
            "subtype": row["subtype"], "mdtrtarea_admdvs": row["dest_admdvs"], "begndate": date_text(row["begndate"]),
            "enddate": date_text(row["enddate"]), "vali_flag": "1" if row["status"] == "active" else "0",
        })
    return {"refmedin": rows}


# --- smart audit 3101 (事前) / 3102 (事中) ---------------------------------------------------------------------

def claims_from_patient_dtos(conn: Connection, request: Request, data: dict) -> list[tuple[Any, dict]]:
    from yibao.domain.audit import Claim, Line

    patients = data.get("patient_dtos")
    if not isinstance(patients, list) or not patients:
        raise GatewayError("input.data.patient_dtos must list the patients to audit")
    claims = []
    for p_index, patient in enumerate(patients[:50]):
        where = f"input.data.patient_dtos[{p_index}]"
        if not isinstance(patient, dict):
            raise GatewayError(f"{where} must be an object")
        psn_no = text(patient, "patn_id", where)
        person = repo.person(conn, psn_no)
        if person is None:
            raise GatewayError(f"{where}.patn_id: person {psn_no} not found")
        insurances = repo.insurances_of(conn, psn_no)
        encounters = patient.get("fsi_encounter_dtos")
        if not isinstance(encounters, list) or not encounters:
            raise GatewayError(f"{where}.fsi_encounter_dtos must list the encounters")
        for e_index, encounter in enumerate(encounters[:20]):
            w = f"{where}.fsi_encounter_dtos[{e_index}]"
            if not isinstance(encounter, dict):
                raise GatewayError(f"{w} must be an object")
            admitted = moment(encounter, "adm_date", w)
            discharged = moment(encounter, "dscg_date", w, required=False)
            diagnoses = encounter.get("fsi_diagnose_dtos") or []
            if not isinstance(diagnoses, list):
                raise GatewayError(f"{w}.fsi_diagnose_dtos must be an array")
            codes = [text(d, "dise_codg", f"{w}.fsi_diagnose_dtos[{i}]") for i, d in enumerate(diagnoses) if isinstance(d, dict)]
            main = text(encounter, "dscg_main_dise_codg", w, required=False) or next(
                (text(d, "dise_codg", w) for d in diagnoses if isinstance(d, dict) and str(d.get("maindise_flag")) == "1"),
                codes[0] if codes else "")
            orders = encounter.get("fsi_order_dtos") or []
            if not isinstance(orders, list):
                raise GatewayError(f"{w}.fsi_order_dtos must be an array")
            lines = []
            for o_index, order in enumerate(orders[:2000]):
                ow = f"{w}.fsi_order_dtos[{o_index}]"
                if not isinstance(order, dict):
                    raise GatewayError(f"{ow} must be an object")
                cnt, pric = number(order, "cnt", ow), number(order, "pric", ow)
                total = amount(order, "sumamt", ow, required=False)
                begin = moment(order, "drord_begn_date", ow, required=False) or admitted
                lines.append(Line(text(order, "rx_id", ow), text(order, "hilist_code", ow), begin.date(), cnt, pric,
                                  total if total is not None else (cnt * pric).quantize(Decimal("0.01"))))
            med_type = text(encounter, "med_type", w, required=False, default="11")
            claim = Claim(
                mdtrt_id=text(encounter, "mdtrt_id", w), psn_no=psn_no, certno=person["certno"], gend=person["gend"],
                fixmedins_code=request.institution["fixmedins_code"], medins_lv=request.institution["medins_lv"] or "",
                med_type=med_type, begndate=admitted.date(), enddate=discharged.date() if discharged else None,
                main_diag=main, diag_codes=tuple(c for c in codes if c != main), lines=tuple(lines), brdy=person["brdy"],
                insuplc_admdvs=insurances[0]["insuplc_admdvs"] if insurances else "",
                mdtrtarea_admvs=request.institution["admdvs"])
            claims.append((claim, person))
    return claims


def smart_audit(platform: Platform, conn: Connection, request: Request, stage: str) -> dict:
    from yibao.domain.audit import audit_claim, render_3101

    data = node(request, "data")
    found = audit.package_for(conn, request.institution["admdvs"])
    if found is None:
        return {"result": []}
    _, package = found
    wanted = data.get("rule_ids")
    if isinstance(wanted, str):
        wanted = [part for part in wanted.replace(";", ",").split(",") if part]
    elif wanted is not None and not (isinstance(wanted, list) and all(isinstance(part, str) for part in wanted)):
        raise GatewayError("input.data.rule_ids 应为规则编号的字符串或字符串数组")
    findings = []
    for claim, person in claims_from_patient_dtos(conn, request, data):
        history = audit.history_for(conn, person, claim.mdtrt_id, claim.begndate - dt.timedelta(days=365))
        findings += [f for f in audit_claim(claim, history, package, stage) if not wanted or f.rule_id in wanted]
    return {"result": render_3101(findings, package.rules, text(data, "task_id", "input.data", required=False))}


@transaction("3101", "明细审核事前分析服务", writes=False)
def audit_before(platform: Platform, conn: Connection, request: Request) -> dict:
    return smart_audit(platform, conn, request, "事前")


@transaction("3102", "明细审核事中分析服务", writes=False)
def audit_during(platform: Platform, conn: Connection, request: Request) -> dict:
    return smart_audit(platform, conn, request, "事中")


# --- reconciliation and clearing applications 3201/3202/3203/3204 -------------------------------------------------

def institution_totals(conn: Connection, request: Request, *, begin: dt.date, end: dt.date, clr_type: str | None,
                       insutype: str | None) -> dict:
    s = t.settlements
    query = select(
        func.count(), func.coalesce(func.sum(case((s.c.kind == "settlement", 1), else_=-1)), 0),
        func.coalesce(func.sum(s.c.medfee_sumamt_fen), 0), func.coalesce(func.sum(s.c.fund_pay_sumamt_fen), 0),
        func.coalesce(func.sum(s.c.acct_pay_fen), 0), func.coalesce(func.sum(s.c.psn_cash_pay_fen), 0),
    ).where(s.c.fixmedins_code == request.institution["fixmedins_code"], s.c.setl_time >= dt.datetime.combine(begin, dt.time()),
            s.c.setl_time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    if clr_type:
        query = query.where(s.c.clr_type == clr_type)
    if insutype:
        query = query.where(s.c.insutype == insutype)
    rows, net, medfee, fund, acct, cash = conn.execute(query).one()
    return {"rows": int(rows), "setl_cnt": int(net), "medfee_sumamt": repo.from_fen(int(medfee)),
            "fund_pay_sumamt": repo.from_fen(int(fund)), "acct_pay": repo.from_fen(int(acct)),
            "cash_payamt": repo.from_fen(int(cash))}


def period(data: dict, where: str) -> tuple[dt.date, dt.date]:
    begin = moment(data, "stmt_begndate", where, required=False) or moment(data, "begndate", where)
    end = moment(data, "stmt_enddate", where, required=False) or moment(data, "enddate", where)
    if end < begin:
        raise GatewayError(f"{where}: the end date is before the begin date")
    if (end - begin).days > 366:
        raise GatewayError(f"{where}: a period is at most one year")
    return begin.date(), end.date()


def differences(ours: dict, theirs: dict[str, Decimal | int | None]) -> list[str]:
    found = []
    for name, value in theirs.items():
        if value is not None and Decimal(str(ours[name])) != Decimal(str(value)):
            found.append(f"{name}: platform {ours[name]}, institution {value}")
    return found


@transaction("3201", "医药机构费用结算对总账", writes=False)
def reconcile_totals(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    begin, end = period(data, where)
    ours = institution_totals(conn, request, begin=begin, end=end, clr_type=text(data, "clr_type", where, required=False),
                              insutype=text(data, "insutype", where, required=False))
    diff = differences(ours, {
        "medfee_sumamt": amount(data, "medfee_sumamt", where, allow_negative=True),
        "fund_pay_sumamt": amount(data, "fund_pay_sumamt", where, allow_negative=True),
        "acct_pay": amount(data, "acct_pay", where, required=False, allow_negative=True),
        "setl_cnt": number(data, "fixmedins_setl_cnt", where, required=False, allow_negative=True),
    })
    return {"stmtinfo": {"setl_optins": request.institution["admdvs"], "stmt_rslt": "1" if diff else "0",
                         "stmt_rslt_dscr": "; ".join(diff) if diff else "平帐 (totals agree)"}}


@transaction("3202", "医药机构费用结算对明细账", writes=False)
def reconcile_detail(platform: Platform, conn: Connection, request: Request) -> dict:
    """Line by line. The national exchange uploads the detail file with 9101; here the lines
    come inline in ``data.detail`` (setl_id, medfee_sumamt, fund_pay_sumamt, acct_pay)."""
    data = node(request, "data")
    where = "input.data"
    begin, end = period(data, where)
    lines = data.get("detail")
    if not isinstance(lines, list):
        raise GatewayError("input.data.detail must list the institution's settlements (file exchange by 9101 is not offered)")
    s = t.settlements
    ours = {row["setl_id"]: dict(row) for row in conn.execute(select(s).where(
        s.c.fixmedins_code == request.institution["fixmedins_code"],
        s.c.setl_time >= dt.datetime.combine(begin, dt.time()),
        s.c.setl_time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))).mappings()}
    result, seen = [], set()
    for index, line in enumerate(lines):
        w = f"input.data.detail[{index}]"
        if not isinstance(line, dict):
            raise GatewayError(f"{w} must be an object")
        setl_id = text(line, "setl_id", w)
        seen.add(setl_id)
        theirs = {"medfee_sumamt": amount(line, "medfee_sumamt", w, allow_negative=True),
                  "fund_pay_sumamt": amount(line, "fund_pay_sumamt", w, allow_negative=True),
                  "acct_pay": amount(line, "acct_pay", w, required=False, allow_negative=True)}
        row = ours.get(setl_id)
        if row is None:
            memo = "not a settlement of this institution in the period on the platform"
            values = {key: value or Decimal(0) for key, value in theirs.items()}
            result.append({"psn_no": text(line, "psn_no", w, required=False), "mdtrt_id": text(line, "mdtrt_id", w, required=False),
                           "setl_id": setl_id, "msgid": "", "stmt_rslt": "1", "refd_setl_flag": "0", "memo": memo, **values})
            continue
        platform_values = {"medfee_sumamt": repo.from_fen(row["medfee_sumamt_fen"]),
                           "fund_pay_sumamt": repo.from_fen(row["fund_pay_sumamt_fen"]), "acct_pay": repo.from_fen(row["acct_pay_fen"])}
        diff = differences(platform_values, theirs)
        result.append({"psn_no": row["psn_no"], "mdtrt_id": row["mdtrt_id"], "setl_id": setl_id, "msgid": row["medins_setl_id"],
                       "stmt_rslt": "1" if diff else "0", "refd_setl_flag": "1" if row["kind"] == "reversal" else "0",
                       "memo": "; ".join(diff) if diff else "", **platform_values})
    for setl_id, row in sorted(ours.items()):
        if setl_id not in seen:
            result.append({"psn_no": row["psn_no"], "mdtrt_id": row["mdtrt_id"], "setl_id": setl_id, "msgid": row["medins_setl_id"],
                           "stmt_rslt": "1", "refd_setl_flag": "1" if row["kind"] == "reversal" else "0",
                           "memo": "settled on the platform but missing from the institution's detail",
                           "medfee_sumamt": repo.from_fen(row["medfee_sumamt_fen"]),
                           "fund_pay_sumamt": repo.from_fen(row["fund_pay_sumamt_fen"]), "acct_pay": repo.from_fen(row["acct_pay_fen"])})
    mismatches = sum(1 for row in result if row["stmt_rslt"] == "1")
    return {"stmtinfo": {"setl_optins": request.institution["admdvs"], "stmt_rslt": "1" if mismatches else "0",
                         "stmt_rslt_dscr": f"{mismatches} of {len(result)} lines differ" if mismatches else "平帐 (every line agrees)"},
            "result": result}


@transaction("3203", "清算申请", writes=True)
def clearing_application(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    clr_type = text(data, "clr_type", where)
    setlym = text(data, "setlym", where, required=False)
    if setlym and not data.get("begndate"):
        if not YEAR_MONTH.fullmatch(setlym):  # text() refuses these already
            raise GatewayError(f"input.data.setlym 应为 yyyyMM（月份 01–12），收到 {setlym!r}")
        year, month = int(setlym[:4]), int(setlym[4:])
        if not EARLIEST.year <= year <= LATEST.year:
            raise GatewayError(f"input.data.setlym 年份超出范围（{EARLIEST.year}–{LATEST.year}），收到 {setlym!r}")
        first = dt.date(year, month, 1)
        last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        begin, end = first, last
    else:
        begin, end = period(data, where)
    ours = institution_totals(conn, request, begin=begin, end=end, clr_type=clr_type, insutype=None)
    diff = differences(ours, {
        "setl_cnt": number(data, "psntime", where, required=False, allow_negative=True),
        "medfee_sumamt": amount(data, "medfee_sumamt", where, allow_negative=True),
        "fund_pay_sumamt": amount(data, "fund_appy_sum", where, allow_negative=True),
        "acct_pay": amount(data, "acct_pay", where, required=False, allow_negative=True),
        "cash_payamt": amount(data, "cash_payamt", where, required=False, allow_negative=True),
    })
    if diff:
        raise GatewayError("the application does not match the platform's settlements: " + "; ".join(diff))
    a = t.clearing_applications
    # One institution's applications of a clearing type queue here, then the overlap check
    # reads what the earlier ones committed (docs/locking.md, rank 4).
    repo.lock_key(conn, f"clearing-application/{request.institution['fixmedins_code']}/{clr_type}")
    overlap = conn.execute(select(a.c.clr_appy_evt_id).where(
        a.c.fixmedins_code == request.institution["fixmedins_code"], a.c.clr_type == clr_type, a.c.status == "applied",
        a.c.begndate <= end, a.c.enddate >= begin)).first()
    if overlap:
        raise GatewayError(f"application {overlap[0]} already covers part of {begin}..{end}; cancel it (3204) first")
    evt = new_id("CA")
    conn.execute(insert(a).values(
        clr_appy_evt_id=evt, fixmedins_code=request.institution["fixmedins_code"], clr_type=clr_type, begndate=begin,
        enddate=end, setl_cnt=ours["setl_cnt"], medfee_sumamt_fen=repo.to_fen(ours["medfee_sumamt"]),
        fund_pay_sumamt_fen=repo.to_fen(ours["fund_pay_sumamt"]), acct_pay_fen=repo.to_fen(ours["acct_pay"]),
        status="applied", created_at=request.now))
    return {"result": {"clr_appy_evt_id": evt}}


@transaction("3204", "清算申请撤销", writes=True)
def clearing_application_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    evt = text(data, "clr_appy_evt_id", "input.data")
    a = t.clearing_applications
    query = select(a).where(a.c.clr_appy_evt_id == evt)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None or row["fixmedins_code"] != request.institution["fixmedins_code"]:
        raise GatewayError(f"clearing application {evt} not found for this institution")
    if row["status"] != "applied":
        raise GatewayError(f"clearing application {evt} is {row['status']}")
    conn.execute(update(a).where(a.c.clr_appy_evt_id == evt).values(status="cancelled", cancelled_at=request.now))
    return {}


# --- queries 5201/5203/5204/5206 ---------------------------------------------------------------------------------

@transaction("5201", "就诊信息查询", writes=False)
def visit_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    query = select(t.visits).where(t.visits.c.psn_no == psn_no, t.visits.c.fixmedins_code == request.institution["fixmedins_code"])
    if data.get("mdtrt_id"):
        query = query.where(t.visits.c.mdtrt_id == text(data, "mdtrt_id", "input.data"))
    if data.get("med_type"):
        query = query.where(t.visits.c.med_type == text(data, "med_type", "input.data"))
    begin = moment(data, "begntime", "input.data", required=False)
    end = moment(data, "endtime", "input.data", required=False)
    if begin:
        query = query.where(t.visits.c.begntime >= begin)
    if end:
        query = query.where(t.visits.c.begntime <= end)
    rows = conn.execute(query.order_by(t.visits.c.begntime).limit(1000)).mappings()
    return {"mdtrtinfo": [
        {"mdtrt_id": r["mdtrt_id"], "psn_no": r["psn_no"], "insutype": r["insutype"], "med_type": r["med_type"],
         "ipt_otp_no": r["ipt_otp_no"], "begntime": r["begntime"].strftime("%Y-%m-%d %H:%M:%S"),
         "endtime": r["endtime"].strftime("%Y-%m-%d %H:%M:%S") if r["endtime"] else "",
         "insuplc_admdvs": r["insuplc_admdvs"], "mdtrtarea_admvs": r["mdtrtarea_admvs"],
         "dise_codg": r["dise_codg"], "dise_name": r["dise_name"], "vali_flag": "0" if r["status"] == "cancelled" else "1"}
        for r in rows
    ]}


@transaction("5203", "结算信息查询", writes=False)
def settlement_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    row = own_settlement(conn, request, text(data, "setl_id", "input.data"))
    psn_no = text(data, "psn_no", "input.data")
    if row["psn_no"] != psn_no:
        raise GatewayError(f"settlement {row['setl_id']} is not of person {psn_no}")
    visit = repo.visit(conn, row["mdtrt_id"])
    person = repo.person(conn, psn_no)
    insurance = repo.insurance(conn, psn_no, row["insutype"])
    output = settlement_output(row, visit, person, insurance)
    output["setlinfo"]["refd_setl_flag"] = "1" if (row["kind"] == "reversal" or repo.reversal_of(conn, row["setl_id"])) else "0"
    return output


@transaction("5204", "费用明细查询", writes=False)
def fee_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    if data.get("setl_id"):
        row = own_settlement(conn, request, text(data, "setl_id", "input.data"))
        visit = own_visit(conn, request, row["mdtrt_id"], psn_no)
    else:
        visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), psn_no)
    lines = repo.fee_lines(conn, visit["mdtrt_id"], status=None)
    day = (visit["endtime"] or visit["begntime"]).date()
    catalog = repo.catalog_entries(conn, visit["mdtrtarea_admvs"], {line["med_list_codg"] for line in lines}, day)
    output = []
    for line, split in zip(lines, split_output(lines, catalog)):
        output.append({**split, "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no, "med_list_codg": line["med_list_codg"],
                       "medins_list_codg": line["medins_list_codg"], "chrg_bchno": line["chrg_bchno"],
                       "fee_ocur_time": line["fee_ocur_time"].strftime("%Y-%m-%d %H:%M:%S"),
                       "vali_flag": "1" if line["status"] == "uploaded" else "0"})
    return {"output": output}


@transaction("5206", "人员累计信息查询", writes=False)
def accumulation_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    cum_ym = text(data, "cum_ym", "input.data", required=False, default=request.now.strftime("%Y%m"))
    if len(cum_ym) != 6 or not cum_ym.isdigit():
        raise GatewayError("input.data.cum_ym must be yyyyMM")
    if repo.person(conn, psn_no) is None:
        raise GatewayError(f"person {psn_no} not found")
    rows = []
    for insurance in repo.insurances_of(conn, psn_no):
        ytd = repo.year_to_date(conn, psn_no, insurance["insutype"], int(cum_ym[:4]))
        for category, values in ytd.as_dict().items():
            for key, value in sorted(values.items()):
                rows.append({"insutype": insurance["insutype"], "year": cum_ym[:4], "cum_ym": cum_ym,
                             "cum_type_code": f"{category}.{key}",
                             "cum": Decimal(value) if category == "visits" else fen(value)})
    return {"cuminfo": rows}
