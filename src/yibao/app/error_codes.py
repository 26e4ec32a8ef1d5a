"""Every refusal and warning the platform answers, by stable code (docs/his/error-codes.md).

A code is upper-case with an area prefix (``VISIT_NOT_FOUND``, ``FEE_SUM_MISMATCH``); programs
match on it, never on the text. The text is Chinese, for the cashier who reads it on screen as
national gateways answer, and an English gloss follows in parentheses. The settlement engine's
codes (``E_NOT_FILED``… settlement-spec §3) and the codes of the filing, settlement-list and
manual-claim rules are defined next to the rules in ``domain/`` and listed here with the rest.

On the national gateway a refusal is ``infcode`` -1 with ``err_msg`` =
``[CODE] 中文说明（English gloss）``: the code in square brackets first, so a program finds it
without parsing prose (``code_of``). A warning in ``warn_msg`` has the same shape; several are
joined with ``；``. The admin API answers an RFC 9457 problem (``application/problem+json``:
type, title, status, detail, ``code``, ``kind``; admin/problems.py) with the kind's HTTP status,
the CLI prints ``error: [CODE] …`` and exits 2.

A call site reads ``raise refusal("VISIT_NOT_FOUND", mdtrt_id=…, fixmedins_code=…)``; the
parameters fill the templates' ``{names}``. ``python -m yibao.app.error_codes`` (or
``yibao docs error-codes``) writes docs/his/error-codes.md from this table.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from yibao.domain.claim_verifications import VERIFY_MESSAGES
from yibao.domain.claims import CLAIM_MESSAGES
from yibao.domain.errors import SETTLEMENT_MESSAGES
from yibao.domain.filing import FILING_MESSAGES
from yibao.domain.setl_list import SETLLIST_MESSAGES

from .errors import REFUSAL_KINDS, GatewayError

WARNING = "warning"
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+")
_LEADING_CODE = re.compile(r"^\[([A-Z][A-Z0-9_]*)\] ")


@dataclass(frozen=True)
class ErrorCode:
    code: str
    kind: str  # a key of REFUSAL_KINDS, or WARNING for warn_msg
    chinese: str  # the message template the cashier reads
    english: str  # the gloss that follows in parentheses
    when: str  # when it happens (for the table of docs/his/error-codes.md)

    def placeholders(self) -> set[str]:
        return {name for text in (self.chinese, self.english)
                for _, name, _, _ in string.Formatter().parse(text) if name}

    def text(self, **params) -> str:
        chinese, english = self.chinese.format(**params), self.english.format(**params)
        return f"{chinese}（{english}）" if english else chinese


# (code, kind, Chinese, English gloss, when) by area; kinds as REFUSAL_KINDS (HTTP status in admin).
_ENVELOPE = [
    ("ENVELOPE_NOT_OBJECT", "invalid", "请求体应为 JSON 对象，即国家接口报文", "request body must be a JSON object",
     "The body is JSON but not an object."),
    ("ENVELOPE_NOT_JSON", "invalid", "请求体不是有效的 JSON", "request body is not valid JSON",
     "The body is not JSON, or not UTF-8/16/32 text."),
    ("ENVELOPE_BODY_TOO_LARGE", "invalid", "请求体过大，超过 {limit_mb} MB", "request body too large",
     "The body is larger than 2 MB."),
    ("ENVELOPE_INFNO_REQUIRED", "invalid", "缺少交易编号 infno", "infno is required", "The envelope has no infno."),
    ("ENVELOPE_INFNO_MISMATCH", "invalid", "报文 infno {infno} 与路径中的交易编号 {path_infno} 不一致",
     "infno does not match the path's", "The URL names another transaction than the envelope."),
    ("ENVELOPE_INFNO_UNKNOWN", "invalid", "未知或不支持的交易编号 infno {infno}", "unknown or unsupported infno",
     "The transaction is not offered (docs/his-integration.md lists those that are)."),
    ("ENVELOPE_MSGID_REQUIRED", "invalid", "缺少报文ID msgid", "msgid is required", "The envelope has no msgid."),
    ("ENVELOPE_MSGID_TOO_LONG", "invalid", "报文ID msgid 超过 {limit} 个字符", "msgid is longer than {limit} characters",
     "msgid is longer than 40 characters."),
    ("ENVELOPE_FIXMEDINS_CODE_REQUIRED", "invalid", "缺少定点医药机构编号 fixmedins_code", "fixmedins_code is required",
     "The envelope has no fixmedins_code."),
    ("ENVELOPE_INPUT_NOT_OBJECT", "invalid", "input 应为对象或对象的 JSON 字符串",
     "input must be an object (or a JSON string of one)", "input is a list, a number or another scalar."),
    ("ENVELOPE_INPUT_NOT_JSON", "invalid", "input 是字符串但不是有效的 JSON", "input is a string but not valid JSON",
     "input is given as text that does not parse."),
    ("ENVELOPE_INSUPLC_REQUIRED", "invalid", "input 含 psn_no 时必须填写参保地医保区划 insuplc_admdvs，可由 1101 获得",
     "insuplc_admdvs is required when the input names a psn_no", "A transaction about a person without insuplc_admdvs."),
    ("ENVELOPE_INSUPLC_MISMATCH", "refused", "insuplc_admdvs {claimed} 与参保人的参保地 {actual} 不一致，以 1101 为准",
     "insuplc_admdvs does not match the person's insured region", "The envelope names another insured region."),
    ("ENVELOPE_FIELD_NOT_STRING", "invalid", "{field} 必须是字符串", "{field} must be a string",
     "An envelope field (infno, msgid, fixmedins_code, sign_no) is an object, list or boolean."),
    ("ENVELOPE_MSGID_REUSED", "conflict", "报文ID msgid {msgid} 已用于交易 {infno}", "msgid was already used for another transaction",
     "A msgid comes back with another infno."),
    ("ENVELOPE_MSGID_REUSED_INPUT", "conflict", "报文ID msgid {msgid} 已用于另一笔不同的 {infno} 请求",
     "msgid was already used for a different request", "A msgid comes back with another input (a retry repeats its input exactly)."),
    ("ENVELOPE_VALUE_NOT_STORABLE", "invalid", "请求中有无法保存或比较的值：非法字符或超出范围",
     "a value cannot be stored or compared", "The database refuses a value (e.g. a character or number out of its range)."),
    ("SYSTEM_DATABASE_UNAVAILABLE", "refused", "结算数据库暂不可用，请用同一 msgid 重试",
     "database unavailable; retry with the same msgid", "The database connection failed; nothing was changed."),
    ("SYSTEM_INTERNAL_ERROR", "refused", "系统内部错误，请用同一 msgid 重试或报告 inf_refmsgid",
     "internal error; retry with the same msgid or report inf_refmsgid", "An unexpected failure; it is logged, nothing was changed."),
    ("SIGNIN_NOT_OPEN", "refused", "签到编号 sign_no {sign_no} 不是本机构有效的签到", "sign_no is not an open sign-in of this institution",
     "9002 names a sign-in that is not open."),
]

_AUTH = [
    ("AUTH_UNKNOWN_INSTITUTION", "forbidden", "未知的定点医药机构 {fixmedins_code}", "unknown institution",
     "The envelope's fixmedins_code is not a registered institution."),
    ("AUTH_NOT_SIGNED_IN", "forbidden", "sign_no 缺失或不是本机构当前有效的签到流水号，请先用 9001 签到",
     "sign_no is missing or not an open sign-in of this institution", "A transaction other than 9001 without an open sign-in."),
    ("AUTH_UNKNOWN_MODE", "forbidden", "机构 {fixmedins_code} 的认证方式 {mode} 无法识别，请联系医保经办机构",
     "the institution's authentication mode is not recognised", "The stored auth_mode is none the gateway knows."),
    ("AUTH_BAD_APIKEY", "forbidden", "身份认证失败：请在请求头发送 x-tif-paasid（= fixmedins_code）和本机构的 apikey",
     "not authenticated: send x-tif-paasid and the institution's apikey",
     "apikey mode: x-tif-paasid is not the institution's code, or the apikey is missing or wrong."),
    ("AUTH_UNTRUSTED_NETWORK", "forbidden",
     "本机构按前置机方式（不认证）接入，只接受来自受信任网段的请求；本请求的来源地址不在 YIBAO_TRUSTED_NETWORKS 内",
     "auth_mode none: not from a trusted network", "none mode: the request comes from outside the trusted networks."),
    ("AUTH_NO_PLATFORM_KEY", "forbidden", "平台未配置密钥 YIBAO_SECRET_KEY，无法验证签名认证方式的机构，请联系平台管理员",
     "no platform key: signature modes cannot be checked", "A signature-mode institution while the platform has no key."),
    ("AUTH_SECRET_UNREADABLE", "forbidden", "无法读取本机构的签名密钥（平台密钥与密钥存储不符），请联系医保经办机构重新发放密钥",
     "the stored secret does not open under the platform key", "The sealed secret does not open (another platform key)."),
    ("AUTH_MISSING_SIGNATURE", "forbidden", "本机构按 {mode} 签名方式认证：请在请求头发送 {headers}",
     "{mode} signature headers missing", "A signature mode without its headers."),
    ("AUTH_PAASID_MISMATCH", "forbidden", "请求头 {header} 必须等于报文的 fixmedins_code", "{header} must be the institution's code",
     "x-tif-paasid or _api_access_key names another institution than the envelope."),
    ("AUTH_BAD_NONCE", "forbidden", "x-tif-nonce 过长（最多 {limit} 个字符）", "x-tif-nonce is longer than {limit} characters",
     "A nonce longer than 64 characters."),
    ("AUTH_API_NAME_MISMATCH", "forbidden", "请求头 _api_name（{api_name}）必须等于报文的交易编号 infno {infno}",
     "_api_name must be the envelope's infno", "api mode: the signature was made for another transaction."),
    ("AUTH_BAD_TIMESTAMP", "forbidden", "{header} 应为 {unit}数（整数），收到 {value}", "{header} must be an integer timestamp",
     "A signature timestamp that is not a whole number."),
    ("AUTH_STALE_TIMESTAMP", "forbidden", "签名时间戳已过期（与平台时间相差超过 {window} 秒），请校准前置机或代理的时钟后重新签名",
     "stale timestamp", "The timestamp is older than the window (YIBAO_AUTH_WINDOW, 300 s by default)."),
    ("AUTH_FUTURE_TIMESTAMP", "forbidden", "签名时间戳晚于平台时间超过 {window} 秒，请校准前置机或代理的时钟",
     "timestamp in the future", "The timestamp is later than the platform's clock by more than the window."),
    ("AUTH_BAD_SIGNATURE", "forbidden", "签名校验失败：{header} 与本机构密钥计算的签名不符", "signature does not match",
     "The signature is not the one the institution's secret gives."),
    ("AUTH_REPLAY", "forbidden", "重复的签名请求：相同的时间戳、随机数和签名已被使用过，请重新签名后发送",
     "replayed signed request", "The same timestamp, nonce and signature again within the window."),
    ("AUTH_BAD_MODE", "invalid", "认证方式应为 {modes} 之一，收到 {mode}", "mode must be one of {modes}",
     "yibao institution auth-mode with an unknown mode."),
    ("AUTH_MODE_NEEDS_KEY", "refused",
     "签名认证方式（x-tif、api）需要平台密钥：请先设置 YIBAO_SECRET_KEY（可用 `yibao institution platform-key` 生成）",
     "signature modes need the platform key YIBAO_SECRET_KEY", "Moving an institution to x-tif or api without a platform key."),
    ("AUTH_MODE_NO_INSTITUTION", "not_found", "定点医药机构 {fixmedins_code} 不存在", "institution not found",
     "yibao institution auth-mode names an unknown institution."),
    ("AUTH_MODE_UNCHANGED", "conflict", "机构 {fixmedins_code} 的认证方式已是 {mode}，未作更改",
     "the institution already has this mode", "Setting apikey or none again (a signature mode again issues a new secret)."),
]

_INPUT = [
    ("INPUT_REQUIRED", "invalid", "{field} 为必填项", "{field} is required", "A required node or field is missing or empty."),
    ("INPUT_NOT_OBJECT", "invalid", "{field} 应为对象", "{field} must be an object", "A node that must be an object is not."),
    ("INPUT_NOT_OBJECT_ARRAY", "invalid", "{field} 应为对象数组", "{field} must be an array of objects",
     "A list node holds something other than objects."),
    ("INPUT_NOT_ARRAY", "invalid", "{field} 应为数组", "{field} must be an array", "A list field is not a list."),
    ("INPUT_NOT_JSON", "invalid", "{field} 是字符串但不是有效的 JSON", "{field} is not valid JSON",
     "A node given as a JSON string does not parse."),
    ("INPUT_TOO_DEEP", "invalid", "{field} 嵌套过深，超过 {limit} 层", "nested deeper than {limit} levels",
     "Objects or arrays nested deeper than 64 levels."),
    ("INPUT_NUL_CHARACTER", "invalid", "{field} 含 NUL 字符，不允许", "{field} contains a NUL character",
     "A string or key holds U+0000."),
    ("INPUT_LONE_SURROGATE", "invalid", "{field} 含孤立的 UTF-16 代理项 U+{point}，不是有效的 Unicode 字符",
     "{field} contains a lone surrogate", "A string or key holds half of a UTF-16 pair."),
    ("INPUT_NOT_STRING", "invalid", "{field} 必须是字符串", "{field} must be a string", "A text field is an object, list or boolean."),
    ("INPUT_TOO_LONG", "invalid", "{field} 超过 {limit} 个字符", "{field} is longer than {limit} characters",
     "A text field is longer than its stored column (gateway/readers.py FIELD_LENGTHS)."),
    ("INPUT_BAD_YEAR_MONTH", "invalid", "{field} 应为 yyyyMM，月份 01–12，收到 {value}", "{field} must be yyyyMM",
     "cum_ym or setlym is not a year and month."),
    ("INPUT_YEAR_OUT_OF_RANGE", "invalid", "{field} 年份超出范围 {first}–{last}，收到 {value}", "{field} year out of range",
     "A year-month outside the platform's dates."),
    ("INPUT_NOT_NUMBER", "invalid", "{field} 必须是数字，收到 {value}", "{field} must be a number",
     "A number field holds text that is not a number, or a boolean."),
    ("INPUT_OUT_OF_RANGE", "invalid", "{field} 超出范围", "{field} is out of range",
     "A number beyond ±10^12, not finite, or of more than 100 characters."),
    ("INPUT_NEGATIVE", "invalid", "{field} 不能为负数", "{field} must not be negative",
     "A negative number where only refunds (inpatient lines, totals of reconciliation) may be negative."),
    ("INPUT_TOO_MANY_DECIMALS", "invalid", "{field} 小数位数过多，最多 {limit} 位", "{field} has more than {limit} decimals",
     "An amount with more than two decimals, or a quantity or price with more than eight."),
    ("INPUT_NOT_DATETIME", "invalid", "{field} 不是日期时间 yyyy-MM-dd HH:mm:ss，收到 {value}",
     "{field} is not a date-time", "A date or time in none of the accepted forms."),
    ("INPUT_DATE_OUT_OF_RANGE", "invalid", "{field} 超出范围，应在 {earliest} 至 {latest} 之间，收到 {value}",
     "{field} is out of range", "A date before 1900 or after 2999."),
    ("INPUT_END_BEFORE_BEGIN", "refused", "{field}结束日期早于开始日期", "enddate is before begndate",
     "A period, filing, qualification or sanction ends before it begins."),
    ("INPUT_PERIOD_TOO_LONG", "invalid", "{field}：期间最长一年", "a period is at most one year",
     "A reconciliation period longer than 366 days."),
    ("INPUT_LIST_EMPTY", "invalid", "{field} 不能为空", "{field} must list at least one item",
     "feedetail, drugdetail, patient_dtos or fsi_encounter_dtos is empty."),
    ("INPUT_TOO_MANY_LINES", "invalid", "{field} 超过 {limit} 条，请分批上传", "more than {limit} lines; upload in batches",
     "A fee upload of more than 2,000 lines."),
    ("INPUT_PAGE_RANGE", "invalid", "input.data.page_num 应不小于 1，page_size 应在 1 至 1000 之间",
     "page_num must be at least 1 and page_size 1..1000", "1312 asks for a page out of range."),
    ("INPUT_BAD_CERT_TYPE", "invalid", "就诊凭证类型 mdtrt_cert_type {cert_type} 应为 01、02 或 03",
     "mdtrt_cert_type must be 01, 02 or 03", "1101 with another certificate type."),
    ("INPUT_UNKNOWN_DICTIONARY", "invalid", "未知的字典类型 {wanted}，可选：{known}", "unknown dictionary type",
     "1901 asks for a dictionary the platform does not keep."),
    ("INPUT_BAD_RULE_IDS", "invalid", "input.data.rule_ids 应为规则编号的字符串或字符串数组",
     "rule_ids must be a string or an array of strings", "3101/3102 with rule_ids of another shape."),
    ("INPUT_DETAIL_REQUIRED", "invalid", "input.data.detail 应列出本机构的结算明细，本平台不提供 9101 文件交换",
     "detail must list the institution's settlements", "3202 without its inline detail lines."),
]

_PERSON = [
    ("PERSON_NOT_FOUND", "refused", "参保人 {psn_no} 不存在", "person not found", "No insured person has this psn_no."),
    ("PERSON_NOT_INSURED", "refused", "参保人 {psn_no} 不存在或未参保", "person not found or not insured",
     "A filing or an agency action for a person without insurance."),
    ("PERSON_UNKNOWN", "not_found", "参保人 {psn_no} 不存在", "person not found", "A sanction names an unknown person (admin: 404)."),
    ("PERSON_NO_INSURANCE", "refused", "参保人 {psn_no} 没有险种 {insutype} 的参保记录", "person has no insurance of this type",
     "The person is not insured under this insutype."),
    ("PERSON_NO_ACTIVE_INSURANCE", "refused", "参保人 {psn_no} 没有险种 {insutype} 的有效参保",
     "person has no active insurance of this type", "Registration or settlement for a lapsed or missing insurance."),
    ("PERSON_CERT_NOT_FOUND", "refused", "未找到就诊凭证类型 {cert_type} 及该凭证号对应的参保人",
     "no insured person for this certificate", "1101 with a certificate number the platform does not know."),
    ("PERSON_INSURED_ELSEWHERE", "refused", "参保人 {psn_no} 的参保地为 {insured}：只有参保省的医药机构或经办机构可以为其备案",
     "only the insured province may file for this person", "A referral or 门慢特 filing from outside the insured province."),
]

_VISIT = [
    ("VISIT_NOT_FOUND", "refused", "就诊 {mdtrt_id} 不存在或不属于本机构 {fixmedins_code}",
     "visit not found for this institution", "An institution sees only its own visits."),
    ("VISIT_OTHER_PERSON", "refused", "就诊 {mdtrt_id} 不属于参保人 {psn_no}", "visit does not belong to this person",
     "The psn_no given with a visit is not its person."),
    ("VISIT_LINE_OTHER_PERSON", "refused", "{field} 与就诊 {mdtrt_id} 的参保人不一致", "the line's psn_no is not the visit's person",
     "A later fee line of a visit names another person."),
    ("VISIT_WRONG_KIND", "refused", "就诊 {mdtrt_id} 为{actual}就诊，不是{expected}就诊", "visit is of another kind",
     "An outpatient transaction on an inpatient visit or the reverse (kinds: outpatient, inpatient, pharmacy)."),
    ("VISIT_CANCELLED", "refused", "就诊 {mdtrt_id} 已撤销", "visit is cancelled", "The visit's registration was cancelled."),
    ("VISIT_SETTLED", "refused", "就诊 {mdtrt_id} 已结算，请先冲销结算再{action}", "visit is settled; reverse the settlement first",
     "A change to a visit with an active settlement (fee lines, cancellation, a second settlement)."),
    ("VISIT_NUMBER_TAKEN", "refused", "就诊号 ipt_otp_no / ipt_no {ipt_otp_no} 已被本机构另一次就诊使用",
     "visit number already used by another visit", "Registration with a visit number in use."),
    ("VISIT_STATUS", "refused", "就诊 {mdtrt_id} 状态为 {status}，不能修改就诊信息", "visit is not registered",
     "2203 on a visit that is no longer registered."),
    ("VISIT_NOT_OPEN_ADMISSION", "refused", "就诊 {mdtrt_id} 不是在院的住院就诊（{kind}，{status}）",
     "visit is not an open admission", "Discharge or admission change on a visit that is not an open admission."),
    ("VISIT_DISCHARGE_BEFORE_ADMISSION", "refused", "出院时间 input.dscginfo.endtime 早于入院时间",
     "discharge time is before the admission time", "2402 with an end time before the admission."),
    ("VISIT_ADMISSION_NOT_CANCELLABLE", "refused", "就诊 {mdtrt_id} 不是可以撤销的住院登记",
     "visit is not an admission that can be cancelled", "2404 on a visit that is not an admission in hospital."),
    ("VISIT_NOT_DISCHARGED", "refused", "就诊 {mdtrt_id} 尚未出院，请先办理出院 2402", "visit is not discharged",
     "Inpatient settlement or 2405 before discharge."),
    ("VISIT_INSUTYPE_MISMATCH", "refused", "{field} {insutype} 与就诊的险种 {visit_insutype} 不一致",
     "insutype differs from the visit's", "Settlement under another insurance type than the registration."),
]

_FEE = [
    ("FEE_REFUND_NEEDS_ORIGINAL", "refused", "{field}：负数明细为退费，须填写原明细流水号 init_feedetl_sn",
     "a negative line is a refund and needs init_feedetl_sn", "An inpatient refund line without the line it refunds."),
    ("FEE_LINE_TOTAL_MISMATCH", "refused", "{field} {total} 不等于 数量 × 单价 = {expected}",
     "det_item_fee_sumamt is not cnt × pric", "A line's amount differs from cnt × pric by more than 0.01."),
    ("FEE_SN_REPEATED", "refused", "{field} 中费用明细流水号 feedetl_sn 重复", "a feedetl_sn is repeated",
     "One upload repeats a line number."),
    ("FEE_SN_TAKEN", "refused", "费用明细流水号 feedetl_sn {feedetl_sn} 已为就诊 {mdtrt_id} 上传过",
     "feedetl_sn already uploaded for this visit", "A line number uploaded before for the visit."),
    ("FEE_NO_MATCH", "refused", "就诊 {mdtrt_id} 没有与 {key} {value} 匹配的已上传费用明细",
     "no uploaded fee lines match", "2205/2302 names lines that are not uploaded (or already cancelled)."),
    ("FEE_SUM_MISMATCH", "refused", "{field} {medfee} 与费用明细合计（{uploaded}）不一致",
     "medfee_sumamt does not match the fee lines", "The settlement's total differs from the uploaded (or sold) lines."),
    ("FEE_NONE_UPLOADED", "refused", "就诊 {mdtrt_id} 没有可结算的已上传费用明细", "no uploaded fee lines to settle",
     "Settlement of a visit without lines."),
    ("FEE_REFUND_ORIGINAL_MISSING", "refused", "退费明细 {feedetl_sn} 的原明细（init_feedetl_sn）未上传",
     "refund line names no uploaded original", "A refund line whose original is not among the visit's lines."),
]

_SETTLE = [
    ("SETTLE_NO_POLICY", "refused", "参保地 {insured} 在 {day} 没有险种 {insutype} 的有效待遇政策",
     "no policy of the insured region in force", "The insured region has no policy in force on the visit's end date."),
    ("SETTLE_AUDIT_REFUSED", "refused", "事中审核拒绝结算：{findings}", "refused by in-event audit",
     "The treatment region's rule package refuses definite violations (事中审核)."),
    ("SETTLE_FAMILY_LINK_CHANGED", "conflict", "结算期间参保人 {psn_no} 的家庭共济关系发生变化，请重试",
     "family account link changed during the settlement; retry", "A family link changed between reading and locking."),
    ("SETTLE_NOT_FOUND", "refused", "结算 {setl_id} 不存在或不属于本机构 {fixmedins_code}",
     "settlement not found for this institution", "An institution sees only its own settlements."),
    ("SETTLE_NOT_OF_PERSON", "refused", "结算 {setl_id} 不属于参保人 {psn_no}", "settlement is not of this person",
     "A query names a settlement of another person."),
    ("SETTLE_NOT_OF_VISIT", "refused", "结算 {setl_id} 不属于就诊 {mdtrt_id}", "settlement is not of this visit",
     "A reversal names a settlement of another visit."),
    ("SETTLE_VISIT_CLAIMED", "refused", "就诊 {mdtrt_id} 已提交零星报销申请，不能再直接结算",
     "the visit is claimed manually", "Settling a visit a live or paid manual claim names."),
]

_REVERSAL = [
    ("REVERSAL_OF_REVERSAL", "refused", "{setl_id} 本身是冲销记录，不能再冲销", "it is itself a reversal",
     "A reversal of a reversal."),
    ("REVERSAL_ALREADY_REVERSED", "refused", "结算 {setl_id} 已冲销", "settlement is already reversed",
     "A second reversal of a settlement."),
    ("REVERSAL_NOT_REVERSIBLE", "refused", "交易 {oinfno} 不能通过 2601 冲正，可冲正的交易：{reversible}",
     "transaction cannot be reversed by 2601", "2601 names a transaction that is not reversible."),
    ("REVERSAL_ORIGINAL_NOT_FOUND", "refused", "本机构没有报文ID msgid 为 {omsgid} 的 {oinfno} 请求",
     "no such request from this institution", "2601's omsgid names no request of this institution."),
    ("REVERSAL_NO_SETTLEMENT", "refused", "参保人 {psn_no} 没有报文ID {omsgid} 对应的结算", "no settlement for this msgid",
     "2601 names a settlement request that left no settlement of this person."),
]

_FILING = [
    ("FILING_NOT_FOUND", "not_found", "备案 {filing_no} 不存在", "filing not found", "No filing has this number."),
    ("FILING_NOT_OURS", "refused", "备案 {filing_no} 不是本机构为该参保人办理的", "filing was not made by this institution for this person",
     "A filing cancellation or change by another institution."),
    ("QUALIFICATION_NOT_FOUND", "not_found", "门慢特资格 {qual_no} 不存在", "qualification not found",
     "No qualification has this number."),
    ("QUALIFICATION_NOT_OURS", "refused", "门慢特资格 {qual_no} 不是本机构为该参保人申报的",
     "qualification was not filed by this institution for this person", "A cancellation by another institution."),
    ("QUALIFICATION_HELD", "refused", "参保人 {psn_no} 已有病种 {dise_code} 的门慢特资格 {qual_no}",
     "person already holds a qualification for this disease", "A second qualification for one disease overlapping in time."),
    ("QUALIFICATION_NOT_ACTIVE", "refused", "门慢特资格 {qual_no} 的状态为 {status}", "qualification is not active",
     "Cancelling a qualification that is already cancelled."),
    ("FILING_NOT_INSURED", "not_found", "人员 {psn_no} 没有险种 {insutype} 的参保信息", "person has no insurance of this type",
     "2505 for a person not insured under the insutype."),
    ("FILING_BAD_DATES", "invalid", "结束日期 enddate 早于开始日期 begndate", "enddate is before begndate",
     "2505 with a designation that ends before it begins."),
    ("FILING_UNKNOWN_INSTITUTION", "not_found", "定点医药机构 {fixmedins_code} 不存在", "institution not found",
     "2505 designates an unknown institution."),
    ("FILING_OVERLAP", "conflict",
     "人员 {psn_no} 已有业务类型 {biz_appy_type} 的定点备案 {filing_no}（定点排序号 {fix_srt_no}，{fixmedins_code}），"
     "请先撤销（【2506】）", "a designation already holds this slot or institution for these dates",
     "2505 overlapping an active designation of the same business type, slot or institution."),
    ("FILING_NOT_OWNED", "forbidden", "定点备案 {filing_no} 不是本机构办理的，不能由本机构撤销",
     "the designation was made by another institution", "2506 by another institution than the one that filed it."),
]

_AUDIT = [
    ("AUDIT_PACKAGE_INVALID", "refused", "规则包无效：{detail}", "invalid rule package", "An imported rule package breaks its format."),
    ("AUDIT_NO_PACKAGE", "refused", "统筹区 {admdvs} 没有审核规则包，请先用 yibao rules import 导入", "region has no rule package",
     "Export of a region without a package."),
    ("AUDIT_DEATHS_INVALID", "refused", "死亡名单文件无效：{detail}", "invalid death registry file", "A bad row in a death list."),
    ("AUDIT_KNOWLEDGE_INVALID", "refused", "知识库文件无效：{detail}", "invalid knowledge file",
     "A bad row in a restrictions (or other knowledge) file."),
    ("AUDIT_PATIENT_NOT_FOUND", "refused", "{field}：参保人 {psn_no} 不存在", "patient not found",
     "3101/3102 names a patient the platform does not know."),
]

_RECON = [
    ("RECON_MISMATCH", "refused", "清算申请与平台结算数据不一致：{differences}",
     "the application does not match the platform's settlements", "3203 totals differ from the platform's."),
    ("RECON_APPLICATION_OVERLAP", "conflict", "清算申请 {overlap} 已覆盖 {begin} 至 {end} 的部分期间，请先用 3204 撤销",
     "an application already covers part of the period", "3203 overlapping an open application."),
    ("RECON_APPLICATION_NOT_FOUND", "refused", "本机构没有清算申请 {evt}", "clearing application not found for this institution",
     "3204 names an unknown or another institution's application."),
    ("RECON_APPLICATION_STATUS", "refused", "清算申请 {evt} 的状态为 {status}，不能撤销", "clearing application is not open",
     "3204 on an application that is no longer applied."),
]

_CLEARING = [
    ("CLEARING_STATEMENT_NOT_FOUND", "not_found", "清算单 {statement_id} 不存在", "statement not found",
     "No statement has this id."),
    ("CLEARING_ALREADY_PAID", "refused", "清算单 {statement_id} 已支付", "statement is already paid", "Confirm or pay a paid statement."),
    ("CLEARING_BAD_SIDE", "invalid", "确认方 side 应为 insured（参保地）或 treatment（就医地）", "side must be insured or treatment",
     "A confirmation naming neither side."),
    ("CLEARING_ALREADY_CONFIRMED", "refused", "清算单 {statement_id} 已由{side}方确认", "statement is already confirmed by this side",
     "A second confirmation by the same side."),
    ("CLEARING_NOT_CONFIRMED", "refused", "清算单 {statement_id} 状态为 {status}：须双方确认后才能支付",
     "both sides must confirm before payment", "Payment before both confirmations."),
    ("PREPAYMENT_NOT_POSITIVE", "invalid", "预付金额必须大于零", "a prepayment amount must be positive",
     "A prepayment plan or top-up of zero or less."),
    ("PREPAYMENT_NOT_FOUND", "not_found", "预付金 {prepay_id} 不存在", "prepayment not found", "No prepayment has this id."),
    ("PREPAYMENT_NOT_APPROVED", "refused", "预付金 {prepay_id} 状态为 {status}，不是已核定 approved",
     "prepayment is not approved", "Paying a prepayment twice or before approval."),
    ("PREPAYMENT_NOT_PAID", "refused", "预付金 {prepay_id} 状态为 {status}：须先支付才能确认到账",
     "a prepayment is received after it is paid", "Recording receipt before payment (or twice)."),
]

_ACCOUNT = [
    ("ACCOUNT_BAD_AMOUNT", "invalid", "金额必须是以元为单位的数字，最多两位小数，绝对值小于 {limit} 元：{value}",
     "amount must be yuan with at most two decimals", "An adjustment amount that is not a valid yuan amount."),
    ("ACCOUNT_ZERO_AMOUNT", "invalid", "调整金额不能为零", "the adjustment cannot be zero", "An adjustment of 0."),
    ("ACCOUNT_OPERATOR_REQUIRED", "invalid", "必须用 --operator 注明经办人", "an operator is required",
     "No operator named."),
    ("ACCOUNT_OPERATOR_TOO_LONG", "invalid", "经办人名称过长，最多 {limit} 个字符", "operator name too long",
     "An operator name longer than the action log keeps."),
    ("ACCOUNT_REASON_REQUIRED", "invalid", "必须用 --reason 说明调整原因", "a reason is required", "No reason given."),
    ("ACCOUNT_ACTOR_TOO_LONG", "invalid", "经办人和调整原因合计过长，最多 {limit} 个字符", "operator and reason too long",
     "Operator and reason together longer than the ledger keeps."),
    ("ACCOUNT_BELOW_ZERO", "refused", "调整后个人账户余额将小于零：当前余额 {before} 元，调整 {amount} 元；最多可减少 {before} 元",
     "the balance would go below zero", "A debit larger than the balance."),
    ("ACCOUNT_NOT_INSURED", "refused", "参保人 {psn_no} 没有参保记录，无法调整个人账户", "person has no insurance",
     "Adjusting the account of a person without insurance."),
]

_FILE = [
    ("FILE_BAD_NAME", "refused", "文件名无效：{filename}", "filename is not a file name",
     "9101 with an empty file name, or . or .. (a directory part is dropped)."),
    ("FILE_EMPTY", "refused", "文件内容为空", "the file is empty", "9101 with no bytes."),
    ("FILE_NOT_FOUND", "not_found", "文件查询号 {file_qury_no} 不存在", "no such file",
     "9102 names no file of this institution (another institution's file is not found too)."),
    ("FILE_EXPIRED", "conflict", "文件 {file_qury_no} 已于 {expires_at} 过期，请重新生成", "the file has expired",
     "9102 after the file's time ran out."),
    ("FILE_ALREADY_DOWNLOADED", "conflict", "文件 {file_qury_no} 已下载过，每个文件只能下载一次，请重新生成",
     "the file was already downloaded", "A second 9102 of a file under another msgid (a retry with the same msgid gets it again)."),
    ("FILE_OTHER_INSTITUTION", "forbidden", "{field} {sent} 不是本机构（{fixmedins_code}）", "not the calling institution",
     "9101/9102 names another institution than the envelope."),
    ("FILE_BAD_CONTENT", "invalid", "{field} 应为文件内容（Base64 文本或 0–255 的字节数组）",
     "in is the file's bytes: Base64 text or an array of byte values", "9101 without readable file content."),
]

_CATALOG = [
    ("CATALOG_BAD_VER", "invalid", "ver 应为本平台下发的版本号（数字，首次下载传 0），收到 {value}",
     "ver is a version number of this platform", "A 13xx download with a ver that is not a number."),
    ("CATALOG_UNKNOWN", "invalid", "{infno} 不是目录下载交易", "not a catalogue download",
     "A download asked for a transaction that is not one of the 13xx downloads."),
]

_MAPPING = [
    ("MAPPING_BAD_DATES", "invalid", "结束日期 {enddate} 早于开始日期 {begndate}", "enddate before begndate",
     "3301 with a mapping that ends before it begins."),
    ("MAPPING_UNKNOWN_CODE", "invalid", "医疗目录编码 {med_list_codg} 不在本统筹区医保目录中，无法对照",
     "not in the region's catalogue", "3301 maps to a national code the region's catalogue does not hold."),
    ("MAPPING_ACTIVE", "conflict", "医药机构目录编码 {medins_list_codg} 已对照到 {med_list_codg}，请先用 3302 撤销再上传",
     "already mapped; revoke it first", "3301 maps a code already mapped to another national code."),
    ("MAPPING_NOT_FOUND", "not_found", "医药机构目录编码 {medins_list_codg} 没有到 {med_list_codg} 的有效对照",
     "no active mapping to revoke", "3302 names a mapping that is not active."),
    ("MAPPING_NOT_IN_FORCE", "refused",
     "费用明细 {feedetl_sn} 未传 med_list_codg，医药机构目录编码 {medins_list_codg} 在 {day} 没有有效对照，"
     "请传医疗目录编码或先用 3301 上传对照", "no national code and no mapping in force",
     "A fee line with only the institution's code, unmapped on the fee date."),
    ("MAPPING_OTHER_INSTITUTION", "forbidden", "{field} {sent} 不是本机构", "not the calling institution",
     "3301/3302 names another institution than the envelope."),
    ("MAPPING_NO_CODE", "invalid", "费用明细 {feedetl_sn} 应传 med_list_codg 或 medins_list_codg",
     "med_list_codg is required without a mapped medins_list_codg", "A fee line with neither code."),
]

_DEPT = [
    ("DEPT_BAD_TIMES", "invalid", "科室 {hosp_dept_codg} 的结束时间早于开始时间", "endtime is before begntime",
     "3401/3402 with a department that ends before it begins."),
    ("DEPT_BEDS", "invalid", "科室 {hosp_dept_codg} 的医保认可床位数 {hi_crtf_bed_cnt} 大于批准床位数 {aprv_bed_cnt}",
     "more insurance-approved beds than approved beds", "hi_crtf_bed_cnt above aprv_bed_cnt."),
    ("DEPT_DUPLICATE", "invalid", "同一批次中科室编码重复：{codes}", "a department code is repeated in the batch",
     "3401A names a department twice."),
    ("DEPT_EXISTS", "conflict", "科室 {hosp_dept_codg} 已上传且有效；变更请用【3402】，撤销请用【3403】",
     "department already uploaded and in force", "3401 of a department in force."),
    ("DEPT_NOT_FOUND", "not_found", "科室 {hosp_dept_codg} 未上传或已撤销，请先用【3401】上传",
     "department not uploaded or revoked", "3402/3403 of a department not in force."),
    ("DEPT_MISMATCH", "refused", "科室 {hosp_dept_codg} 的名称或开始时间与已上传的（{hosp_dept_name}，{begntime}）不符",
     "name or begntime differs from the department in force", "3403 with another name or start date than the department's."),
    ("DEPT_BAD_COUNT", "invalid", "{field} 应为小于 {limit} 的非负整数", "{field} must be a whole number below {limit}",
     "A bed or staff count that is not a whole number."),
    ("DEPT_EMPTY", "invalid", "input.deptinfo 至少需要一个科室", "deptinfo must list at least one department",
     "3401A with an empty list."),
    ("PRAC_BAD_TYPE", "invalid", "执业人员分类 prac_psn_type 应为 1 医师、2 护士、3 药师或 4 医技人员，收到 {value}",
     "prac_psn_type must be 1, 2, 3 or 4", "5102 with another practitioner type."),
]

_SETLLIST = [
    ("SETLLIST_NO_SETTLEMENT", "not_found", "本机构没有结算ID为 {setl_id} 的结算记录", "no such settlement of this institution",
     "4101/4102/4103 name a settlement that is not the institution's."),
    ("SETLLIST_SUBMITTED", "refused",
     "结算 {setl_id} 的结算清单 {setl_list_id} 已提交，请先用【4102】改为未提交（stas_type=0）再重新上传",
     "the list is submitted; set it back with 4102 first", "4101 while the settlement's list is submitted (stas_type 1)."),
    ("SETLLIST_BAD_STATUS", "invalid", "结算 {setl_id} 的状态分类 stas_type 应为 0（未提交）或 1（已提交），收到 {value}",
     "stas_type must be 0 or 1", "4102 with another status."),
    ("SETLLIST_NOT_FOUND", "not_found", "结算 {setl_id} 还没有上传结算清单（【4101】）", "no settlement list uploaded",
     "4102/4103/4104 for a settlement without a list."),
    ("SETLLIST_NO_VISIT", "not_found", "本机构没有就诊ID为 {mdtrt_id} 的就诊记录", "no such visit of this institution",
     "4401 names a visit that is not the institution's."),
    ("SETLLIST_NOT_INPATIENT", "refused", "就诊 {mdtrt_id} 不是住院就诊，病案首页只对住院上传",
     "the 病案首页 is for inpatient visits only", "4401 for an outpatient or pharmacy visit."),
    ("SETLLIST_INSTITUTION", "refused", "input.setlinfo.fixmedins_code 与报文的定点医药机构编号 {fixmedins_code} 不符",
     "setlinfo.fixmedins_code is not the calling institution", "4101 naming another institution."),
    ("SETLLIST_NO_STATUS", "refused", "input.stastinfo 至少需要一行（setl_id, stas_type）", "stastinfo must list at least one row",
     "4102 without rows."),
    ("SETLLIST_TOO_MANY_FIELDS", "invalid", "{field} 字段过多（最多 {limit} 个）", "more than {limit} fields",
     "A list node with more fields than are kept."),
    ("SETLLIST_NOT_INTEGER", "invalid", "{field} 应为整数", "{field} must be a whole number",
     "diag_code_cnt or oprn_oprt_code_cnt with decimals."),
]

_QUERY = [
    ("QUERY_BAD_PERIOD", "invalid", "查询时段有误：开始时间 begntime 不能晚于结束时间 endtime，且时段不能超过一年",
     "begntime must not be after endtime, and the period is at most one year", "5205 with a reversed or too long period."),
]

_CLAIM = [
    ("CLAIM_PERSON_NOT_FOUND", "not_found", "参保人 {psn_no} 不存在", "person not found", "A claim for an unknown person."),
    ("CLAIM_NOT_INSURED", "refused", "参保人 {psn_no} 无有效的险种 {insutype} 参保", "no active insurance",
     "A claim taken or paid for a person without active insurance of the claim's insutype."),
    ("CLAIM_INSTITUTION_NOT_FOUND", "not_found", "定点医药机构 {fixmedins_code} 不在登记簿中", "unknown institution",
     "A claim names an institution code the register does not hold."),
    ("CLAIM_INSTITUTION_MISSING", "invalid", "请填写定点医药机构编码，或机构名称、就医地区划和医院等级",
     "fixmedins_code, or fixmedins_name + mdtrtarea_admvs + medins_lv", "A claim naming no treatment place."),
    ("CLAIM_BAD_DATES", "invalid",
     "就诊日期 {begndate} 至 {enddate} 无效：结束日期不能早于开始日期，也不能晚于今天 {today}，未结束的就诊不能报销",
     "enddate must not be before begndate nor after today", "A claim ending before it begins, or not ended yet."),
    ("CLAIM_BAD_REASON", "invalid", "未直接结算的原因应为 {reasons} 之一", "reason must be one of {reasons}",
     "A claim with an unknown reason."),
    ("CLAIM_NO_LINES", "invalid", "报销申请须至少有一条费用明细", "no fee lines", "A claim without lines."),
    ("CLAIM_DUPLICATE_INVOICE", "conflict", "发票 {invoice_no} 已由报销申请 {claim_id} 申报（{status}）",
     "invoice already claimed", "The invoice is on a live or paid claim."),
    ("CLAIM_VISIT_NOT_FOUND", "not_found", "就诊 {mdtrt_id} 不是该参保人在该机构的就诊", "no such visit",
     "The claim names a visit of another person or institution, or none."),
    ("CLAIM_ALREADY_SETTLED", "conflict", "就诊 {mdtrt_id} 已直接结算，不能再手工报销", "the visit was settled directly",
     "A claim (or its payment) for a visit settled directly, or for an inpatient stay of the same dates, "
     "institution and med_type that was."),
    ("CLAIM_DUPLICATE_VISIT", "conflict", "就诊 {mdtrt_id} 已由报销申请 {claim_id} 申报", "visit already claimed",
     "The visit is on a live or paid claim."),
    ("CLAIM_NO_POLICY", "refused", "参保地 {insuplc_admdvs} 在 {day} 没有险种 {insutype} 的待遇政策", "no policy in force",
     "The insured place has no policy in force on the claim's end date."),
    ("CLAIM_NOT_COMPUTABLE", "refused", "无法计算报销金额（结算引擎 {engine_code}）：{reason}",
     "the settlement engine cannot price the claim", "The engine refuses the approved lines (settlement-spec §3 code named)."),
    ("CLAIM_NOT_FOUND", "not_found", "报销申请 {claim_id} 不存在", "claim not found", "No claim has this id."),
    ("CLAIM_STATUS", "conflict", "报销申请 {claim_id} 当前为 {status}，不能{action}", "allowed from {allowed} only",
     "Review, payment, rejection or reversal from a status that does not allow it."),
    ("CLAIM_REJECT_REASON", "invalid", "拒绝报销须注明理由", "a reason is required", "A rejection without a reason."),
    ("CLAIM_REVERSE_REASON", "invalid", "冲销须注明理由", "a reason is required", "A reversal without a reason."),
    ("CLAIM_BAD_STATUS", "invalid", "状态应为 {statuses} 之一", "status must be one of {statuses}",
     "The claims queue filtered by an unknown status."),
]

_SUPERVISION = [
    ("SUPERVISION_INSTITUTION_SANCTIONED", "forbidden",
     "医药机构 {fixmedins_code} 的医保协议已{action}{until}（基金监管：{reason}），不能结算",
     "institution's agreement is {action_en}; it cannot settle", "Settlement by an institution under an agreement action."),
    ("SUPERVISION_PERSON_SUSPENDED", "forbidden",
     "参保人 {psn_no} 的直接结算已暂停至 {enddate}（基金监管：{reason}），请先自付再回参保地报销",
     "person's direct settlement is suspended", "Settlement for a person whose direct settlement is suspended."),
    ("SUPERVISION_BAD_SUBJECT_TYPE", "invalid", "subject_type 应为 institution（机构）或 person（个人）",
     "subject_type is institution or person", "A case or sanction about another kind of subject."),
    ("SUPERVISION_FINDINGS_NOT_FOUND", "refused", "部分审核结果不存在", "some findings were not found",
     "A case from findings that do not exist."),
    ("SUPERVISION_FINDINGS_SEVERAL_INSTITUTIONS", "refused", "一个案件只涉及一家机构，这些审核结果涉及多家",
     "a case is about one institution: the findings name several", "A case from findings of several institutions."),
    ("SUPERVISION_CASE_NOT_FOUND", "not_found", "案件 {case_id} 不存在", "case not found", "No case has this id."),
    ("SUPERVISION_CASE_TRANSITION", "refused", "案件 {case_id} 不能从 {current} 变为 {status}", "case cannot make this move",
     "A status change the case workflow does not allow."),
    ("SUPERVISION_BAD_MONEY_KIND", "invalid", "款项类型 kind 应为 {kinds} 之一", "kind is not a money kind",
     "Recording money of an unknown kind."),
    ("SUPERVISION_CASE_DISMISSED", "refused", "案件 {case_id} 已撤销", "case is dismissed",
     "Recording money on a dismissed case."),
    ("SUPERVISION_CASE_NOT_CONFIRMED", "refused", "{kind} 须在案件确认后记录；案件 {case_id} 状态为 {status}",
     "needs a confirmed case", "A recovery or penalty before the case is confirmed."),
    ("SUPERVISION_AMOUNT_NOT_POSITIVE", "invalid", "金额必须大于零", "the amount must be positive", "Money of zero or less."),
    ("SUPERVISION_INSTITUTION_NOT_FOUND", "not_found", "医药机构 {fixmedins_code} 不存在", "institution not found",
     "A sanction names an unknown institution."),
    ("SUPERVISION_BAD_AGREEMENT_ACTION", "invalid", "协议处理只能是 suspend（暂停）或 terminate（解除）",
     "an agreement action is suspend or terminate", "Another kind of sanction of an institution."),
    ("SUPERVISION_PERSON_SUSPEND_ONLY", "invalid", "对个人只能暂停直接结算，kind 应为 suspend",
     "a person's direct settlement can only be suspended", "Another kind of sanction of a person."),
    ("SUPERVISION_SUSPENSION_NEEDS_END", "invalid", "暂停须有结束日期", "a suspension needs an end date",
     "A suspension without enddate."),
    ("SUPERVISION_SANCTION_NOT_FOUND", "refused", "处理决定 {sanction_id} 不存在", "sanction not found",
     "No sanction has this id."),
    ("SUPERVISION_SANCTION_LIFTED", "refused", "处理决定 {sanction_id} 已解除", "sanction is already lifted",
     "A second lift."),
    ("SUPERVISION_NOT_A_NOTICE", "invalid", "不是案件线索通报，格式应为 {format}", "not a case notice",
     "An imported notice of another format."),
    ("SUPERVISION_NOTICE_NO_SUBJECT", "invalid", "案件线索通报缺少案件对象", "the notice lacks the case's subject",
     "A notice without subject_type and subject_id."),
]

_ADMIN = [
    ("ADMIN_AUTH_REQUIRED", "unauthenticated", "请发送 Authorization: Bearer <经办机构编码>:<令牌>",
     "send Authorization: Bearer <agency_code>:<token>", "An admin request without credentials."),
    ("ADMIN_AUTH_FAILED", "unauthenticated", "经办机构不存在或令牌错误", "unknown agency or wrong token",
     "An admin request with wrong credentials."),
    ("ADMIN_BAD_AGENCY_CODE", "invalid", "经办机构编码应为其管辖的六位医保区划代码", "agency code is the 6-digit region it administers",
     "yibao agency add with another code."),
    ("ADMIN_BAD_MONTH", "invalid", "月份应为 YYYY-MM，在 {first} 至 {last} 之间，收到 {value}", "month must be YYYY-MM",
     "A month out of shape or range."),
    ("ADMIN_BAD_PERIOD", "invalid", "from 与 to 应在 {earliest} 至 {latest} 之间，且 to 晚于 from、跨度不超过十年",
     "to must be after from, within ten years", "A statistics period out of range."),
    ("ADMIN_BAD_REQUEST", "invalid", "请求无效：{detail}", "invalid request", "A value the use case cannot work with."),
    ("ADMIN_BAD_NOTICE_FIELD", "invalid", "通报字段 {field} 无效：应为{expected}", "invalid notice field",
     "An imported notice with a field out of shape."),
    ("ADMIN_PERSON_NOT_FOUND", "not_found", "参保人 {psn_no} 不存在或未参保", "person not found or not insured",
     "An agency names an unknown person."),
    ("ADMIN_INSTITUTION_NOT_FOUND", "not_found", "医药机构 {fixmedins_code} 不存在", "institution not found",
     "An agency names an unknown institution."),
    ("ADMIN_PERSON_NOT_ADMINISTERED", "forbidden", "参保人 {psn_no} 的参保地为 {region}，不由经办机构 {agency} 管辖",
     "person is not administered by this agency", "An agency acting for a person insured elsewhere."),
    ("ADMIN_SUBJECT_NOT_ADMINISTERED", "forbidden", "{subject_id} 不由经办机构 {agency} 管辖",
     "subject is not administered by this agency", "A sanction of a subject outside the agency's regions."),
    ("ADMIN_NOT_OUR_CASE", "forbidden", "案件 {case_id} 属于经办机构 {owner}", "case belongs to another agency",
     "Moving another agency's case."),
    ("ADMIN_NOT_OUR_SANCTION", "forbidden", "不是本经办机构的处理决定", "not this agency's sanction",
     "Lifting another agency's sanction."),
    ("ADMIN_NOT_STATEMENT_SIDE", "forbidden", "经办机构 {agency} 不是清算单 {statement_id} 的任何一方",
     "agency is neither side of the statement", "Confirming a statement of other regions."),
    ("ADMIN_ONLY_INSURED_PAYS", "forbidden", "只有参保地经办机构可以支付{what}", "only the insured region's agency pays",
     "Paying a statement or prepayment as the treatment side."),
    ("ADMIN_ONLY_TREATMENT_RECEIVES", "forbidden", "只有就医省的经办机构可以确认预付金到账",
     "only an agency of the treatment province records receipt", "Recording receipt as the insured side."),
    ("ADMIN_NOT_OUR_CLAIM", "forbidden", "报销申请 {claim_id} 不属于经办机构 {agency} 的参保地",
     "the claim is of a person insured elsewhere", "Reading or acting on a claim of another agency's insured."),
]

_WARNINGS = [
    ("AUDIT_FINDING", WARNING, "事中审核提示 [{rule_id} {rule_type} {result_type}] {content}", "",
     "warn_msg of a settlement with in-event audit findings that do not refuse it (up to 10, joined with ；)."),
]

# Clearing as an append-only process (provisional runs, versions, supplementary statements).
_CLEARING_APPEND_ONLY = [
    ("CLEARING_MONTH_NOT_ENDED", "refused",
     "{month} 月尚未结束（{end} 起才能清算），只能试算（provisional）",
     "the month has not ended; only a provisional run is possible",
     "A clearing run of the current or a future month without provisional."),
    ("CLEARING_STATEMENT_PROVISIONAL", "refused",
     "清算单 {statement_id} 是 {month} 月结束前的试算结果，月末重新清算后才能确认或支付",
     "a provisional statement cannot be confirmed or paid; clear the month again after it ends",
     "Confirming or paying a statement of a provisional run."),
    ("CLEARING_STATEMENT_SUPERSEDED", "refused",
     "清算单 {statement_id} 已被重新清算的新版本取代，请确认或支付新版本",
     "statement was superseded by a newer version; confirm or pay that one",
     "Confirming or paying an earlier version of a re-run statement."),
]


# 医保电子凭证 (app/evouchers.py, domain/evoucher.py; docs/evoucher.md)
_EVOUCHER = [
    ("EVOUCHER_NOT_A_TOKEN", "refused", "就诊凭证类型为 01 时 mdtrt_cert_no 应为医保电子凭证令牌（扫码所得），人员编号等不能代替令牌",
     "mdtrt_cert_no of type 01 must be an e-voucher token, not a person number",
     "1101, 2201, 2401, 2101/2102 with mdtrt_cert_type 01 and a value that is not a signed token (a psn_no, an ID number)."),
    ("EVOUCHER_TOKEN_BAD_SIGNATURE", "refused", "医保电子凭证令牌签名无效，请重新扫码", "e-voucher token signature is invalid",
     "A token altered, forged, or signed under another platform key."),
    ("EVOUCHER_TOKEN_EXPIRED", "refused", "医保电子凭证令牌已于 {expires} 过期，请参保人刷新电子凭证后重新扫码",
     "e-voucher token expired", "A token presented after its expiry (YIBAO_EVOUCHER_TOKEN_SECONDS after issue)."),
    ("EVOUCHER_TOKEN_OTHER_PERSON", "refused", "医保电子凭证令牌不属于入参中的参保人", "e-voucher token belongs to another person",
     "2201, 2401, 2101/2102: the token's person is not the request's psn_no."),
    ("EVOUCHER_NOT_ACTIVATED", "refused", "医保电子凭证令牌对应的电子凭证未激活", "e-voucher of this token is not activated",
     "A validly signed token naming a voucher this database does not hold for that person."),
    ("EVOUCHER_SUSPENDED", "refused", "参保人的医保电子凭证已暂停使用", "e-voucher is suspended",
     "A token of a suspended voucher, or an agency asking a token for one."),
    ("EVOUCHER_NONE", "not_found", "参保人 {psn_no} 尚未激活医保电子凭证", "person has no e-voucher",
     "An agency suspends, resumes, shows or asks a token for a person without a voucher (admin: 404)."),
    ("EVOUCHER_ALREADY_ACTIVATED", "conflict", "参保人 {psn_no} 已激活医保电子凭证", "e-voucher already activated",
     "A second activation of the same person (admin: 409)."),
    ("EVOUCHER_ALREADY_SUSPENDED", "conflict", "参保人 {psn_no} 的医保电子凭证已暂停", "e-voucher already suspended",
     "Suspending a suspended voucher (admin: 409)."),
    ("EVOUCHER_NOT_SUSPENDED", "conflict", "参保人 {psn_no} 的医保电子凭证未暂停，无需恢复", "e-voucher is not suspended",
     "Resuming a voucher in use (admin: 409)."),
]


# The statistics module (app/statistics.py): ranges and options of the figures' queries.
_STATS = [
    ("STATS_RANGE_REVERSED", "invalid", "统计区间的结束 {end} 早于开始 {begin}", "the range ends before it begins",
     "A statistics query whose to (or to_month) is before its from."),
    ("STATS_BAD_ROLE", "invalid", "统计角色应为 insured（参保地）或 treatment（就医地），收到 {role}",
     "role must be insured or treatment", "A settlement statistics query with another role."),
    ("STATS_BAD_GROUPING", "invalid", "分组方式应为 {groupings} 之一，收到 {by}", "unknown grouping",
     "A settlement statistics query grouped by something else than pair, scope, institution or med_type."),
]


# Agreements (协议管理, app/agreements.py; the gateway's checks in gateway/access.py).
_AGREEMENT = [
    ("AGREEMENT_NOT_IN_FORCE", "forbidden",
     "医药机构 {fixmedins_code} 在 {day} 没有生效的医保定点协议（{status}），不能{action}",
     "no agreement in force on that day", "Registration, admission or settlement by an institution whose agreements "
     "are not in force on the registration or admission date (unsigned, expired, suspended or terminated)."),
    ("AGREEMENT_SERVICE_NOT_COVERED", "forbidden",
     "医药机构 {fixmedins_code} 的医保协议不含{services}服务（{day}），不能{action}",
     "the agreement in force does not cover this service",
     "A visit whose service (outpatient, inpatient, pharmacy, chronic, cross-region) the agreement does not cover."),
    ("AGREEMENT_HALTED", "forbidden", "医药机构 {fixmedins_code} 的医保协议已{action}{until}（{reason}），暂停结算",
     "the agreement is suspended or terminated", "Settlement on a day the visit's agreement is suspended or terminated."),
    ("AGREEMENT_INSTITUTION_NOT_FOUND", "not_found", "医药机构 {fixmedins_code} 不存在", "institution not found",
     "An agreement step names an unknown institution."),
    ("AGREEMENT_NOT_FOUND", "not_found", "协议 {agreement_id} 不存在", "agreement not found", "No agreement has this id."),
    ("AGREEMENT_NONE", "refused", "医药机构 {fixmedins_code} 没有可处理的定点协议", "institution has no agreement to act on",
     "A suspension or termination of an institution without a signed, unterminated designation agreement."),
    ("AGREEMENT_BAD_SERVICES", "invalid", "协议服务 {services} 无效，应为 {known} 中的若干项，以分号分隔",
     "unknown services", "Services outside the list of data-formats.md."),
    ("AGREEMENT_NO_SERVICES", "invalid", "协议至少应包含一项服务", "an agreement covers at least one service",
     "An application or signature without services."),
    ("AGREEMENT_INTERNET_NEEDS_SUPPLEMENT", "invalid", "“互联网+”医疗服务须签订补充协议（internet_of），不在定点协议中",
     "Internet+ services need a supplementary agreement", "A designation agreement listing internet."),
    ("AGREEMENT_BAD_PRICES", "invalid", "价格应为 [{{\"item\": 项目, \"price\": 元}}]，价格不小于零",
     "prices are [{{item, price}}] in yuan, not negative", "Internet+ prices out of shape."),
    ("AGREEMENT_NO_PHYSICAL_AGREEMENT", "refused",
     "实体医疗机构 {fixmedins_code} 在 {day} 没有生效的定点协议，不能签订“互联网+”补充协议",
     "the physical institution has no designation agreement in force",
     "A supplementary agreement without an active physical designation agreement (seed 003)."),
    ("AGREEMENT_ALREADY_SIGNED", "refused", "协议 {agreement_id} 已签订", "agreement already signed",
     "Evaluating or signing a signed agreement."),
    ("AGREEMENT_BAD_SCORE", "invalid", "评估得分应为 0 至 100 的整数", "score is an integer from 0 to 100",
     "An evaluation with another score."),
    ("AGREEMENT_NOT_EVALUATED", "refused", "协议申请 {agreement_id} 未经评估或得分低于 {pass_score} 分，不能签订",
     "not evaluated, or score below the pass mark", "Signing an application not evaluated or that failed."),
    ("AGREEMENT_OVERLAP", "refused", "医药机构 {fixmedins_code} 已有未到期的定点协议 {agreement_id}，请续签或待其终止后再签",
     "institution already has a designation agreement for that period", "A second designation agreement overlapping one."),
    ("AGREEMENT_NOT_SIGNED", "refused", "协议 {agreement_id} 尚未签订", "agreement not signed",
     "Renewing, suspending or terminating an unsigned agreement."),
    ("AGREEMENT_SUPPLEMENT_FOLLOWS", "refused", "补充协议 {agreement_id} 的期限随实体定点协议，请续签实体定点协议",
     "a supplementary agreement's period follows the physical one", "Renewing a supplementary agreement."),
    ("AGREEMENT_TERMINATED", "refused", "协议 {agreement_id} 已于 {day} 解除", "agreement terminated",
     "A step on a terminated agreement."),
    ("AGREEMENT_RENEWAL_NOT_LATER", "refused", "协议 {agreement_id} 续签的截止日期应晚于现截止日期 {enddate}",
     "a renewal ends later than the agreement", "A renewal that does not extend the period."),
    ("AGREEMENT_SUSPENSION_NEEDS_END", "invalid", "暂停协议须有结束日期", "a suspension needs an end date",
     "A suspension without enddate."),
    ("AGREEMENT_REASON_REQUIRED", "invalid", "请填写处理原因", "a reason is required",
     "A suspension, resumption or termination without reason."),
    ("AGREEMENT_SUSPENSION_NOT_FOUND", "not_found", "协议 {agreement_id} 没有暂停记录 {suspension_id}",
     "suspension not found", "Resuming a suspension the agreement does not have."),
    ("AGREEMENT_RESUME_OUTSIDE", "refused", "恢复日期应在暂停期 {begndate} 至 {enddate} 之内",
     "the resumption date is within the suspension", "Resuming before or after the suspension."),
    ("AGREEMENT_NOT_ADMINISTERED", "forbidden", "医药机构 {fixmedins_code} 不由经办机构 {agency} 管辖",
     "institution is not administered by this agency", "An agency acting on another region's institution."),
]


# Enrollment, contributions, transfers and account crediting (app/enrollment.py, docs/enrollment.md).
_ENROLL = [
    ("ENROLL_WAITING_PERIOD", "refused", "参保人 {psn_no} 处于待遇等待期，医保待遇自 {begins} 起享受，就诊日期 {day} 不能结算",
     "visit is in the waiting period before benefits begin",
     "Registration, pre-settlement or settlement of a visit beginning before the insurance's benefit_begndate "
     "(mid-year enrollment, a transfer after a long gap)."),
    ("ENROLL_INSURANCE_ENDED", "refused", "参保人 {psn_no} 的参保已于 {ended} 终止（或转出），就诊日期 {day} 不在参保期内",
     "insurance ended before the visit", "A visit beginning after the insurance's insu_enddate (ended or transferred out)."),
    ("ENROLL_KIND_UNKNOWN", "invalid", "参保类别 {kind} 无效，应为 employee（职工）、resident（居民）、student（学生）或 newborn（新生儿）",
     "unknown enrollment kind", "Registering with another kind."),
    ("ENROLL_EMPLOYER_REQUIRED", "invalid", "职工参保须填写单位编号 emp_no", "an employee is enrolled through an employer",
     "Registering an employee without emp_no."),
    ("ENROLL_PERSON_DETAILS_REQUIRED", "invalid", "新参保人须填写 certno、psn_name、gend、brdy", "a new person needs certno, psn_name, gend, brdy",
     "Registering a person number the platform does not know without their identity."),
    ("ENROLL_ALREADY_INSURED", "conflict", "参保人 {psn_no} 已参加险种 {insutype}（参保地 {region}），不能重复参保",
     "person is already insured in this insutype", "Registering a person whose insurance of the insutype has not ended."),
    ("ENROLL_NOT_INSURED", "not_found", "参保人 {psn_no} 未参加险种 {insutype}", "person has no insurance of this insutype",
     "Contributing, suspending, resuming, ending or transferring an insurance the person does not hold."),
    ("ENROLL_ALREADY_SUSPENDED", "conflict", "参保人 {psn_no} 的险种 {insutype} 已暂停参保", "insurance already suspended",
     "Suspending a suspended insurance."),
    ("ENROLL_NOT_SUSPENDED", "conflict", "参保人 {psn_no} 的险种 {insutype} 未暂停参保，无需恢复", "insurance is not suspended",
     "Resuming an insurance that is not suspended."),
    ("ENROLL_ALREADY_ENDED", "conflict", "参保人 {psn_no} 的险种 {insutype} 已于 {ended} 终止参保", "insurance already ended",
     "Ending, suspending, contributing to or transferring an ended insurance."),
    ("ENROLL_DATE_BEFORE_PERIOD", "invalid", "日期 {day} 早于本次参保开始日期 {begndate}", "date is before the insurance period began",
     "Ending or suspending an insurance on a day before its period began."),
    ("ENROLL_BAD_MONTH", "invalid", "缴费月份 {month} 无效，应为 YYYY-MM", "month must be YYYY-MM", "A contribution or crediting month in another shape."),
    ("ENROLL_BAD_AMOUNT", "invalid", "金额 {value} 无效，应为不小于 0、最多两位小数的元金额", "amount must be yuan ≥ 0 with two decimals at most",
     "A contribution amount that is negative, too precise or not a number."),
    ("ENROLL_CONTRIBUTION_EXISTS", "conflict", "参保人 {psn_no} 险种 {insutype} 的 {month} 缴费已记录；更正请做冲正",
     "contribution of this month already recorded", "A second contribution of the same person, insutype and month."),
    ("ENROLL_POLICY_BAD", "invalid", "参保地 {region} 政策文件的参保参数 {path} 无效：{why}", "the policy's enrollment parameters are invalid",
     "The enrollment block of the insured region's policy document cannot be read."),
    ("ENROLL_TRANSFER_RETIREE", "refused", "退休人员不适用基本医疗保险关系转移接续（医保办发〔2021〕43号）",
     "retirees are excluded from transfers", "A transfer of a person whose psn_type is a retiree's (12xx)."),
    ("ENROLL_TRANSFER_WRONG_REGION", "refused", "参保人 {psn_no} 的参保地为 {actual}，不是转出地 {claimed}",
     "person is not insured in the transfer-out region", "from_admdvs is not the person's insured region."),
    ("ENROLL_TRANSFER_SAME_REGION", "invalid", "转出地与转入地相同（{region}）", "transfer-in and transfer-out regions are the same",
     "A transfer within one region."),
    ("ENROLL_TRANSFER_OPEN", "conflict", "参保人 {psn_no} 已有未接收的转移 {transfer_id}", "person has an open transfer",
     "Issuing a transfer while an earlier one awaits acceptance."),
    ("ENROLL_TRANSFER_NOT_FOUND", "not_found", "转移单 {transfer_id} 不存在", "transfer not found", "Accepting or showing an unknown transfer."),
    ("ENROLL_TRANSFER_ACCEPTED", "conflict", "转移单 {transfer_id} 已于 {accepted_at} 接收", "transfer already accepted",
     "A second acceptance of a transfer."),
    ("ENROLL_TRANSFER_NOT_RECEIVER", "forbidden", "转移单 {transfer_id} 只能由转入地 {to_admdvs} 的经办机构接收",
     "only the transfer-in region's agency accepts", "An agency accepting a transfer into another region."),
    ("ENROLL_TRANSFER_STALE", "conflict", "转移单 {transfer_id} 开具后参保人 {psn_no} 的参保已变化，请重新开具",
     "the person's insurance changed since the transfer was issued",
     "Accepting a transfer whose person is no longer insured in the transfer-out region."),
]


# Internet+ revisits and e-prescriptions (app/internet_plus.py, app/prescriptions.py; docs/internet-plus.md).
_INTERNET_RX = [
    ("INTERNET_NOT_REVISIT", "refused",
     "“互联网+”医疗服务仅限复诊：参保人 {psn_no} 在 {days} 天内没有同一主诊断（{diagnosis}）的线下就诊记录，"
     "也没有有效的门诊慢特病资格，首诊不能在线结算",
     "an Internet+ visit is settled only as a revisit",
     "Registration (with dise_codg) or settlement of an online visit without an offline visit for the same main "
     "diagnosis within the policy's internet_revisit_days, nor a 门慢特 qualification in force."),
    ("INTERNET_DELIVERY_SELF_PAID", WARNING, "{count} 条配送费明细共 {amount} 元不属于医保基金支付范围，由个人全额自付", "",
     "warn_msg of a settlement of an online visit or a circulated prescription with delivery lines (list_type 901)."),
    ("RX_NOT_FOUND", "not_found", "电子处方 {hi_rxno} 不存在", "e-prescription not found",
     "No prescription has this hi_rxno (or it is another institution's)."),
    ("RX_BAD_VALID_DAYS", "invalid", "处方有效天数 valid_days 应为 1 至 {most} 的整数，收到 {valid_days}",
     "valid_days is a whole number of days from 1 to the most allowed", "7101 with another valid_days."),
    ("RX_HOSP_RXNO_TAKEN", "conflict", "院内处方编号 {hosp_rxno} 已预核验过，请使用新的处方编号",
     "this hosp_rxno was already pre-checked", "A second 7101 of the institution's prescription number."),
    ("RX_DRUG_REPEATED", "invalid", "同一电子处方中药品重复，请合并为一行", "a drug appears twice in the prescription",
     "7101 whose rxdrugdetail names a med_list_codg twice."),
    ("RX_DELIVERY_LINE", "invalid", "{med_list_codg} 是配送服务项目，不能开入电子处方",
     "a delivery service is not a drug", "7101 with a line of list_type 901 (delivery)."),
    ("RX_BAD_QUANTITY", "invalid", "药品总量应大于零：{field}", "the quantity must be positive",
     "7101 with a zero or negative drug_totlcnt."),
    ("RX_REVOKED", "refused", "电子处方 {hi_rxno} 已撤销，不能{action}", "the e-prescription was revoked",
     "Signing, uploading, revoking again or dispensing a revoked prescription."),
    ("RX_EXPIRED", "refused", "电子处方 {hi_rxno} 已于 {valid_end} 过期（有效期 {valid_days} 天），不能{action}",
     "the e-prescription has expired", "Signing, uploading or dispensing after valid_end_time."),
    ("RX_TRACE_MISMATCH", "refused", "电子处方 {hi_rxno} 的追溯码 rx_trace_code 与预核验（7101）返回的不一致",
     "rx_trace_code does not match the pre-check's", "7103 with another rx_trace_code."),
    ("RX_REASON_REQUIRED", "invalid", "请填写撤销原因 undo_rea", "undo_rea is required", "7104 without a reason."),
    ("RX_DISPENSED_NOT_REVOCABLE", "refused", "电子处方 {hi_rxno} 已取药，不能撤销；请药店先撤销结算（2103）",
     "a dispensed prescription cannot be revoked", "7104 of a prescription with a live dispensing."),
    ("RX_OTHER_PERSON", "refused", "电子处方 {hi_rxno} 不是该参保人的处方", "the prescription is another person's",
     "2101/2102 naming a prescription of another person."),
    ("RX_ALREADY_DISPENSED", "refused", "电子处方 {hi_rxno} 已取药，不能重复使用", "the prescription was already dispensed",
     "2101/2102 naming a prescription dispensed by a settlement not reversed."),
    ("RX_REGION_NOT_RECOGNISED", "refused", "电子处方 {hi_rxno} 由 {prescribing} 开具，本地区 {dispensing} 不互认该地区的电子处方",
     "the pharmacy's region does not recognise the prescribing region's prescriptions",
     "Dispensing in a region that does not recognise the prescribing region (default: another province)."),
    ("RX_NOT_UPLOADED", "refused", "电子处方 {hi_rxno} 尚未上传（7103），本地区要求处方上传后才能取药",
     "the prescription must be uploaded (7103) before it is dispensed",
     "Dispensing a prescription only pre-checked (7101) where the region pair requires the upload (the default)."),
    ("RX_LINES_MISMATCH", "refused", "取药明细与电子处方 {hi_rxno} 不符：{reason}", "the sale's lines do not match the prescription",
     "A circulated line whose drug is not prescribed, or more than the prescription gives."),
    ("RX_NUMBER_REQUIRED", "invalid", "外购处方（rx_circ_flag 为 1）须填写处方号 rxno，即电子处方的 hi_rxno：{field}",
     "a circulated line names its prescription in rxno", "2101/2102 line with rx_circ_flag 1 and no rxno."),
    ("RX_BAD_REGION", "invalid", "医保区划应为 6 位数字，收到 {admdvs}", "admdvs is six digits",
     "A region setting naming another region code."),
]


# Claim verifications (协查, app/claim_verifications.py; the request and answer rules in
# domain/claim_verifications.py, listed by _verify_rule_codes).
_VERIFY = [
    ("VERIFY_NOT_FOUND", "not_found", "协查申请 {verification_id} 不存在", "verification request not found",
     "No verification request has this id."),
    ("VERIFY_CLAIM_STATUS", "conflict", "报销申请 {claim_id} 当前为 {status}，不能发起协查",
     "only a submitted or reviewed claim is verified", "Asking to verify a paid, rejected or reversed claim."),
    ("VERIFY_OPEN", "conflict", "报销申请 {claim_id} 有未办结的协查 {verification_ids}，待就医地答复或参保地办结后方可支付",
     "a verification request is still open", "Paying a claim with a verification request neither answered nor closed."),
    ("VERIFY_ANSWERED", "conflict", "协查申请 {verification_id} 已答复，不能再次答复", "already answered",
     "A second answer to a request."),
    ("VERIFY_CLOSED", "conflict", "协查申请 {verification_id} 已办结", "the request is closed",
     "Answering or closing a closed request."),
    ("VERIFY_CLOSE_REASON", "invalid", "办结协查须注明说明", "a reason is required", "Closing a request without a reason."),
    ("VERIFY_NOT_REQUESTER", "forbidden", "协查申请 {verification_id} 不是经办机构 {agency} 发起的，只有参保地经办机构可以办结",
     "only the claim's insured region closes", "Closing a request as another agency than the insured region's."),
    ("VERIFY_NOT_TREATMENT_AGENCY", "forbidden",
     "协查申请 {verification_id} 发往就医地 {region}，经办机构 {agency} 不能答复",
     "only the claim's treatment region answers", "Answering a request addressed to another region."),
    ("VERIFY_NOT_A_PARTY", "forbidden", "经办机构 {agency} 不是协查申请 {verification_id} 的任何一方",
     "agency is neither side of the request", "Reading a request between other regions."),
    ("VERIFY_BAD_ROLE", "invalid", "角色应为 {roles} 之一", "role must be requested or incoming",
     "Listing verification requests with another role."),
    ("VERIFY_BAD_STATUS", "invalid", "协查状态应为 {statuses} 之一", "status must be one of {statuses}",
     "Listing verification requests with another status."),
]


def _verify_rule_codes() -> list[tuple]:
    return [(code, "invalid", chinese, english, when) for code, (chinese, english, when) in VERIFY_MESSAGES.items()]




# Family accounts (亲情账户, app/family.py, domain-rules §2.3).
_FAMILY = [
    ("FAMILY_BAD_RELATION", "invalid", "亲属关系 {relation} 不属于近亲属，应为 {known} 之一",
     "relation must be one of the close relatives", "A binding with another relation than the 近亲属 of §2.3."),
    ("FAMILY_SELF", "invalid", "参保人 {psn_no} 不能绑定自己", "a person cannot bind themselves",
     "owner_psn_no and relative_psn_no are the same person."),
    ("FAMILY_PERSON_NOT_FOUND", "not_found", "参保人 {psn_no} 不存在", "person not found",
     "A binding names an unknown person."),
    ("FAMILY_OWNER_NOT_EMPLOYEE", "refused", "参保人 {psn_no} 没有正常参保的职工医保，不能开通亲情账户",
     "only an insured employee may share the personal account", "The owner holds no active insutype 310."),
    ("FAMILY_RELATIVE_NOT_INSURED", "refused", "亲属 {psn_no} 没有正常参保的险种，不能绑定",
     "the relative has no active insurance", "The relative holds no active insurance."),
    ("FAMILY_ALREADY_BOUND", "conflict", "参保人 {owner} 已绑定亲属 {relative}", "already bound",
     "A second live binding of the same owner and relative (admin: 409)."),
    ("FAMILY_TOO_MANY", "refused", "参保人 {owner} 绑定的亲属已达政策上限 {limit} 人", "too many bound relatives",
     "The owner's policy's family_account.max_relatives is reached."),
    ("FAMILY_BINDING_NOT_FOUND", "not_found", "亲情账户绑定 {binding_id} 不存在", "binding not found",
     "Unbinding an unknown binding id."),
    ("FAMILY_ALREADY_UNBOUND", "conflict", "亲情账户绑定 {binding_id} 已解除", "binding already ended",
     "Unbinding a binding that has an unbind record (admin: 409)."),
]


# Maternity insurance (生育保险, app/maternity.py, docs/maternity.md).
_MATERNITY = [
    ("MATERNITY_NOT_FILED", "refused", "参保人 {psn_no} 在 {day} 没有有效的生育登记，参保地政策要求先办理生育登记",
     "no maternity filing covers the visit", "A 51/52 visit under a 510 policy with filing_required and no filing on its day."),
    ("MATERNITY_BAD_PERIOD", "invalid", "生育登记的结束日期 {enddate} 早于开始日期 {begndate}",
     "the filing ends before it begins", "A filing with enddate before begndate."),
    ("MATERNITY_BAD_DELIVERY_TYPE", "invalid", "生育类别 {delivery_type} 无效，应为 {known} 之一",
     "unknown delivery type", "An allowance for a delivery type outside docs/maternity.md."),
    ("MATERNITY_BAD_WAGE", "invalid", "用人单位上年度职工月平均工资 {wage} 无效，应为大于零、最多两位小数的金额",
     "the average monthly wage must be a positive amount in yuan", "A wage of zero, negative, too large or below the fen."),
    ("MATERNITY_BAD_BABIES", "invalid", "胎儿数 {babies} 无效，应为 1 至 10", "babies must be 1 to 10",
     "An allowance with another number of babies."),
    ("MATERNITY_NO_POLICY", "refused", "参保地 {insured} 在 {day} 没有生效的生育保险政策（险种 510，含 maternity 参数）",
     "no maternity policy in force", "No 510 policy with a maternity block for the insured region on the delivery date."),
    ("MATERNITY_NO_ALLOWANCE", "refused", "政策“{policy}”对生育类别 {delivery_type} 不支付生育津贴",
     "the policy pays no allowance for this delivery type", "The policy's allowance_days has no entry for the type."),
    ("MATERNITY_ALLOWANCE_PAID", "conflict", "参保人 {psn_no} 在 {day} 的生育津贴已支付", "allowance already paid for this delivery",
     "A second allowance for the same person and delivery date (admin: 409)."),
]


# Payment methods (docs/payment-methods.md: app/payment_methods.py, budgets.py, dip.py, drg.py,
# year_end.py, payment_tables.py).
_PAYMENT_METHODS = [
    ("PAYMENT_BAD_YEAR", "invalid", "年度 {year} 无效", "year out of range", "A payment-method action for a year outside 2000–2100."),
    ("PAYMENT_INSTITUTION_NOT_FOUND", "not_found", "医药机构 {fixmedins_code} 不存在", "institution not found",
     "A payment method, budget or settlement for an unknown institution."),
    ("PAYMENT_BAD_METHOD", "invalid", "支付方式 {method} 无效，应为 {known} 之一", "unknown payment method",
     "Setting a payment method outside total_budget, dip, drg, per_diem, fee_for_service."),
    ("PAYMENT_YEAR_SETTLED", "conflict", "医药机构 {fixmedins_code} 的 {year} 年度已清算，不能重复清算；如需更正请先冲销",
     "the year is already settled for this institution", "A second year-end settlement, a method change or an "
     "advance after the year-end settlement (a correction first)."),
    ("PAYMENT_YEAR_NOT_SETTLED", "refused", "医药机构 {fixmedins_code} 的 {year} 年度尚未清算，无可冲销",
     "the year is not settled", "A correction of a year without a live year-end settlement."),
    ("PAYMENT_REASON_REQUIRED", "invalid", "请填写更正原因", "a reason is required", "A correction without reason."),
    ("PAYMENT_NO_TABLE", "not_found", "统筹区 {admdvs} 没有 {year} 年度的 {method} 分组表，请先生成或导入",
     "no DIP/DRG table for that region and year", "Settling or exporting before building or importing the table."),
    ("PAYMENT_BAD_TABLE", "invalid", "{method} 分组表文件格式不正确（应为 {format}）", "malformed DIP/DRG table file",
     "An import whose document is not an export of the same method."),
    ("PAYMENT_NOT_ADMINISTERED", "forbidden", "医药机构或统筹区 {subject} 不由经办机构 {agency} 管辖",
     "not administered by this agency", "An agency acting on another region's institution or region."),
    ("BUDGET_NOT_TOTAL_BUDGET", "refused", "医药机构 {fixmedins_code} 在 {year} 年度的支付方式为 {method}，不是总额预算",
     "the institution's payment method for the year is not the total budget",
     "A budget, advance or budget settlement for an institution under another method."),
    ("BUDGET_NOT_SET", "refused", "医药机构 {fixmedins_code} 没有 {year} 年度的总额预算", "no budget for that year",
     "An advance or year-end settlement before the budget is set."),
    ("BUDGET_BAD_AMOUNT", "invalid", "预算金额应为不小于零的金额（元，两位小数）", "a budget is a non-negative amount",
     "A negative budget (a DIP budget of zero)."),
    ("BUDGET_ADVANCED", "refused", "医药机构 {fixmedins_code} 的 {year} 年度预算已开始预拨，不能再调整",
     "advances were paid on this budget", "Setting a new budget after the first advance."),
    ("BUDGET_BAD_MONTH", "invalid", "月份 {month} 无效，应为 1 至 12", "month is 1–12", "An advance for another month."),
    ("BUDGET_MONTH_ADVANCED", "conflict", "医药机构 {fixmedins_code} 的 {year} 年 {month} 月预拨款已拨付",
     "that month was already advanced", "A second advance of a month (uq_budget_advances_month)."),
    ("BUDGET_NO_SCORE", "refused", "医药机构 {fixmedins_code} 没有协议考核评分，请在清算时给出评分",
     "no evaluation score for the deposit", "A year-end settlement without --score for an institution never evaluated."),
    ("BUDGET_BAD_SCORE", "invalid", "考核评分应为 0 至 100 的整数", "score is an integer from 0 to 100",
     "A year-end settlement with another score."),
    ("DIP_NO_CASES", "refused", "统筹区 {admdvs} 在 {year} 年度没有已结算的住院病例", "no inpatient cases for that year",
     "Building DIP groups or DRG weights from a year without discharged inpatient settlements."),
    ("DIP_NO_INSTITUTIONS", "refused", "统筹区 {admdvs} 在 {year} 年度没有按病种分值付费的医疗机构",
     "no institution under DIP that year", "A DIP settlement of a region whose institutions have another method."),
]


# Agencies' users and roles (app/users.py, app/roles.py) and the admin API's own answers
# (admin/problems.py; docs/users-and-roles.md, docs/admin-api.md).
_USERS_AND_API = [
    ("USER_AGENCY_NOT_FOUND", "not_found", "经办机构 {agency} 不存在，请先用 yibao agency add 创建", "agency not found",
     "Adding a user to an agency that does not exist."),
    ("USER_BAD_NAME", "invalid", "用户名 {username} 无效：应为 1 至 32 个小写字母、数字或 . _ -，以字母或数字开头",
     "username is 1-32 lower-case letters, digits, . _ -", "yibao users add with another name."),
    ("USER_BAD_ROLES", "invalid", "角色 {roles} 无效：应为 {known} 中的一项或多项，以逗号分隔",
     "roles are one or more of clerk, auditor, accountant, administrator", "A user without roles or with an unknown one."),
    ("USER_WEAK_PASSWORD", "invalid", "密码长度应为 {least} 至 {most} 个字符", "password length out of range",
     "A new password shorter than 10 characters (or longer than 200)."),
    ("USER_EXISTS", "conflict", "经办机构 {agency} 已有用户 {username}", "user already exists",
     "Adding a user whose name the agency already has."),
    ("USER_NOT_FOUND", "not_found", "经办机构 {agency} 没有用户 {username}", "user not found",
     "Disabling, changing or issuing a token for an unknown user."),
    ("USER_DISABLED", "conflict", "经办机构 {agency} 的用户 {username} 已停用", "user is disabled",
     "Disabling, changing the password of or issuing a token for a disabled user."),
    ("USER_ROLE_NOT_ALLOWED", "forbidden", "用户 {username} 的角色（{roles}）不能执行此操作，需要角色：{needed}",
     "the user's roles do not allow this action", "A write whose area belongs to other roles (docs/users-and-roles.md)."),
    ("USER_CSRF_FAILED", "forbidden", "表单已过期或来自其他网站，请刷新页面后重试", "missing or wrong CSRF token",
     "A dashboard form, or an admin write authenticated by the session cookie, without its CSRF token."),
    ("USER_CROSS_SITE", "forbidden", "登录请求来自其他网站（Origin {origin}）", "sign-in posted from another site",
     "A sign-in form posted by a page of another origin."),
    ("API_VALIDATION", "invalid", "请求参数无效：{fields}", "request validation failed",
     "A path, query or body value of the wrong type or shape (the errors member lists each)."),
    ("API_NO_SUCH_PATH", "not_found", "没有此接口：{path}", "no such admin API path", "An unknown path under /admin/api."),
    ("API_METHOD_NOT_ALLOWED", "invalid", "接口 {path} 不支持 {method} 方法", "method not allowed",
     "A known path with another method (HTTP 405)."),
    ("API_HTTP_ERROR", "invalid", "请求无法处理（HTTP {status}）", "the request cannot be handled",
     "Another HTTP-level refusal (its own status)."),
]


def _settlement_codes() -> list[tuple]:
    return [(code, "refused", chinese, english, when) for code, (chinese, english, when) in SETTLEMENT_MESSAGES.items()]


def _filing_rule_codes() -> list[tuple]:
    return [(code, "refused", chinese, english, when) for code, (chinese, english, when) in FILING_MESSAGES.items()]


# Supervision queue, rule sharing and the agencies' authorization (issue #17 items 2-4).
_SUPERVISION_QUEUE = [
    ("RULESHARE_ITEM_NOT_ACCEPTABLE", "invalid", "共享规则包中以下 {count} 项不能接受（不存在、相同或仅本地有）：{items}",
     "items unknown, the same or only the importer's", "yibao rules import --accept or the admin API naming such items."),
    ("FINDING_NOT_FOUND", "not_found", "审核结果 {finding_id} 不存在", "finding not found",
     "Moving or reading an unknown finding."),
    ("FINDING_BAD_STATUS", "invalid", "审核结果状态应为 {statuses} 之一，收到 {status}", "unknown finding status",
     "A findings query or move naming an unknown status."),
    ("FINDING_TRANSITION", "conflict", "审核结果 {finding_id} 当前为“{current}”，不能改为“{status}”",
     "finding cannot move from its current status to that one",
     "A move the findings queue does not allow (e.g. confirming a new finding before checking it, a second appeal)."),
    ("FINDING_REASON_REQUIRED", "invalid", "审核结果改为“{status}”须填写理由（申诉须填写机构的申诉内容）",
     "a reason is required (an appeal carries the institution's text)",
     "Dismissing, confirming after an appeal or recording an appeal without a reason."),
    ("FINDING_SUPERSEDED", "conflict", "审核结果 {finding_id} 已被同一期间、同一规则包版本的重新审核结果取代，请处理新结果",
     "finding was superseded by a re-run of its audit", "Moving a finding of an earlier run of the same audit."),
    ("AUTHZ_NOT_ADMINISTERED", "forbidden", "经办机构 {agency} 不管辖统筹区 {region}（{what}）",
     "agency does not administer that region", "An agency acting on a region other than its own and those under it."),
    ("AUTHZ_NOT_TREATMENT_PLACE", "forbidden", "只有就医地经办机构可以对医药机构 {fixmedins_code}（{region}）立案或作出处理，经办机构 {agency} 不是其就医地",
     "only the treatment place's agency acts against an institution",
     "Opening a case, a case from findings, a sanction or moving findings about another region's institution."),
    ("AUTHZ_NOT_INSURED_PLACE", "forbidden", "只有参保地经办机构可以{what}，经办机构 {agency} 不是参保地 {region} 的经办机构",
     "only the insured place's agency may do this", "Planning prepayments or sanctioning a person of another insured place."),
]


def _setl_list_rule_codes() -> list[tuple]:
    return [(code, "refused", chinese, english, when) for code, (chinese, english, when) in SETLLIST_MESSAGES.items()]


def _claim_rule_codes() -> list[tuple]:
    return [(code, "conflict" if code == "CLAIM_DUPLICATE" else "invalid", chinese, english, when)
            for code, (chinese, english, when) in CLAIM_MESSAGES.items()]


_BATCH_EXPORT = [
    ("BATCH_SPARK_MISSING", "invalid", "在 Spark 集群上运行需要安装 pyspark：pip install 'yibao[spark]'",
     "Spark needs pyspark: pip install 'yibao[spark]'",
     "yibao batch audit --spark-master URL on an installation without the spark extra."),
    ("BATCH_NO_EXPORT", "not_found", "目录 {directory} 中没有 {dataset} 的 Parquet 导出，请先运行 yibao export {dataset}",
     "no Parquet export of that dataset there: run yibao export first",
     "yibao batch audit over a directory without claim-lines (or settlements) files."),
    ("EXPORT_BAD_DATASET", "invalid", "导出数据集应为 {datasets} 之一，收到 {dataset}", "unknown dataset",
     "yibao export naming a dataset other than settlements, claim-lines or ledger."),
    ("EXPORT_BAD_MONTHS", "invalid", "导出月份应为 YYYY-MM 且起始月不晚于截止月，收到 {first}..{last}",
     "months must be YYYY-MM, the first not after the last", "yibao export with --from/--to not months or reversed."),
]


# Joint supervision, the expert pool, credit and reports (issue #17 items 5 and 6; app/joint_supervision.py,
# app/experts.py, app/credit.py, docs/joint-supervision.md).
_JOINT_SUPERVISION_CREDIT = [
    ("JOINT_NOT_YOUR_SIDE", "forbidden", "经办机构 {agency} 不能{what}：该事项属于 {region}",
     "this step belongs to the other agency", "An agency other than the addressed (or requesting, or lead, or home) one acts."),
    ("JOINT_SAME_REGION", "invalid", "异地协查须发往其他统筹区，收到本区 {region}", "a check request goes to another region",
     "A check request addressed to the requesting agency itself."),
    ("JOINT_NO_ITEMS", "invalid", "协查请求须列明协查事项", "name the items to check", "A check request without items."),
    ("JOINT_INSTITUTION_NOT_THERE", "invalid", "定点医药机构 {fixmedins_code} 不在被请求地 {region}",
     "the institution is not in the addressed region", "The institution to check is outside the addressed agency's region."),
    ("JOINT_CHECK_NOT_FOUND", "not_found", "协查请求 {request_id} 不存在", "check request not found", "Unknown request id."),
    ("JOINT_BAD_STEP", "invalid", "协查步骤 {step} 无效，应为 {steps} 之一", "unknown check step", "An unknown step name."),
    ("JOINT_CHECK_TRANSITION", "conflict", "协查请求当前为“{status}”，不能进行“{step}”",
     "the step does not follow the request's status", "A step out of order or taken twice (request → assign → result → conclude)."),
    ("JOINT_NO_INSPECTOR", "invalid", "须指派协查人员", "name the inspector", "An assignment without an inspector."),
    ("JOINT_NO_RESULT_TEXT", "invalid", "协查结果须填写核查情况", "the result needs its text", "A result without text."),
    ("JOINT_NO_CONCLUSION", "invalid", "须填写协查结论", "the conclusion needs its text", "A conclusion without text."),
    ("JOINT_BAD_EVIDENCE", "invalid", "证据 {name} 须有文件名和 64 位十六进制 SHA-256 摘要",
     "evidence is a file name and its SHA-256", "An evidence item without a name or with a malformed hash."),
    ("JOINT_INSPECTION_NOT_FOUND", "not_found", "联合检查 {inspection_id} 不存在", "inspection not found", "Unknown inspection id."),
    ("JOINT_INSPECTION_TRANSITION", "conflict", "联合检查当前为“{status}”，不能进行“{step}”",
     "the step does not follow the inspection's status", "plan → start → close out of order or twice."),
    ("JOINT_INSPECTION_CLOSED", "conflict", "联合检查 {inspection_id} 已结束", "the inspection is closed",
     "Adding a member to a closed inspection."),
    ("JOINT_ALREADY_MEMBER", "conflict", "{member} 已参加或已被指派", "already a member or assigned",
     "The same agency or expert added twice to one target."),
    ("JOINT_EXPERT_INCOMPLETE", "invalid", "专家须有姓名和至少一个专业领域", "an expert needs a name and a specialty",
     "Adding an expert without name or specialty."),
    ("JOINT_EXPERT_NOT_FOUND", "not_found", "专家 {expert_id} 不存在", "expert not found", "Unknown expert id."),
    ("JOINT_BAD_TARGET", "invalid", "指派对象 {target} 无效，应为 {targets} 之一", "unknown assignment target",
     "An assignment to something else than an inspection, case, review or check request."),
    ("JOINT_TARGET_NOT_FOUND", "not_found", "指派对象 {target} {target_id} 不存在", "assignment target not found",
     "The inspection, case, finding or request does not exist."),
    ("JOINT_EXPERT_UNAVAILABLE", "conflict", "专家当日不可用", "the expert is unavailable that day",
     "The expert's availability records say unavailable on the assignment's day."),
    ("JOINT_EXPERT_CONFLICT", "conflict", "专家任职于被检查机构 {fixmedins_code}，应当回避",
     "the expert works for the inspected institution", "Conflict of interest (回避)."),
    ("JOINT_ASSIGNMENT_NOT_FOUND", "not_found", "专家指派 {assignment_id} 不存在", "assignment not found",
     "Unknown assignment id."),
    ("JOINT_REQUEST_ANSWERED", "conflict", "专家借调请求 {assignment_id} 已答复或无需答复",
     "the request was answered already", "A second answer, or an answer to a direct assignment."),
    ("CREDIT_BAD_POLICY", "invalid", "信用政策参数无效：奖励比例应在 0 至 1 之间，下限不高于上限，禁止直接结算线不高于严格审核线",
     "invalid credit policy", "Thresholds or reward rule out of range."),
    ("CREDIT_POLICY_EXISTS", "conflict", "{admdvs} 自 {begndate} 起的信用政策已存在", "a policy from that day exists",
     "A second policy of a region from the same day (policies are never rewritten)."),
    ("CREDIT_ALREADY_RECORDED", "conflict", "案件 {case_id} 已计入 {subject_id} 的信用记录", "credit recorded already",
     "A case's credit record for the same subject twice."),
    ("CREDIT_BAD_SUBJECT", "invalid", "信用主体类型应为 {subjects} 之一", "unknown credit subject type",
     "A credit subject other than institution, practitioner or person."),
    ("CREDIT_NO_DIRECT_SETTLEMENT", "refused", "{subject} 信用等级为 {level}（{score} 分），低于本统筹区直接结算线 {threshold} 分，不予直接结算，请按手工报销办理",
     "credit level too low for direct settlement", "At settlement, the institution's or person's credit score is under the region's no-direct threshold."),
    ("CREDIT_STRICT_AUDIT_REFUSED", "refused", "机构信用等级为 {level}，事中审核从严：{findings}",
     "strict in-event audit for a low credit level", "At settlement, any in-event finding for an institution under the strict-audit threshold."),
    ("REPORT_NO_CONTENT", "invalid", "举报须有内容", "a report needs its content", "Empty report."),
    ("REPORT_NOT_FOUND", "not_found", "举报 {report_id} 不存在", "report not found", "Unknown report id."),
    ("REPORT_ALREADY_REWARDED", "conflict", "举报 {report_id} 已发放奖励", "reward paid already", "A second reward."),
    ("REPORT_CASE_NOT_CONFIRMED", "conflict", "案件 {case_id} 未查实或不属于举报受理地，不能发放举报奖励",
     "the case is not confirmed here", "A reward on a case not confirmed, or of another region."),
    ("REPORT_NOTHING_RECOVERED", "conflict", "案件 {case_id} 尚无追回或退回金额，不能计算举报奖励",
     "nothing recovered yet", "A reward before any money was recovered on the case."),
]


# Prices, procurement, service-price reform and what-if replays (docs/prices.md: app/prices.py,
# app/procurement.py, app/price_reform.py, app/whatif.py).
_PRICES_AND_PROCUREMENT = [
    ("PRICES_BAD_LISTING", "invalid", "挂网价格第 {row} 行无效：{reason}", "invalid listing row",
     "A listing without national code, with a price that is not a positive amount or a date that does not parse."),
    ("PRICES_NOTHING_TO_SHARE", "refused", "统筹区 {admdvs} 没有可共享的挂网价格", "the region has no listing to share",
     "Sharing a region's list before it listed anything."),
    ("PROCUREMENT_BAD_BATCH", "invalid", "采购批次无效：{reason}", "invalid procurement batch",
     "A batch with another level than national, provincial, alliance, no items, an item twice or a price that is not positive."),
    ("PROCUREMENT_BATCH_EXISTS", "conflict", "采购批次 {batch_no} 已存在", "batch already recorded",
     "Recording a batch number a second time (uq_procurement_batches_no)."),
    ("PROCUREMENT_BATCH_NOT_FOUND", "not_found", "采购批次 {batch_no} 不存在", "procurement batch not found",
     "Savings or linkage of an unknown batch."),
    ("PROCUREMENT_NO_EARLIER_PRICE", "refused", "产品 {national_code} 在 {day} 之前在统筹区 {admdvs} 没有挂网价格，无法计算节省",
     "no earlier listing price for the product", "Savings of a batch whose product was never listed before the batch began."),
    ("PRICEREFORM_BAD_BATCH", "invalid", "医疗服务价格整合批次无效：{reason}", "invalid price integration batch",
     "A batch file without mappings, with an old item twice, a price that is not positive or a bad tolerance."),
    ("WHATIF_BAD_PATCH", "invalid", "政策调整补丁无效：{reason}", "invalid what-if patch",
     "A JSON patch that is not an array of add/replace/remove/test operations, or names a path that does not exist."),
    ("RECOGNITION_BAD", "invalid", "目录互认记录无效：{reason}", "invalid recognition",
     "A recognition of a region by itself, without code, or a withdrawal without reason."),
    ("RECOGNITION_NOT_PARTY", "forbidden", "统筹区 {admdvs} 不是 {from_admdvs} 与 {to_admdvs} 之间目录互认的一方",
     "not a party to this recognition", "Proposing, agreeing or withdrawing for a region that is neither side."),
    ("RECOGNITION_NOT_LISTED", "refused", "统筹区 {admdvs} 在 {day} 的目录中没有 {hilist_code}",
     "the code is not in that region's catalogue", "Proposing to recognise an entry the region does not list."),
    ("RECOGNITION_NOT_FOUND", "not_found", "目录互认记录 {recognition_id} 不存在", "recognition not found",
     "Agreeing or withdrawing an unknown recognition."),
    ("RECOGNITION_SAME_PARTY", "refused", "目录互认 {recognition_id} 须由另一方经办机构确认", "the other side must agree",
     "The proposing region agreeing its own proposal."),
    ("RECOGNITION_STEP_DONE", "conflict", "目录互认 {recognition_id} 已有“{step}”记录", "that step was already recorded",
     "A second agreement or withdrawal, or an agreement after a withdrawal (pk_recognition_steps)."),
]


_LISTS_AND_EXPORTS = [
    ("LIST_BAD_PAGE", "invalid", "分页参数不正确：limit 应为 1 至 {max_limit}，offset 不小于 0（收到 limit={limit}，offset={offset}）",
     "bad page: limit 1..{max_limit}, offset >= 0", "A list endpoint asked for an empty, oversized or negative page."),
    ("LIST_UNKNOWN_SUBJECT", "invalid", "没有名为 {subject} 的列表，可选 {subjects}", "unknown list {subject}",
     "A list was asked for a subject that has none (app/listings.FILTERS)."),
    ("LIST_UNKNOWN_FILTER", "invalid", "{subject} 列表不能按 {names} 筛选，可用 {allowed}", "unknown filter",
     "A list was filtered by a field it does not offer."),
    ("EXPORT_BAD_FORMAT", "invalid", "导出格式应为 {formats} 之一，收到 {fmt}", "unknown export format {fmt}",
     "A table was asked for in a format other than json, csv or xlsx (or --format xlsx without --out)."),
    ("EXPORT_STATEMENT_NOT_FOUND", "not_found", "清算单或对账申请 {statement_id} 不存在", "statement not found",
     "A PDF was asked for a clearing statement or a clearing application (3203) that does not exist."),
    ("EXPORT_STATEMENT_NOT_OURS", "forbidden", "单据 {statement_id} 不属于本机构（{agency}）管辖的统筹区",
     "statement of another region", "An agency asked for the PDF of a statement neither side of which it administers."),
    ("DASH_SETTLEMENT_NOT_FOUND", "not_found", "结算 {setl_id} 不存在或不属于本机构管辖的统筹区",
     "settlement not found", "The dashboard's drill-down named a settlement the agency cannot see."),
    ("DASH_INSTITUTION_NOT_FOUND", "not_found", "定点医药机构 {fixmedins_code} 不存在或不属于本机构管辖的统筹区",
     "institution not found", "The dashboard named an institution the agency cannot see."),
]


def _blocks() -> list[list[tuple]]:
    # one block a line, in the order of the generated page; a new area appends its line
    return [
        _ENVELOPE,
        _AUTH,
        _INPUT,
        _PERSON,
        _VISIT,
        _FEE,
        _SETTLE,
        _settlement_codes(),
        _REVERSAL,
        _FILING,
        _filing_rule_codes(),
        _AUDIT,
        _RECON,
        _CLEARING,
        _ACCOUNT,
        _FILE,
        _CATALOG,
        _MAPPING,
        _DEPT,
        _SETLLIST,
        _setl_list_rule_codes(),
        _QUERY,
        _CLAIM,
        _claim_rule_codes(),
        _SUPERVISION,
        _ADMIN,
        _WARNINGS,
        _CLEARING_APPEND_ONLY,
        _EVOUCHER,
        _STATS,
        _AGREEMENT,
        _ENROLL,
        _INTERNET_RX,
        _VERIFY,
        _verify_rule_codes(),
        _FAMILY,
        _MATERNITY,
        _PAYMENT_METHODS,
        _SUPERVISION_QUEUE,
        _USERS_AND_API,
        _BATCH_EXPORT,
        _JOINT_SUPERVISION_CREDIT,
        _PRICES_AND_PROCUREMENT,
        _LISTS_AND_EXPORTS,
    ]


def _build() -> dict[str, ErrorCode]:
    table: dict[str, ErrorCode] = {}
    for rows in _blocks():
        for code, kind, chinese, english, when in rows:
            assert code not in table, f"{code} twice"
            assert CODE_PATTERN.fullmatch(code), code
            assert kind in REFUSAL_KINDS or kind == WARNING, (code, kind)
            table[code] = ErrorCode(code, kind, chinese, english, when)
    return table


CODES: dict[str, ErrorCode] = _build()


def refusal(code: str, **params) -> GatewayError:
    """The refusal of ``code`` with its templates filled: ``raise refusal("VISIT_CANCELLED", mdtrt_id=…)``."""
    entry = CODES[code]
    assert entry.kind != WARNING, code
    return GatewayError(entry.text(**params), entry.kind, code=code)


def warning(code: str, **params) -> str:
    """A warning for warn_msg: ``[CODE] 中文…``."""
    entry = CODES[code]
    assert entry.kind == WARNING, code
    return f"[{code}] {entry.text(**params)}"


def coded_text(error: GatewayError) -> str:
    """The refusal as err_msg (and the CLI's error line): ``[CODE] message``."""
    return f"[{error.code}] {error.message}" if error.code else error.message


def code_of(err_msg: str) -> str:
    """The code at the start of an err_msg or warning, "" if there is none."""
    found = _LEADING_CODE.match(err_msg or "")
    return found.group(1) if found else ""


# --- docs/his/error-codes.md ------------------------------------------------------------------

AREA_TITLES = {
    "ENVELOPE": "Envelope (报文)", "SYSTEM": "System (系统)", "SIGNIN": "Sign-in (签到)", "INPUT": "Input fields (入参)",
    "PERSON": "Persons (参保人)", "VISIT": "Visits (就诊)", "FEE": "Fee lines (费用明细)", "SETTLE": "Settlement (结算)",
    "E": "Settlement engine (结算引擎, settlement-spec §3)", "REVERSAL": "Reversal (冲销与冲正)",
    "FILING": "Filings (备案)", "QUALIFICATION": "门慢特 qualifications (资格认定)", "AUDIT": "Audit (审核)",
    "RECON": "Reconciliation and clearing applications (对账与清算申请)", "CLEARING": "Clearing between regions (清算)",
    "PREPAYMENT": "Prepayments (预付金)", "ACCOUNT": "Personal accounts (个人账户)", "SUPERVISION": "Fund supervision (基金监管)",
    "ADMIN": "Agencies' admin API (经办机构接口)", "AUTH": "Gateway authentication (接口认证)",
    "FILE": "File exchange (文件上传下载)", "CATALOG": "Catalogue downloads (目录下载)",
    "MAPPING": "Catalogue mappings (目录对照)", "DEPT": "Departments (科室)", "PRAC": "Practitioners (医务人员)",
    "SETLLIST": "Settlement lists and 病案首页 (结算清单)", "QUERY": "Queries (查询)", "CLAIM": "Manual claims (零星报销)",
    "EVOUCHER": "E-vouchers (医保电子凭证)",
    "STATS": "Statistics (统计)",
    "AGREEMENT": "Agreements (协议管理)",
    "ENROLL": "Enrollment and transfers (参保登记与转移接续)",
    "INTERNET": "Internet+ visits (“互联网+”医疗服务)", "RX": "E-prescriptions (电子处方流转)",
    "VERIFY": "Claim verifications (协查)",
    "FAMILY": "Family accounts (亲情账户)",
    "MATERNITY": "Maternity insurance (生育保险)",
    "PAYMENT": "Payment methods (支付方式)", "BUDGET": "Total budgets (总额预算)", "DIP": "DIP and DRG (按病种分值付费)",
    "RULESHARE": "Sharing rule packages (规则包共享)", "FINDING": "Findings queue (审核结果处理)",
    "AUTHZ": "Agencies' authority over regions (经办权限)",
    "USER": "Agencies' users and roles (经办人员与角色)",
    "API": "Admin API requests (经办机构接口请求)",
    "BATCH": "Batch jobs over Parquet (批处理)", "EXPORT": "Exports: Parquet, Excel, CSV, PDF (数据导出)",
    "JOINT": "Joint supervision and experts (异地协查、联合检查、专家库)",
    "CREDIT": "Credit (信用管理)",
    "REPORT": "Reports and rewards (举报奖励)",
    "PRICES": "Listing prices (挂网价格)", "PROCUREMENT": "Procurement (集中带量采购)",
    "PRICEREFORM": "Medical service price integration (医疗服务价格整合)", "WHATIF": "What-if replays (政策测算)",
    "RECOGNITION": "Catalogue recognition (目录及支付标准互认)",
    "LIST": "Admin lists (列表查询)", "DASH": "Dashboard (经办工作台)",
}

_DOC_HEAD = """# Error codes (错误代码)

<!-- Generated from src/yibao/app/error_codes.py by `yibao docs error-codes --output docs/his/error-codes.md`;
     do not edit by hand (tests/unit/test_error_codes.py fails when this file is stale). -->

Every refusal has a stable code and a Chinese message; programs match on the code, the
message may be reworded.

- **National gateway**: `infcode` -1 and `err_msg` = `[CODE] 中文说明（English gloss）`, the code
  in square brackets at the very start (match `^\\[([A-Z0-9_]+)\\] `). Whatever the kind, the
  gateway answers infcode -1 (HTTP 200); nothing was changed.
- **Warnings**: `infcode` 0 and `warn_msg` holds one or more `[CODE] 中文说明` joined with `；`.
- **Admin API** (`/admin/api/v1`, also `/admin/api`): the HTTP status of the kind below and an
  RFC 9457 problem (`application/problem+json`): `{"type": "urn:yibao:error:CODE", "title": "English
  gloss", "status": 422, "detail": "中文说明（English gloss）", "code": "CODE", "kind": "..."}`
  (docs/admin-api.md).
- **CLI**: `error: [CODE] 中文说明（English gloss）` on stderr, exit 2.

`{name}` in a message is filled with the request's values (field paths are the national
field names, e.g. `input.data.psn_no`). Kinds: refused, invalid (HTTP 422), not_found (404),
forbidden (403), conflict (409), unauthenticated (401); warning (warn_msg, infcode 0).
"""


def area_of(code: str) -> str:
    return code.split("_", 1)[0]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "\\<").replace("\n", " ") if text else "—"


def _kind_cell(kind: str) -> str:
    if kind == WARNING:
        return "warn_msg (infcode 0)"
    return f"{kind} (infcode -1 / HTTP {REFUSAL_KINDS[kind]})"


def markdown() -> str:
    """docs/his/error-codes.md: one table per area, the codes in registry order."""
    areas: dict[str, list[ErrorCode]] = {}
    for entry in CODES.values():
        areas.setdefault(area_of(entry.code), []).append(entry)
    parts = [_DOC_HEAD]
    for area, entries in areas.items():
        parts.append(f"\n## {AREA_TITLES.get(area, area)}\n\n| code | kind | 中文 | English | when |\n|---|---|---|---|---|\n")
        parts.extend(f"| `{e.code}` | {_kind_cell(e.kind)} | {_cell(e.chinese)} | {_cell(e.english)} | {_cell(e.when)} |\n"
                     for e in entries)
    return "".join(parts)


if __name__ == "__main__":  # python -m yibao.app.error_codes > docs/his/error-codes.md
    print(markdown(), end="")
