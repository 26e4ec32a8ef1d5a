"""Lenient field readers for the national input (nhsa-interface.md §1, and the appendix's variations)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any



from yibao.app.error_codes import refusal
from .json_input import MAX_JSON_DEPTH, _bad_character, _has_bad_character, _path, _shown, check_json, load_json, parse_json
from .registry import Request


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
            raise refusal("INPUT_TOO_DEEP", field=_shown(_path(where, name)), limit=MAX_JSON_DEPTH) from None
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
            raise refusal("INPUT_REQUIRED", field=f"input.{name}")
        return [] if many else {}
    if isinstance(value, str):
        value = parse_json(value, f"input.{name}", refusal("INPUT_NOT_JSON", field=f"input.{name}"))
    if many:
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise refusal("INPUT_NOT_OBJECT_ARRAY", field=f"input.{name}")
        return [_checked_object(item, f"input.{name}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, dict):
        raise refusal("INPUT_NOT_OBJECT", field=f"input.{name}")
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
    "file_qury_no": 30, "filename": 200, "fixmedins_code": 30, "fixmedins_name": 200, "fixmedins_type": 6, "ver": 20,
    "fixmedins_hilist_id": 150, "fixmedins_hilist_name": 200, "medins_list_name": 200, "aprvno": 30, "dosform": 200,
    "exct_cont": 2000, "item_cont": 2000, "prcunt": 100, "spec": 200, "pacspec": 100, "vali_flag": 1,
    "hilist_lmtpric_type": 6, "overlmt_dspo_way": 6, "selfpay_prop_psn_type": 6, "selfpay_prop_type": 6,
    # departments (3401–3403), practitioners (5102), 人员定点备案 (2505), settlement lists (4101–4104, 4401)
    "hosp_dept_codg": 30, "hosp_dept_name": 100, "caty": 6, "itro": 500, "dept_resper_name": 50,
    "dept_resper_tel": 50, "dept_med_serv_scp": 500, "poolarea_no": 6, "prac_psn_type": 6, "prac_psn_code": 20,
    "prac_psn_name": 50, "psn_cert_type": 6, "certno": 50, "biz_appy_type": 3, "fix_srt_no": 3,
    "setl_list_id": 30, "stas_type": 1, "medcasno": 40, "hi_paymtd": 6, "adm_cond_type": 6,
    "oprn_oprt_type": 6, "oprn_oprt_code": 30, "oprn_oprt_name": 200, "anst_way": 6, "oper_dr_code": 30,
    "oper_dr_name": 50, "anst_dr_code": 30, "anst_dr_name": 50, "fund_pay_type": 6, "med_chrgitm": 6,
    # e-prescriptions (7101–7105, 2101/2102 lines; migration 0018)
    "hosp_rxno": 40, "hi_rxno": 30, "rx_trace_code": 40, "rx_type_code": 6, "rxno": 30, "rx_circ_flag": 3,
    "drug_genname": 200, "maindiag_code": 30, "undo_rea": 200,
}
YEAR_MONTH = re.compile(r"[0-9]{4}(0[1-9]|1[0-2])")
FIELD_FORMATS = {"cum_ym": YEAR_MONTH, "setlym": YEAR_MONTH}  # yyyyMM, ASCII digits, month 01–12


def _fields(data: Any, where: str) -> dict:
    """The object a reader reads a field of; a list, string or number there is refused."""
    if not isinstance(data, dict):
        raise refusal("INPUT_NOT_OBJECT", field=_shown(where))
    return data


def text(data: dict, field: str, where: str, *, required: bool = True, default: str = "",
         limit: int | None = None) -> str:
    """``limit``: another longest length than FIELD_LENGTHS' (a field whose meaning depends on
    another's value, e.g. an e-voucher token in mdtrt_cert_no)."""
    value = _fields(data, where).get(field)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise refusal("INPUT_REQUIRED", field=_path(where, field))
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise refusal("INPUT_NOT_STRING", field=_path(where, field))
    value = str(value).strip()
    if "\x00" in value:
        raise refusal("INPUT_NUL_CHARACTER", field=_path(where, field))
    if _has_bad_character(value):
        raise _bad_character(value, _path(where, field))
    limit = limit or FIELD_LENGTHS.get(field, 200)
    if len(value) > limit:
        raise refusal("INPUT_TOO_LONG", field=_path(where, field), limit=limit)
    pattern = FIELD_FORMATS.get(field)
    if pattern is not None and not pattern.fullmatch(value):
        raise refusal("INPUT_BAD_YEAR_MONTH", field=_path(where, field), value=repr(value[:30]))
    return value


NUMBER_LIMIT = Decimal("1e12")
NUMBER_DECIMALS = 8  # cnt and pric are stored as text of at most 24 characters (fee_lines)
_NUMBER_QUANTUM = Decimal(1).scaleb(-NUMBER_DECIMALS)


def number(data: dict, field: str, where: str, *, required: bool = True, allow_negative: bool = False) -> Decimal | None:
    value = _fields(data, where).get(field)
    if value is None or value == "":
        if required:
            raise refusal("INPUT_REQUIRED", field=f"{where}.{field}")
        return None
    if isinstance(value, bool):
        raise refusal("INPUT_NOT_NUMBER", field=f"{where}.{field}", value=repr(value))
    if isinstance(value, str) and len(value) > 100:
        raise refusal("INPUT_OUT_OF_RANGE", field=f"{where}.{field}")
    try:
        result = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise refusal("INPUT_NOT_NUMBER", field=f"{where}.{field}", value=repr(str(value)[:30])) from None
    # compared, not abs(): abs() rounds to the context and overflows on an exponent like 1e999999999
    if not result.is_finite() or result > NUMBER_LIMIT or result < -NUMBER_LIMIT:
        raise refusal("INPUT_OUT_OF_RANGE", field=f"{where}.{field}")
    if result < 0 and not allow_negative:
        raise refusal("INPUT_NEGATIVE", field=f"{where}.{field}")
    if result.as_tuple().exponent < -NUMBER_DECIMALS:
        shorter = result.quantize(_NUMBER_QUANTUM)
        if shorter != result:
            raise refusal("INPUT_TOO_MANY_DECIMALS", field=f"{where}.{field}", limit=NUMBER_DECIMALS)
        result = shorter
    return result


def amount(data: dict, field: str, where: str, **kwargs) -> Decimal | None:
    value = number(data, field, where, **kwargs)
    if value is not None and value != value.quantize(Decimal("0.01")):
        raise refusal("INPUT_TOO_MANY_DECIMALS", field=f"{where}.{field}", limit=2)
    return value


DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d%H%M%S", "%Y%m%d")
EARLIEST, LATEST = dt.datetime(1900, 1, 1), dt.datetime(2999, 12, 31, 23, 59, 59)


_COMMON_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def _common_moment(shown: str) -> dt.datetime | None:
    """The form nearly every HIS sends (yyyy-MM-dd HH:mm:ss, nhsa-interface §1) read without
    strptime, which costs more than the rest of a fee line's reading; the same value strptime's
    first format gives, and None (the formats in order) for anything else or out of range."""
    if len(shown) != 19 or not _COMMON_MOMENT.fullmatch(shown):
        return None
    try:
        found = dt.datetime(int(shown[:4]), int(shown[5:7]), int(shown[8:10]), int(shown[11:13]), int(shown[14:16]),
                            int(shown[17:19]))
    except ValueError:
        return None
    return found if EARLIEST <= found <= LATEST else None


def moment(data: dict, field: str, where: str, *, required: bool = True, default: dt.datetime | None = None) -> dt.datetime | None:
    value = _fields(data, where).get(field)
    if value in (None, ""):
        if required:
            raise refusal("INPUT_REQUIRED", field=f"{where}.{field}")
        return default
    shown = str(value).strip()[:64]
    found = _common_moment(shown)
    if found is not None:
        return found
    for pattern in DATETIME_FORMATS:
        try:
            found = dt.datetime.strptime(shown, pattern)
        except ValueError:
            continue
        if not EARLIEST <= found <= LATEST:
            # dates far out overflow the platform's date arithmetic (a day after, a year before)
            raise refusal("INPUT_DATE_OUT_OF_RANGE", field=f"{where}.{field}", earliest=f"{EARLIEST:%Y-%m-%d}",
                          latest=f"{LATEST:%Y-%m-%d}", value=repr(shown[:30]))
        return found
    raise refusal("INPUT_NOT_DATETIME", field=f"{where}.{field}", value=repr(str(value)[:30]))


def flag(data: dict, field: str, default: bool) -> bool:
    value = data.get(field) if isinstance(data, dict) else None
    if value in (None, ""):
        return default
    return str(value).strip() in ("1", "true", "True", "Y", "y")


