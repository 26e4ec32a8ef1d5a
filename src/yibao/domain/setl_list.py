"""医疗保障基金结算清单 (4101/4101A) and 病案首页 (4401): what an uploaded list must agree with.

Pure rules, no I/O. A list is checked against the settlement it documents, as stored:

Refusals (the upload changes nothing, ``SetlListRefused`` with a stable code):
- the settlement is a reversal (SETLLIST_REVERSAL), or has been reversed (SETLLIST_REVERSED);
- ``setlinfo.mdtrt_id`` / ``psn_no`` are not the settlement's (SETLLIST_VISIT_MISMATCH);
- no diagnosis at all (SETLLIST_NO_DIAGNOSIS); ``diseinfo`` without exactly one main diagnosis
  (SETLLIST_MAIN_DIAGNOSIS);
- a western-medicine diagnosis code that is not of the ICD-10 医保版 shape (SETLLIST_DIAG_CODE)
  or an operation code not of the ICD-9-CM-3 医保版 shape (SETLLIST_OPRN_CODE) (nhsa-interface §5);
- ``payinfo`` whose amount per ``fund_pay_type`` differs from the settlement's ``setldetail``
  (SETLLIST_FUND_MISMATCH; the personal-account row may be left out, being no fund);
- ``iteminfo`` whose ``amt`` do not add up to the settlement's ``medfee_sumamt`` (SETLLIST_FEE_MISMATCH);
- personal amounts that contradict the settlement (SETLLIST_PERSONAL_MISMATCH): ``acct_pay`` =
  account payments (own and 共济), ``psn_cashpay`` = cash, ``psn_ownpay`` (个人自费) =
  ``fulamt_ownpay_amt + overlmt_selfpay``, ``psn_selfpay`` (个人自付) = the rest of ``psn_part_amt``.

Quality findings (stored with the list and answered by 4104; the upload is accepted): a charge
item whose parts do not add up to its ``amt``, item self-pay differing from the settlement's,
``diag_code_cnt`` / ``oprn_oprt_code_cnt`` differing from the rows sent, missing ``payinfo`` /
``iteminfo`` / ``medcasno``, settlement dates outside the visit, personal amounts left out
(filled from the settlement).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from . import codes
from .errors import RuleRefused

# ICD-10 医保版 2.0, e.g. J06.900, I10.x00, I63.900x001, A18.0+; ICD-9-CM-3 医保版, e.g. 51.2300, 36.0700x001.
ICD10_SHAPE = re.compile(r"[A-Z][0-9]{2}(\.[0-9A-Zx]{1,4}(x[0-9]{3})?)?[+*]?")
ICD9CM3_SHAPE = re.compile(r"[0-9]{2}(\.[0-9]{1,4}(x[0-9]{3})?)?")
# 门诊慢特病 lists may name the 门慢特病种 (1309 catalogue, e.g. M03900) instead of an ICD-10 code
OPSP_DISE_SHAPE = re.compile(r"M[0-9]{5}")
WESTERN_DIAG_TYPES = ("", "1")
NODES = {"diseinfo": "diseinfo", "opspdise": "opspdiseinfo"}  # a diagnosis's source → its input node  # diag_type 1 西医诊断; 2/3 中医主病/主证 have codes of other shapes
ZERO = Decimal(0)
# payinfo is the funds' part (基金支付信息); the personal-account row of setldetail may be left out
OPTIONAL_FUND_TYPES = frozenset({codes.ACCT_FUND_PAY_TYPE})


# The list rules' refusals: (Chinese template, English gloss, when), by stable code; listed with
# every other refusal in app/error_codes.py (docs/his/error-codes.md).
SETLLIST_MESSAGES = {
    "SETLLIST_REVERSAL": ("结算 {setl_id} 是撤销记录，不能上传结算清单", "the settlement is a reversal",
                          "4101 for the reversal record of a settlement."),
    "SETLLIST_REVERSED": ("结算 {setl_id} 已撤销，请对重新结算后的 setl_id 上传结算清单",
                          "the settlement was reversed; upload the list of the new settlement", "4101 for a reversed settlement."),
    "SETLLIST_VISIT_MISMATCH": ("setlinfo 的就诊ID {mdtrt_id}、人员编号 {psn_no} 与结算 {setl_id} 的就诊 {settled_mdtrt_id}、"
                                "参保人 {settled_psn_no} 不符", "mdtrt_id or psn_no is not the settlement's",
                                "setlinfo names another visit or person than the settlement."),
    "SETLLIST_NO_DIAGNOSIS": ("至少需要一条诊断（diseinfo 或 opspdiseinfo）", "at least one diagnosis is required",
                              "A list or 病案首页 without diagnoses."),
    "SETLLIST_MAIN_DIAGNOSIS": ("diseinfo 应有且只有一条主诊断（maindiag_flag=1），收到 {count} 条",
                                "diseinfo needs exactly one main diagnosis", "No or several main diagnoses."),
    "SETLLIST_DIAG_CODE": ("{field} {diag_code} 不是医保版 ICD-10 疾病诊断代码（如 J06.900）",
                           "not an ICD-10 (医保版) diagnosis code", "A western-medicine diagnosis code of another shape."),
    "SETLLIST_OPRN_CODE": ("{field} {oprn_oprt_code} 不是医保版 ICD-9-CM-3 手术操作代码（如 51.2300）",
                           "not an ICD-9-CM-3 (医保版) operation code", "An operation code of another shape."),
    "SETLLIST_FUND_MISMATCH": ("payinfo 基金支付类型 {fund_pay_type} 金额 {given} 与结算 {setl_id} 的 {expected} 不符",
                               "payinfo differs from the settlement's fund payments",
                               "A fund's amount differs from the settlement's setldetail."),
    "SETLLIST_FEE_MISMATCH": ("iteminfo 金额合计 {total} 与结算 {setl_id} 的医疗费总额 {medfee_sumamt} 不符",
                              "iteminfo does not add up to medfee_sumamt", "The charge items' total differs from the settlement's."),
    "SETLLIST_PERSONAL_MISMATCH": ("setlinfo.{name}（{label}）{given} 与结算 {setl_id} 的 {expected} 不符",
                                   "a personal amount contradicts the settlement",
                                   "psn_selfpay, psn_ownpay, acct_pay or psn_cashpay differs from the settlement's."),
}


class SetlListRefused(RuleRefused):
    """A list rule refuses: ``code`` is a key of SETLLIST_MESSAGES, ``params`` fill its templates."""

    MESSAGES = SETLLIST_MESSAGES


@dataclass(frozen=True)
class Finding:
    """A quality finding (质控问题) of an accepted list: a stable code, the national field, words."""

    code: str
    field: str
    message: str


@dataclass(frozen=True)
class Diagnosis:
    source: str  # diseinfo | opspdise
    diag_type: str
    diag_code: str
    diag_name: str = ""
    maindiag_flag: str = ""
    adm_cond_type: str = ""


@dataclass(frozen=True)
class Operation:
    oprn_oprt_code: str
    oprn_oprt_name: str = ""
    oprn_oprt_type: str = ""
    oprn_oprt_date: dt.datetime | None = None
    anst_way: str = ""
    oper_dr_code: str = ""
    oper_dr_name: str = ""
    anst_dr_code: str = ""
    anst_dr_name: str = ""


@dataclass(frozen=True)
class ChargeItem:
    med_chrgitm: str
    amt: Decimal
    claa_sumfee: Decimal = ZERO
    clab_amt: Decimal = ZERO
    fulamt_ownpay_amt: Decimal = ZERO
    oth_amt: Decimal = ZERO


@dataclass(frozen=True)
class Personal:
    """个人自付, 个人自费, 个人账户支出, 个人现金支付; None = not sent."""

    psn_selfpay: Decimal | None = None
    psn_ownpay: Decimal | None = None
    acct_pay: Decimal | None = None
    psn_cashpay: Decimal | None = None


@dataclass(frozen=True)
class SettlementList:
    setl_id: str
    mdtrt_id: str
    psn_no: str = ""
    diagnoses: tuple[Diagnosis, ...] = ()
    operations: tuple[Operation, ...] = ()
    payments: tuple[tuple[str, Decimal], ...] = ()  # payinfo (fund_pay_type, fund_payamt)
    items: tuple[ChargeItem, ...] = ()
    personal: Personal = field(default_factory=Personal)
    diag_code_cnt: int | None = None
    oprn_oprt_code_cnt: int | None = None
    setl_begn_date: dt.date | None = None
    setl_end_date: dt.date | None = None
    medcasno: str = ""


@dataclass(frozen=True)
class Settled:
    """The stored settlement a list documents (amounts in yuan)."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    is_reversal: bool
    reversed: bool
    inpatient: bool
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    psn_part_amt: Decimal
    account_paid: Decimal  # acct_pay + acct_mulaid_pay
    psn_cash_pay: Decimal
    funds: dict[str, Decimal]  # setldetail by fund_pay_type
    visit_begin: dt.date
    visit_end: dt.date


def check_list(doc: SettlementList, settled: Settled) -> tuple[Personal, list[Finding]]:
    """Refuse a list that contradicts its settlement; otherwise the personal amounts to store
    (the sent ones, missing ones taken from the settlement) and the quality findings."""
    _check_settlement(doc, settled)
    check_diagnoses(doc.diagnoses)
    check_operations(doc.operations)
    findings = _check_funds(doc, settled) + _check_items(doc, settled)
    personal, filled = _personal(doc.personal, settled)
    findings += filled + _count_findings(doc) + _date_findings(doc, settled)
    if settled.inpatient and not doc.medcasno:
        findings.append(Finding("SETLLIST_QC_MEDCASNO", "medcasno", "住院结算清单未填病案号"))
    return personal, findings


def _check_settlement(doc: SettlementList, settled: Settled) -> None:
    if settled.is_reversal:
        raise SetlListRefused("SETLLIST_REVERSAL", setl_id=settled.setl_id)
    if settled.reversed:
        raise SetlListRefused("SETLLIST_REVERSED", setl_id=settled.setl_id)
    if doc.mdtrt_id != settled.mdtrt_id or (doc.psn_no and doc.psn_no != settled.psn_no):
        raise SetlListRefused("SETLLIST_VISIT_MISMATCH", mdtrt_id=doc.mdtrt_id, psn_no=doc.psn_no or "—",
                              setl_id=settled.setl_id, settled_mdtrt_id=settled.mdtrt_id, settled_psn_no=settled.psn_no)


def check_diagnoses(diagnoses: tuple[Diagnosis, ...]) -> None:
    """At least one diagnosis; exactly one main diagnosis among ``diseinfo``; ICD-10 shapes."""
    if not diagnoses:
        raise SetlListRefused("SETLLIST_NO_DIAGNOSIS")
    listed = [d for d in diagnoses if d.source == "diseinfo"]
    mains = sum(1 for d in listed if d.maindiag_flag == "1")
    if listed and mains != 1:
        raise SetlListRefused("SETLLIST_MAIN_DIAGNOSIS", count=mains)
    seen: dict[str, int] = {}
    for diagnosis in diagnoses:
        number = seen[diagnosis.source] = seen.get(diagnosis.source, -1) + 1
        if diagnosis.source == "opspdise" and OPSP_DISE_SHAPE.fullmatch(diagnosis.diag_code):
            continue
        if diagnosis.diag_type in WESTERN_DIAG_TYPES and not ICD10_SHAPE.fullmatch(diagnosis.diag_code):
            raise SetlListRefused("SETLLIST_DIAG_CODE", field=f"{NODES[diagnosis.source]}[{number}].diag_code",
                                  diag_code=diagnosis.diag_code)


def check_operations(operations: tuple[Operation, ...]) -> None:
    for number, operation in enumerate(operations):
        if not ICD9CM3_SHAPE.fullmatch(operation.oprn_oprt_code):
            raise SetlListRefused("SETLLIST_OPRN_CODE", field=f"oprninfo[{number}].oprn_oprt_code",
                                  oprn_oprt_code=operation.oprn_oprt_code)


def _check_funds(doc: SettlementList, settled: Settled) -> list[Finding]:
    if not doc.payments:
        return [Finding("SETLLIST_QC_PAYINFO", "payinfo", "未填基金支付信息（payinfo）")]
    sent: dict[str, Decimal] = {}
    for fund_pay_type, amount in doc.payments:
        sent[fund_pay_type] = sent.get(fund_pay_type, ZERO) + amount
    required = {code for code, paid in settled.funds.items() if paid and code not in OPTIONAL_FUND_TYPES}
    for fund_pay_type in sorted(set(sent) | required):
        expected, given = settled.funds.get(fund_pay_type, ZERO), sent.get(fund_pay_type, ZERO)
        if given != expected:
            raise SetlListRefused("SETLLIST_FUND_MISMATCH", fund_pay_type=fund_pay_type, given=given,
                                  setl_id=settled.setl_id, expected=expected)
    return []


def _check_items(doc: SettlementList, settled: Settled) -> list[Finding]:
    if not doc.items:
        return [Finding("SETLLIST_QC_ITEMINFO", "iteminfo", "未填收费项目信息（iteminfo）")]
    total = sum((item.amt for item in doc.items), ZERO)
    if total != settled.medfee_sumamt:
        raise SetlListRefused("SETLLIST_FEE_MISMATCH", total=total, setl_id=settled.setl_id,
                              medfee_sumamt=settled.medfee_sumamt)
    findings = []
    for number, item in enumerate(doc.items):
        parts = item.claa_sumfee + item.clab_amt + item.fulamt_ownpay_amt + item.oth_amt
        if parts != item.amt:
            findings.append(Finding("SETLLIST_QC_ITEM_PARTS", f"iteminfo[{number}].amt",
                                    f"收费项目 {item.med_chrgitm}：甲类 + 乙类 + 自费 + 其他 = {parts}，金额为 {item.amt}"))
    ownpay = sum((item.fulamt_ownpay_amt for item in doc.items), ZERO)
    if ownpay != settled.fulamt_ownpay_amt:
        findings.append(Finding("SETLLIST_QC_ITEM_OWNPAY", "iteminfo.fulamt_ownpay_amt",
                                f"收费项目全自费合计 {ownpay} 与结算的全自费金额 {settled.fulamt_ownpay_amt} 不符"))
    return findings


def expected_personal(settled: Settled) -> Personal:
    ownpay = settled.fulamt_ownpay_amt + settled.overlmt_selfpay
    return Personal(psn_selfpay=settled.psn_part_amt - ownpay, psn_ownpay=ownpay,
                    acct_pay=settled.account_paid, psn_cashpay=settled.psn_cash_pay)


PERSONAL_NAMES = {"psn_selfpay": "个人自付", "psn_ownpay": "个人自费", "acct_pay": "个人账户支出", "psn_cashpay": "个人现金支付"}


def _personal(sent: Personal, settled: Settled) -> tuple[Personal, list[Finding]]:
    expected, values, findings = expected_personal(settled), {}, []
    for name, label in PERSONAL_NAMES.items():
        given, wanted = getattr(sent, name), getattr(expected, name)
        if given is None:
            findings.append(Finding("SETLLIST_QC_PERSONAL_FILLED", f"setlinfo.{name}", f"{label}未填，按结算记录补为 {wanted}"))
        elif given != wanted:
            raise SetlListRefused("SETLLIST_PERSONAL_MISMATCH", name=name, label=label, given=given,
                                  setl_id=settled.setl_id, expected=wanted)
        values[name] = wanted
    return Personal(**values), findings


def _count_findings(doc: SettlementList) -> list[Finding]:
    findings = []
    listed = sum(1 for d in doc.diagnoses if d.source == "diseinfo")
    if doc.diag_code_cnt is not None and doc.diag_code_cnt != listed:
        findings.append(Finding("SETLLIST_QC_DIAG_COUNT", "setlinfo.diag_code_cnt",
                                f"诊断代码计数 {doc.diag_code_cnt} 与 diseinfo 的 {listed} 条不符"))
    if doc.oprn_oprt_code_cnt is not None and doc.oprn_oprt_code_cnt != len(doc.operations):
        findings.append(Finding("SETLLIST_QC_OPRN_COUNT", "setlinfo.oprn_oprt_code_cnt",
                                f"手术操作代码计数 {doc.oprn_oprt_code_cnt} 与 oprninfo 的 {len(doc.operations)} 条不符"))
    return findings


def _date_findings(doc: SettlementList, settled: Settled) -> list[Finding]:
    findings = []
    if doc.setl_begn_date is not None and doc.setl_begn_date != settled.visit_begin:
        findings.append(Finding("SETLLIST_QC_SETL_DATES", "setlinfo.setl_begn_date",
                                f"结算开始日期 {doc.setl_begn_date} 与就诊开始日期 {settled.visit_begin} 不符"))
    if doc.setl_end_date is not None and doc.setl_end_date != settled.visit_end:
        findings.append(Finding("SETLLIST_QC_SETL_DATES", "setlinfo.setl_end_date",
                                f"结算结束日期 {doc.setl_end_date} 与就诊结束日期 {settled.visit_end} 不符"))
    return findings
