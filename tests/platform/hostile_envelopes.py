"""Generated hostile envelopes for the in-process fuzz test and bench/fuzz_envelopes.py.

Each envelope starts as a plausible request of one transaction (real institution, sign-in,
person, visits and catalogue codes, so the handlers are reached), then gets one to three
hostile changes: integers past Python's 4300-digit limit, exponents like 1e999999999,
NaN, lone UTF-16 surrogates (escaped and as raw bytes), NUL, deep nesting (inside the body,
inside ``input`` given as a string, inside a node), lists and strings where objects belong,
values longer than their columns, impossible months and dates, wrong types, and
broken or truncated JSON. Values that ``json.dumps`` cannot write (huge integers, huge
exponents) are spliced into the text as raw literals.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from yibao.app.error_codes import code_of
from yibao.gateway.dispatch import Dispatcher
from yibao.gateway.registry import TRANSACTIONS

MARK = "@@raw{}@@"

RAW_NUMBERS = [
    "9" * 4301, "-" + "9" * 5000, "1" + "0" * 4400, "1e999999999", "-1e999999999", "1e-999999999", "1E+400",
    "1e999999999999", "12345678901234567890.123456789012345678", "NaN", "Infinity", "-Infinity", "1e26", "9.99e25",
    "999999999999.99", "1000000000000.01", "0.000000001", "1e-30", "-0", "0", "3",
]
RAW_STRINGS = [
    '"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"', '"\\u0000"', '"x\\u0000y"', '"\\ud83d\\ude00"',
]
DEEP = ["[" * 100 + "]" * 100, "[" * 3000 + "]" * 3000, '{"a":' * 70 + "1" + "}" * 70, "{" * 2000 + "}" * 2000]
STRINGS = [
    "x" * 31, "x" * 41, "x" * 51, "y" * 101, "z" * 151, "w" * 201, "v" * 20000, "𠜎" * 40, "中" * 31, "",
    "   ", "2024-13-01", "9999-12-31", "0001-01-01", "20241301", "2024-02-30", "1899-12-31", "3000-01-01",
    "2024-06-01 25:61:61", "202413", "000001", "999912", "²²²²²²", "202400", "190001", "1e12", "-1", "１２３",
    "1_000", "NaN", "Infinity", "0x10", "' OR '1'='1", "<script>", "[", "{", "[1, 2]", '{"a": 1}', "null",
]
CONTAINERS: list[Any] = [[], {}, [1, 2], {"x": 1}, [{"psn_no": []}], [[[]]], True, False, None, 0, -1, 1.5]


@dataclass
class Context:
    """What a plausible request of the fuzzed institution needs."""

    code: str
    secret: str
    admdvs: str
    sign_no: str
    insuplc: str
    psn_no: str
    certno: str
    insutype: str
    med_list_codg: str
    outpatient_id: str
    inpatient_id: str
    other_code: str = "H00000000000"
    counter: list[int] = field(default_factory=lambda: [0])

    def msgid(self) -> str:
        self.counter[0] += 1
        return f"FZ{self.counter[0]:012d}"


def call(dispatcher: Dispatcher, context: Context, infno: str, input_: Any) -> dict:
    message = {"infno": infno, "msgid": context.msgid(), "fixmedins_code": context.code, "sign_no": context.sign_no,
               "mdtrtarea_admvs": context.admdvs, "insuplc_admdvs": context.insuplc, "opter": "1", "input": input_}
    answer = json.loads(dispatcher.handle_bytes(json.dumps(message, default=str).encode(), headers(context)))
    if answer["infcode"] != 0:
        raise RuntimeError(f"setting up the fuzz world: {infno} refused: {answer['err_msg']}")
    return answer["output"]


def headers(context: Context) -> dict:
    return {"x-tif-paasid": context.code, "apikey": context.secret}


def prepare(dispatcher: Dispatcher, setup) -> Context:
    """Sign in and open an outpatient and an inpatient visit of the golden setup's person."""
    institution, person, case = setup.institution, setup.person, setup.case
    context = Context(code=institution["fixmedins_code"], secret=institution["secret"], admdvs=institution["admdvs"],
                      sign_no="", insuplc=case["visit"]["insuplc_admdvs"], psn_no=person["psn_no"],
                      certno=person["certno"], insutype=person["insutype"], med_list_codg=case["catalog"][0]["code"],
                      outpatient_id="", inpatient_id="")
    context.sign_no = call(dispatcher, context, "9001", {"signIn": {"opter_no": "0001"}})["signinoutb"]["sign_no"]
    now = f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}"
    context.outpatient_id = call(dispatcher, context, "2201", {"data": {
        "psn_no": context.psn_no, "insutype": context.insutype, "begntime": now, "ipt_otp_no": f"FZMZ{context.msgid()}"}}
    )["data"]["mdtrt_id"]
    context.inpatient_id = call(dispatcher, context, "2401", {"mdtrtinfo": {
        "psn_no": context.psn_no, "insutype": context.insutype, "begntime": now, "med_type": "21",
        "ipt_no": f"FZZY{context.msgid()}"}})["result"]["mdtrt_id"]
    return context


def base_input(infno: str, c: Context, rng: random.Random) -> dict:
    """A plausible input of ``infno`` (most would be answered, some refused on business grounds)."""
    now = f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}"
    visit = rng.choice([c.outpatient_id, c.inpatient_id])
    line = {"feedetl_sn": f"{rng.randrange(10**6):06d}", "mdtrt_id": visit, "psn_no": c.psn_no, "fee_ocur_time": now,
            "med_list_codg": c.med_list_codg, "medins_list_codg": "YN1", "cnt": 2, "pric": "10.50",
            "det_item_fee_sumamt": "21.00", "chrg_bchno": "B1", "exp_content": json.dumps({"er_flag": "0"})}
    data = {"psn_no": c.psn_no, "mdtrt_id": visit, "insutype": c.insutype, "med_type": "11", "begntime": now,
            "mdtrt_cert_type": "02", "mdtrt_cert_no": c.certno, "ipt_otp_no": f"FZ{rng.randrange(10**9)}",
            "medfee_sumamt": "21.00", "chrg_bchno": "B1", "setl_id": "SL0000000000", "acct_used_flag": "1",
            "exp_content": '{"er_flag": "1"}'}
    period = {"clr_type": "11", "setlym": "202611", "stmt_begndate": "2026-11-01", "stmt_enddate": "2026-11-30",
              "begndate": "2026-11-01", "enddate": "2026-11-30", "medfee_sumamt": "0.00", "fund_pay_sumamt": "0.00",
              "fund_appy_sum": "0.00", "psntime": 0, "detail": [{"setl_id": "SL1", "medfee_sumamt": "1.00",
                                                                  "fund_pay_sumamt": "0.00"}]}
    shapes: dict[str, Callable[[], dict]] = {
        "9001": lambda: {"signIn": {"opter_no": "0001", "mac": "", "ip": "127.0.0.1"}},
        "9002": lambda: {"signOut": {"sign_no": "nosuchsign"}},
        "1101": lambda: {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": c.certno}},
        "2001": lambda: {"data": {"psn_no": c.psn_no, "insutype": c.insutype, "med_type": "11", "begntime": now}},
        "1312": lambda: {"data": {"page_num": 1, "page_size": 10, "hilist_code": c.med_list_codg}},
        "1901": lambda: {"data": {"type": "insutype"}},
        "2201": lambda: {"data": data},
        "2202": lambda: {"data": {"mdtrt_id": "31000000000", "psn_no": c.psn_no}},
        "2203": lambda: {"mdtrtinfo": dict(data, mdtrt_id=c.outpatient_id),
                         "diseinfo": [{"diag_type": "1", "diag_srt_no": "1", "diag_code": "J06.900", "diag_name": "感冒"}]},
        "2204": lambda: {"feedetail": [dict(line, mdtrt_id=c.outpatient_id), dict(line, mdtrt_id=c.outpatient_id, feedetl_sn="X2")]},
        "2205": lambda: {"data": {"mdtrt_id": c.outpatient_id, "psn_no": c.psn_no, "chrg_bchno": "NOSUCH"}},
        "2206": lambda: {"data": dict(data, mdtrt_id=c.outpatient_id)},
        "2207": lambda: {"data": dict(data, mdtrt_id="31000000000")},
        "2208": lambda: {"data": {"setl_id": "SL0000000000", "mdtrt_id": c.outpatient_id, "psn_no": c.psn_no}},
        "2301": lambda: {"feedetail": [dict(line, mdtrt_id=c.inpatient_id, cnt=-1, det_item_fee_sumamt="-10.50",
                                            init_feedetl_sn="NOSUCH")]},
        "2302": lambda: {"data": [{"mdtrt_id": c.inpatient_id, "feedetl_sn": "NOSUCH", "psn_no": c.psn_no}]},
        "2303": lambda: {"data": dict(data, mdtrt_id=c.inpatient_id)},
        "2304": lambda: {"data": dict(data, mdtrt_id="31000000000")},
        "2305": lambda: {"data": {"setl_id": "SL0000000000", "mdtrt_id": c.inpatient_id, "psn_no": c.psn_no}},
        "2401": lambda: {"mdtrtinfo": dict(data, med_type="21", ipt_no=f"FZ{rng.randrange(10**9)}"),
                         "diseinfo": [{"diag_type": "1", "maindiag_flag": "1", "diag_code": "J18.900"}]},
        "2402": lambda: {"dscginfo": {"mdtrt_id": "31000000000", "psn_no": c.psn_no, "endtime": now}, "diseinfo": []},
        "2403": lambda: {"adminfo": {"mdtrt_id": c.inpatient_id, "med_type": "21", "begntime": now}},
        "2404": lambda: {"data": {"mdtrt_id": "31000000000", "psn_no": c.psn_no}},
        "2405": lambda: {"data": {"mdtrt_id": c.inpatient_id, "psn_no": c.psn_no}},
        "2101": lambda: {"druginfo": dict(data, med_type="41"), "drugdetail": [line]},
        "2102": lambda: {"druginfo": dict(data, med_type="41", psn_no="NOSUCH"), "drugdetail": [line]},
        "2103": lambda: {"data": {"setl_id": "SL0000000000", "mdtrt_id": "31000000000", "psn_no": c.psn_no}},
        "2601": lambda: {"data": {"psn_no": c.psn_no, "omsgid": "NOSUCH", "oinfno": rng.choice(["2207", "2201", "9999"])}},
        "2501": lambda: {"refmedin": {"psn_no": c.psn_no, "mdtrtarea_admdvs": "110000", "reflin_medins_no": "H1",
                                      "begndate": "2026-11-01", "enddate": "2026-12-31"}},
        "2502": lambda: {"data": {"trt_dcla_detl_sn": "FL0000000000", "psn_no": c.psn_no}},
        "2503": lambda: {"data": {"psn_no": c.psn_no, "opsp_dise_code": "M03900", "begndate": "2026-11-01"}},
        "2504": lambda: {"data": {"trt_dcla_detl_sn": "QL0000000000", "psn_no": c.psn_no}},
        "5301": lambda: {"data": {"psn_no": c.psn_no}},
        "5304": lambda: {"data": {"psn_no": c.psn_no}},
        "3101": lambda: {"data": {"patient_dtos": [{"patn_id": c.psn_no, "fsi_encounter_dtos": [{
            "mdtrt_id": visit, "adm_date": now, "med_type": "11", "fsi_diagnose_dtos": [{"dise_codg": "J06.900"}],
            "fsi_order_dtos": [{"rx_id": "R1", "hilist_code": c.med_list_codg, "cnt": 1, "pric": 10}]}]}],
            "rule_ids": "R1,R2", "task_id": "T1"}},
        "3201": lambda: {"data": period},
        "3202": lambda: {"data": period},
        "3203": lambda: {"data": {k: v for k, v in period.items() if k not in ("begndate", "stmt_begndate")}},
        "3204": lambda: {"data": {"clr_appy_evt_id": "CA0000000000"}},
        "5201": lambda: {"data": {"psn_no": c.psn_no, "mdtrt_id": visit, "begntime": "2020-01-01"}},
        "5203": lambda: {"data": {"psn_no": c.psn_no, "setl_id": "SL0000000000"}},
        "5204": lambda: {"data": {"psn_no": c.psn_no, "mdtrt_id": visit}},
        "5206": lambda: {"data": {"psn_no": c.psn_no, "cum_ym": "202611"}},
    }
    dept = {"hosp_dept_codg": f"K{rng.randrange(100)}", "hosp_dept_name": "内科", "caty": "A03", "begntime": now,
            "aprv_bed_cnt": 10, "hi_crtf_bed_cnt": 5}
    setlinfo = {"setl_id": "SL0000000000", "mdtrt_id": visit, "psn_no": c.psn_no, "acct_pay": "0.00"}
    shapes.update({
        "3401": lambda: {"deptinfo": dept}, "3401A": lambda: {"deptinfo": [dept]}, "3402": lambda: {"deptinfo": dept},
        "3403": lambda: {"data": {"hosp_dept_codg": dept["hosp_dept_codg"], "hosp_dept_name": "内科"}},
        "5101": lambda: {"data": {}}, "5102": lambda: {"data": {"prac_psn_type": "1"}},
        "2505": lambda: {"data": {"psn_no": c.psn_no, "biz_appy_type": "01", "fix_srt_no": "1", "begndate": "2026-11-01",
                                  "fixmedins_code": c.code, "fixmedins_name": "x"}},
        "2506": lambda: {"data": {"trt_dcla_detl_sn": "DD0000000000", "psn_no": c.psn_no}},
        "5302": lambda: {"data": {"psn_no": c.psn_no, "biz_appy_type": "01"}},
        "4101": lambda: {"setlinfo": setlinfo, "payinfo": [{"fund_pay_type": "310100", "fund_payamt": "1.00"}],
                         "diseinfo": [{"diag_type": "1", "diag_code": "J06.900", "maindiag_flag": "1"}],
                         "iteminfo": [{"med_chrgitm": "01", "amt": "21.00"}], "oprninfo": [{"oprn_oprt_code": "88.7200"}]},
        "4102": lambda: {"stastinfo": [{"setl_id": "SL0000000000", "stas_type": "1"}]},
        "4103": lambda: {"data": {"setl_id": "SL0000000000"}}, "4104": lambda: {"data": {"setl_id": "SL0000000000"}},
        "4401": lambda: {"baseinfo": {"mdtrt_id": c.inpatient_id, "psn_no": c.psn_no},
                         "diseinfo": [{"maindiag_flag": "1", "diag_code": "J18.900"}]},
        "5202": lambda: {"data": {"psn_no": c.psn_no, "mdtrt_id": visit}},
        "5205": lambda: {"data": {"psn_no": c.psn_no, "begntime": "2026-01-01"}},
        "5303": lambda: {"data": {"psn_no": c.psn_no}},
    })
    shapes["4101A"] = shapes["4101"]
    shapes["3102"] = shapes["3101"]
    return json.loads(json.dumps(shapes.get(infno, lambda: {"data": data})()))


def places(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += places(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += places(item, prefix + (index,))
    return found


class Generator:
    """Deterministic hostile envelopes (bytes) for one prepared context."""

    def __init__(self, context: Context, seed: int = 1):
        self.context = context
        self.rng = random.Random(seed)
        self.infnos = sorted(TRANSACTIONS)

    def hostile_value(self, raw: dict[str, str]) -> Any:
        rng = self.rng
        kind = rng.randrange(9)
        if kind == 0:
            token = MARK.format(len(raw))
            raw[token] = rng.choice(RAW_NUMBERS)
            return token
        if kind == 1:
            token = MARK.format(len(raw))
            raw[token] = rng.choice(RAW_STRINGS)
            return token
        if kind == 2:
            token = MARK.format(len(raw))
            raw[token] = rng.choice(DEEP)
            return token
        if kind == 3:  # a JSON string of something hostile (a node or value given as a string)
            inner = rng.choice(DEEP + RAW_NUMBERS + RAW_STRINGS + ["[1, 2]", '"x"', "{", "[]", '{"a": [1, {"b": "\\ud800"}]}'])
            return inner
        if kind == 4:
            return copy.deepcopy(rng.choice(CONTAINERS))
        return rng.choice(STRINGS)

    def envelope(self) -> tuple[bytes, dict, str]:
        rng, c = self.rng, self.context
        infno = rng.choice(self.infnos)
        message: dict[str, Any] = {
            "infno": infno, "msgid": c.msgid(), "fixmedins_code": c.code, "sign_no": c.sign_no,
            "mdtrtarea_admvs": c.admdvs, "insuplc_admdvs": c.insuplc, "opter": "1", "opter_name": "收费员",
            "infver": "V1.0", "input": base_input(infno, c, rng),
        }
        raw: dict[str, str] = {}
        for _ in range(rng.randint(1, 3)):
            self.mutate(message, raw)
        as_string = rng.random() < 0.15 and isinstance(message.get("input"), dict)
        if as_string:  # the whole input as a JSON string, hostile literals inside it
            inner = json.dumps(message["input"], ensure_ascii=False)
            for token, literal in raw.items():
                inner = inner.replace(json.dumps(token), literal)
            message["input"] = inner
            raw = {}
        text = json.dumps(message, ensure_ascii=rng.random() < 0.5)
        for token, literal in raw.items():
            text = text.replace(json.dumps(token), literal)
        if rng.random() < 0.03:
            text = text[: rng.randrange(len(text))]  # truncated
        body = text.encode("utf-8", "surrogatepass")  # a raw lone surrogate stays raw bytes
        hdr = headers(c) if rng.random() < 0.95 else {"x-tif-paasid": c.code, "apikey": "wrong"}
        return body, hdr, infno

    def mutate(self, message: dict, raw: dict[str, str]) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.60:  # a value or node of the input
            spots = [p for p in places(message["input"]) if p] if isinstance(message["input"], (dict, list)) else []
            if not spots:
                message["input"] = self.hostile_value(raw)
                return
            spot = rng.choice(spots)
            parent = message["input"]
            for key in spot[:-1]:
                parent = parent[key]
            parent[spot[-1]] = self.hostile_value(raw)
        elif roll < 0.72:  # an envelope field
            name = rng.choice(["infno", "msgid", "fixmedins_code", "sign_no", "insuplc_admdvs", "mdtrtarea_admvs",
                               "opter", "input"])
            message[name] = self.hostile_value(raw)
        elif roll < 0.82:  # an extra key, hostile name or value
            target = message["input"] if isinstance(message["input"], dict) and rng.random() < 0.7 else message
            key = rng.choice(["extra", "\ud800", "x\x00", "𠜎" * 3, "psn_no", "exp_content"])
            target[key] = self.hostile_value(raw)
        elif roll < 0.90:  # a raw surrogate character in a string (raw UTF-8 bytes ED A0 80 on the wire)
            message["opter_name"] = "收费\ud800员"
        else:  # a known field with a value one longer than its column
            from yibao.gateway.readers import FIELD_LENGTHS

            target = message["input"]
            while isinstance(target, dict) and target and rng.random() < 0.7:
                values = [v for v in target.values() if isinstance(v, (dict, list))]
                if not values:
                    break
                target = rng.choice(values)
                if isinstance(target, list):
                    target = next((item for item in target if isinstance(item, dict)), {})
            if isinstance(target, dict):
                name = rng.choice(sorted(FIELD_LENGTHS))
                target[name] = "7" * (FIELD_LENGTHS[name] + 1)


def classify(text: str, logged_error: bool) -> str:
    """An answer's class for the bench: answered, refused (clear message), internal error, broken."""
    try:
        answer = json.loads(text)
    except ValueError:
        return "broken answer (not JSON)"
    if not isinstance(answer, dict) or answer.get("infcode") not in (0, -1):
        return "broken answer (not an envelope)"
    if answer["infcode"] == 0:
        return "answered (infcode 0)"
    code = code_of(answer.get("err_msg", ""))
    if code == "SYSTEM_INTERNAL_ERROR":
        return "internal error"
    if logged_error:
        return "refused, but an error was logged"
    if code == "ENVELOPE_VALUE_NOT_STORABLE":
        return "refused by the database (DataError)"
    return "refused (infcode -1, clear message)"
