"""``yibao conformance``: a HIS vendor's test pack, run against any gateway that speaks the
national interface (yibao or another), as the vendor's own client would call it.

The pack walks the outpatient chain (9001 → 1101 → 2201 → 2203 → 2204 → 2206 → 2207 → 5201 →
5203 → 5204 → 5206 → 2208 → 9002) and the refusals a HIS must handle (a repeated line number,
a total that does not match the lines, an unknown transaction, a wrong credential), and checks
what the interface promises: infcode 0 with the documented output nodes, the settlement's
identities (settlement-spec §3), the same answer to a retried msgid, a reversal that is the
exact opposite. Each step's exchange (request envelope and response body) is kept, so a vendor
can see exactly what was sent and answered; ``save`` writes them as files.

A step whose earlier step failed is skipped, not failed: the report names the first cause.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import httpx

from yibao.documents.render import dumps

from .his import HisClient


@dataclass
class Subject:
    """Who and what the pack uses on the gateway under test: the institution and its secret,
    a test person's certificate number, and catalogue items of the treatment region with a
    price each (code → price in yuan)."""

    institution: dict
    certno: str
    items: dict[str, Decimal]


@dataclass
class Outcome:
    step: str
    infno: str
    status: str  # passed | failed | skipped
    problem: str = ""
    exchange: dict = field(default_factory=dict)
    slug: str = ""  # the step's name in file names (its function's)


class Refused(Exception):
    pass


@dataclass
class Step:
    name: str
    infno: str
    run: Callable[["Pack"], str | None]  # the problem found, or None
    needs: tuple[str, ...] = ()  # context keys an earlier step must have set

    @property
    def slug(self) -> str:
        return self.run.__name__.replace("_", "-")


class Pack:
    """The pack's state while it runs: the client, what earlier steps answered, the exchanges."""

    def __init__(self, http: httpx.Client, subject: Subject, now: Callable[[], dt.datetime] = dt.datetime.now, *,
                 signing: str = "apikey", path_style: str = "callService"):
        self.http = http
        self.subject = subject
        self.client = HisClient(http, subject.institution, signing=signing, path_style=path_style)
        self.context: dict[str, Any] = {}
        self.exchange: dict = {}
        self.now = now

    def send(self, infno: str, input_: dict, *, msgid: str | None = None, headers: dict | None = None) -> dict:
        """One exchange, kept; the response body (whatever its infcode)."""
        envelope = self.client.envelope(infno, input_, insuplc_admdvs=self.context.get("insuplc_admdvs", ""), msgid=msgid)
        sent = dict(self.client.headers(infno), **(headers or {}))
        response = self.http.post(self.client.path.format(infno=infno), content=dumps(envelope, indent=None).encode(),
                                  headers=sent)
        try:
            body = response.json()
        except ValueError:
            body = {"http_status": response.status_code, "text": response.text[:2000]}
        self.exchange = {"request": envelope, "response": body}
        return body

    def call(self, infno: str, input_: dict, **kwargs) -> dict:
        """``send``, expecting infcode 0; the output."""
        body = self.send(infno, input_, **kwargs)
        if str(body.get("infcode")) != "0":
            raise Refused(f"infcode {body.get('infcode')}: {body.get('err_msg', '')}")
        return body.get("output") or {}

    def refused(self, infno: str, input_: dict, **kwargs) -> str | None:
        """``send``, expecting a refusal: infcode -1 with an err_msg a cashier can read (Chinese)."""
        body = self.send(infno, input_, **kwargs)
        if str(body.get("infcode")) != "-1":
            return f"expected a refusal (infcode -1), got infcode {body.get('infcode')}"
        message = str(body.get("err_msg") or "")
        if not message:
            return "a refusal without err_msg"
        if not any("\u4e00" <= char <= "\u9fff" for char in message):
            return f"err_msg is not in Chinese: {message[:120]}"
        return None

    def run(self, steps: list[Step]) -> list[Outcome]:
        outcomes = []
        for step in steps:
            missing = [key for key in step.needs if key not in self.context]
            if missing:
                outcomes.append(Outcome(step.name, step.infno, "skipped", f"needs {', '.join(missing)} from an earlier step",
                                        slug=step.slug))
                continue
            self.exchange = {}
            try:
                problem = step.run(self)
            except Refused as refusal:
                problem = str(refusal)
            except (KeyError, TypeError, ValueError, ArithmeticError) as error:
                problem = f"unexpected output: {type(error).__name__}: {error}"
            outcomes.append(Outcome(step.name, step.infno, "failed" if problem else "passed", problem or "", self.exchange,
                                    step.slug))
        return outcomes


def save(outcomes: list[Outcome], directory: Path) -> list[Path]:
    """One file per step, ``NN-infno-name.json``, with the request envelope and the response."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, outcome in enumerate(outcomes, start=1):
        if not outcome.exchange:
            continue
        path = directory / f"{number:02d}-{outcome.infno}-{outcome.slug}.json"
        path.write_text(dumps({"step": outcome.step, "status": outcome.status, **outcome.exchange}) + "\n", encoding="utf-8")
        written.append(path)
    return written


def money(value: Any) -> Decimal:
    return Decimal(str(value))


# --- the outpatient pack ------------------------------------------------------------------------

SETLINFO_IDENTITIES = (
    ("medfee_sumamt", ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")),
    ("medfee_sumamt", ("fund_pay_sumamt", "psn_part_amt", "hosp_part_amt")),
    ("psn_part_amt", ("acct_pay", "acct_mulaid_pay", "psn_cash_pay")),
)


def identity_problems(setlinfo: dict) -> str | None:
    """The settlement identities of settlement-spec §3 on a setlinfo node (absent amounts are 0)."""
    for total, parts in SETLINFO_IDENTITIES:
        left = money(setlinfo[total])
        right = sum((money(setlinfo.get(part) or 0) for part in parts), Decimal(0))
        if left != right:
            return f"setlinfo.{total} {left} ≠ {' + '.join(parts)} = {right}"
    return None


def _now(pack: Pack) -> str:
    return f"{pack.now():%Y-%m-%d %H:%M:%S}"


def sign_in(pack: Pack) -> str | None:
    out = pack.call("9001", {"signIn": {"opter_no": pack.client.operator, "mac": "", "ip": "127.0.0.1"}})
    pack.client.sign_no = pack.context["sign_no"] = out["signinoutb"]["sign_no"]
    return None if pack.client.sign_no else "signinoutb.sign_no is empty"


def person_info(pack: Pack) -> str | None:
    certno = pack.subject.certno
    out = pack.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "psn_cert_type": "01", "certno": certno}})
    insurance = next((i for i in out["insuinfo"] if i.get("psn_insu_stas", "1") == "1"), None)
    if insurance is None:
        return "insuinfo lists no active insurance"
    pack.context.update(psn_no=out["baseinfo"]["psn_no"], insutype=insurance["insutype"],
                        insuplc_admdvs=insurance["insuplc_admdvs"])
    return None


def register(pack: Pack) -> str | None:
    c = pack.context
    out = pack.call("2201", {"data": {
        "psn_no": c["psn_no"], "insutype": c["insutype"], "begntime": _now(pack), "mdtrt_cert_type": "02",
        "mdtrt_cert_no": pack.subject.certno, "ipt_otp_no": f"KIT{pack.client.msgid()[-12:]}", "atddr_no": "D000000000001",
        "dr_name": "医师", "dept_code": "A03", "dept_name": "内科", "caty": "A03"}})
    c["mdtrt_id"] = out["data"]["mdtrt_id"]
    return None if c["mdtrt_id"] else "data.mdtrt_id is empty"


def visit_info(pack: Pack) -> str | None:
    c = pack.context
    pack.call("2203", {"mdtrtinfo": {"mdtrt_id": c["mdtrt_id"], "psn_no": c["psn_no"], "med_type": "11",
                                     "begntime": _now(pack), "main_cond_dscr": "", "dise_codg": "", "dise_name": ""},
                       "diseinfo": [{"diag_type": "1", "diag_srt_no": "1", "diag_code": "J06.900", "diag_name": "急性上呼吸道感染",
                                     "diag_dept": "A03", "dise_dor_no": "D1", "dise_dor_name": "医师",
                                     "diag_time": _now(pack), "vali_flag": "1"}]})
    return None


def fee_lines(pack: Pack) -> list[dict]:
    c = pack.context
    return [{"feedetl_sn": f"{number:04d}", "mdtrt_id": c["mdtrt_id"], "psn_no": c["psn_no"], "chrg_bchno": "KIT1",
             "rx_circ_flag": "0", "fee_ocur_time": _now(pack), "med_list_codg": code, "medins_list_codg": f"H{code[-8:]}",
             "det_item_fee_sumamt": f"{price * 2:.2f}", "cnt": "2", "pric": f"{price:.2f}", "bilg_dept_codg": "A03",
             "bilg_dept_name": "内科", "bilg_dr_codg": "D000000000001", "bilg_dr_name": "医师", "hosp_appr_flag": "1"}
            for number, (code, price) in enumerate(sorted(pack.subject.items.items())[:3], start=1)]


def upload(pack: Pack) -> str | None:
    lines = fee_lines(pack)
    out = pack.call("2204", {"feedetail": lines})
    answered = out.get("result") or []
    if len(answered) != len(lines):
        return f"result has {len(answered)} rows for {len(lines)} uploaded lines"
    pack.context["medfee_sumamt"] = sum((money(line["det_item_fee_sumamt"]) for line in lines), Decimal(0))
    return None


def upload_again(pack: Pack) -> str | None:
    return pack.refused("2204", {"feedetail": fee_lines(pack)[:1]})


def settle_data(pack: Pack, medfee: Decimal | None = None) -> dict:
    c = pack.context
    return {"psn_no": c["psn_no"], "mdtrt_cert_type": "02", "mdtrt_cert_no": pack.subject.certno, "med_type": "11",
            "medfee_sumamt": f"{c['medfee_sumamt'] if medfee is None else medfee:.2f}", "psn_setlway": "01",
            "mdtrt_id": c["mdtrt_id"], "chrg_bchno": "KIT1", "acct_used_flag": "1", "insutype": c["insutype"]}


def presettle(pack: Pack) -> str | None:
    setlinfo = pack.call("2206", {"data": settle_data(pack)})["setlinfo"]
    pack.context["presettled"] = setlinfo
    return identity_problems(setlinfo)


def settle_wrong_total(pack: Pack) -> str | None:
    return pack.refused("2207", {"data": settle_data(pack, pack.context["medfee_sumamt"] + Decimal("0.01"))})


def settle(pack: Pack) -> str | None:
    msgid = pack.context["settle_msgid"] = pack.client.msgid()
    setlinfo = pack.call("2207", {"data": settle_data(pack)}, msgid=msgid)["setlinfo"]
    pack.context["setlinfo"] = setlinfo
    pack.context["setl_id"] = setlinfo["setl_id"]
    if money(setlinfo["medfee_sumamt"]) != pack.context["medfee_sumamt"]:
        return f"setlinfo.medfee_sumamt {setlinfo['medfee_sumamt']} is not the uploaded {pack.context['medfee_sumamt']}"
    for key in ("fund_pay_sumamt", "psn_part_amt"):
        if money(setlinfo[key]) != money(pack.context["presettled"][key]):
            return f"setlinfo.{key} {setlinfo[key]} differs from the pre-settlement's {pack.context['presettled'][key]}"
    return identity_problems(setlinfo)


def settle_retried(pack: Pack) -> str | None:
    setlinfo = pack.call("2207", {"data": settle_data(pack)}, msgid=pack.context["settle_msgid"])["setlinfo"]
    if setlinfo["setl_id"] != pack.context["setl_id"]:
        return f"a retried msgid settled again: setl_id {setlinfo['setl_id']} ≠ {pack.context['setl_id']}"
    return None


def visit_query(pack: Pack) -> str | None:
    c = pack.context
    rows = pack.call("5201", {"data": {"psn_no": c["psn_no"], "mdtrt_id": c["mdtrt_id"]}})["mdtrtinfo"]
    return None if [row["mdtrt_id"] for row in rows] == [c["mdtrt_id"]] else f"mdtrtinfo lists {len(rows)} visits, not the one"


def settlement_query(pack: Pack) -> str | None:
    c = pack.context
    setlinfo = pack.call("5203", {"data": {"psn_no": c["psn_no"], "setl_id": c["setl_id"], "mdtrt_id": c["mdtrt_id"]}})["setlinfo"]
    if money(setlinfo["fund_pay_sumamt"]) != money(c["setlinfo"]["fund_pay_sumamt"]):
        return "5203 answers another fund_pay_sumamt than 2207"
    return identity_problems(setlinfo)


def fee_query(pack: Pack) -> str | None:
    c = pack.context
    out = pack.call("5204", {"data": {"psn_no": c["psn_no"], "setl_id": c["setl_id"], "mdtrt_id": c["mdtrt_id"]}})
    rows = out if isinstance(out, list) else next((v for v in out.values() if isinstance(v, list)), [])
    total = sum((money(row["det_item_fee_sumamt"]) for row in rows), Decimal(0))
    return None if total == c["medfee_sumamt"] else f"5204 lines sum to {total}, not {c['medfee_sumamt']}"


def cumulative_query(pack: Pack) -> str | None:
    pack.call("5206", {"data": {"psn_no": pack.context["psn_no"], "cum_ym": f"{pack.now():%Y%m}"}})
    return None


def reverse(pack: Pack) -> str | None:
    c = pack.context
    setlinfo = pack.call("2208", {"data": {"setl_id": c["setl_id"], "mdtrt_id": c["mdtrt_id"], "psn_no": c["psn_no"]}})["setlinfo"]
    for key in ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay"):
        if money(setlinfo[key]) != -money(c["setlinfo"][key]):
            return f"the reversal's {key} {setlinfo[key]} is not the opposite of {c['setlinfo'][key]}"
    return None


def unknown_transaction(pack: Pack) -> str | None:
    return pack.refused("9999", {"data": {}})


def wrong_credential(pack: Pack) -> str | None:
    return pack.refused("5201", {"data": {"psn_no": pack.context["psn_no"]}},
                        headers={"apikey": "0" * 32, "x-tif-signature": "0" * 64, "_api_signature": "A" * 28})


def sign_out(pack: Pack) -> str | None:
    pack.call("9002", {"signOut": {"sign_no": pack.context["sign_no"], "opter_no": pack.client.operator}})
    return None


def outpatient_pack() -> list[Step]:
    visit = ("psn_no", "mdtrt_id")
    return [
        Step("9001 签到", "9001", sign_in),
        Step("1101 人员信息获取", "1101", person_info, ("sign_no",)),
        Step("2201 门诊挂号", "2201", register, ("psn_no",)),
        Step("2203 就诊信息上传", "2203", visit_info, visit),
        Step("2204 门诊费用明细上传", "2204", upload, visit),
        Step("2204 重复的明细流水号应被拒绝", "2204", upload_again, ("medfee_sumamt",)),
        Step("2206 门诊预结算", "2206", presettle, ("medfee_sumamt",)),
        Step("2207 总金额与明细不符应被拒绝", "2207", settle_wrong_total, ("medfee_sumamt",)),
        Step("2207 门诊结算", "2207", settle, ("presettled",)),
        Step("2207 同一报文ID重发得到同一结果", "2207", settle_retried, ("setl_id",)),
        Step("5201 就诊信息查询", "5201", visit_query, ("setl_id",)),
        Step("5203 结算信息查询", "5203", settlement_query, ("setl_id",)),
        Step("5204 费用明细查询", "5204", fee_query, ("setl_id",)),
        Step("5206 人员累计信息查询", "5206", cumulative_query, ("setl_id",)),
        Step("2208 门诊结算撤销", "2208", reverse, ("setl_id",)),
        Step("9999 未知交易应被拒绝", "9999", unknown_transaction, ("sign_no",)),
        Step("5201 错误凭据应被拒绝", "5201", wrong_credential, ("psn_no",)),
        Step("9002 签退", "9002", sign_out, ("sign_no",)),
    ]


def run_pack(base_url: str, subject: Subject, *, timeout: float = 30, signing: str = "apikey",
             path_style: str = "callService", visit_time: dt.datetime | None = None) -> list[Outcome]:
    """``signing``: apikey | x-tif | api | none (sim/his.py SIGNINGS); ``path_style``: callService |
    infno | hgs (the URL forms of docs/his/paths.md); ``visit_time``: when the visit and its fee
    lines happen (default now; a test world whose policies are of another year needs its date)."""
    now = (lambda: visit_time) if visit_time is not None else dt.datetime.now
    with httpx.Client(base_url=base_url, timeout=timeout) as http:
        return Pack(http, subject, now, signing=signing, path_style=path_style).run(outpatient_pack())


def subject_from_demo(data_dir: Path, fixmedins_code: str = "", secret: str = "", certno: str = "") -> Subject:
    """The institution, a local insured person and a few catalogue items from the demo world's
    files (``yibao demo``); the explicit values win."""
    from .his import World

    world = World.load(data_dir)
    hospitals = [i for i in world.institutions if i["fixmedins_type"] == "1"]
    institution = next((i for i in hospitals if i["fixmedins_code"] == fixmedins_code), None) if fixmedins_code else None
    if institution is None:
        institution = next(i for i in hospitals if world.items_for(i["admdvs"])
                           and any(p["insuplc_admdvs"] == i["admdvs"] for p in world.persons))
    institution = dict(institution, secret=secret or institution.get("secret", ""))
    person = next(p for p in world.persons if p["insuplc_admdvs"] == institution["admdvs"])
    today = dt.date.today().isoformat()
    current = [item for item in world.items_for(institution["admdvs"])
               if item.get("begndate", "") <= today and (item.get("enddate") or "9999") >= today]
    items = {item["hilist_code"]: Decimal(item["ref_pric"]) for item in current[:3]}
    return Subject(institution, certno or person["certno"], items)


def report_lines(outcomes: list[Outcome]) -> list[str]:
    width = max(len(o.step) for o in outcomes)
    lines = [f"{'PASS' if o.status == 'passed' else 'FAIL' if o.status == 'failed' else 'SKIP'}  {o.step:{width}s}  {o.problem}".rstrip()
             for o in outcomes]
    counts = {status: sum(o.status == status for o in outcomes) for status in ("passed", "failed", "skipped")}
    lines.append(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return lines


def as_json(outcomes: list[Outcome]) -> str:
    return json.dumps([{"step": o.step, "infno": o.infno, "status": o.status, "problem": o.problem} for o in outcomes],
                      ensure_ascii=False, indent=2)
