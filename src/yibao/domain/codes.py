"""National code tables (NHSA dictionary values as mirrored in HIS code, domain-rules §0.3).

Kept as data so versions that differ (e.g. 390400/390500 in one clearing enum) can be
added without touching the engine.
"""

from __future__ import annotations

INSUTYPE = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "340": "离休人员医疗保障",
    "350": "一至六级残疾军人医疗补助",
    "360": "老红军",
    "370": "企业补充医疗保险",
    "380": "新农合",
    "390": "城乡居民基本医疗保险",
    "391": "城镇居民",
    "392": "城乡居民大病医疗保险",
    "399": "其他特殊人员医疗保障",
    "410": "长期照护",
    "510": "生育保险",
}

PSN_TYPE = {
    "1101": "职工在职",
    "1102": "公务员在职",
    "1103": "灵活就业在职",
    "1201": "职工退休",
    "1202": "公务员退休",
    "1203": "灵活就业退休",
    "1300": "离休",
    "1401": "新生儿",
    "1402": "学龄前儿童",
    "1403": "中小学生",
    "1404": "大学生",
    "1405": "未成年人",
    "1501": "普通居民",
}

MED_TYPE = {
    "11": "普通门诊",
    "12": "门诊挂号",
    "13": "急诊",
    "14": "门诊慢特病",
    "19": "意外伤害门诊",
    "21": "普通住院",
    "23": "转外诊治住院",
    "24": "急诊转住院",
    "41": "定点药店购药",
    "51": "生育门诊",
    "52": "生育住院",
}

CHRGITM_LV = {"01": "甲类", "02": "乙类", "03": "丙类"}
NOT_COVERED_CHRGITM_LV = "03"

MEDINS_LV = {"0": "基层", "1": "一级", "2": "二级", "3": "三级"}

# fund_pay_type of setldetail (domain-rules §0.3). The basic fund's code follows the
# insurance type: 310 -> 310100, 390 -> 390100 (the "<insutype>100" pattern of the table).
FUND_PAY_TYPE = {
    "310100": "职工基本医疗保险统筹基金",
    "310200": "职工基本医疗保险个人账户基金",
    "320100": "公务员医疗补助基金",
    "330100": "职工大额医疗费用补助基金",
    "340100": "离休人员医疗保障基金",
    "350100": "一至六级残疾军人医疗补助基金",
    "370100": "企业补充医疗保险基金",
    "390100": "城乡居民基本医疗保险基金",
    "390200": "城乡居民大病医疗保险基金",
    "510100": "生育基金",
    "610100": "医疗救助基金",
    "610102": "医疗再救助基金",
    "999996": "医院垫付",
    "999997": "其他基金",
}

# The settlement's own funds, in the order of setlinfo, with their fund_pay_type.
LAYER_FUND_PAY_TYPE = {
    "hifob": "330100",
    "hifmi": "390200",
    "hifes": "370100",
    "oth": "999997",
}
CVLSERV_FUND_PAY_TYPE = "320100"
MAF_FUND_PAY_TYPE = "610100"
ACCT_FUND_PAY_TYPE = "310200"

LAYER_FUNDS = tuple(LAYER_FUND_PAY_TYPE)

FILING_TYPES = ("long_term", "referral", "emergency", "temporary_other")
FILING_TYPE_NAMES = {
    "long_term": "异地长期居住/安置/常驻工作",
    "referral": "异地转诊",
    "emergency": "异地急诊抢救",
    "temporary_other": "其他临时外出",
    None: "未备案",
}

RETIRED_PSN_TYPE_PREFIXES = ("12", "1300")

ASSISTANCE_GROUP_NAMES = {
    "tekun": "特困人员",
    "dibao": "低保对象",
    "low_income": "低收入人口",
    "monitored": "防返贫监测对象",
}


def basic_fund_pay_type(insutype: str) -> str:
    return f"{insutype}100"


def psn_type_is_retired(psn_type: str) -> bool:
    """data-formats.md: 12xx and 1300 count as retired."""
    return psn_type.startswith(RETIRED_PSN_TYPE_PREFIXES)


def province_of(admdvs: str) -> str:
    """The two-digit province prefix of a 6-digit admdvs."""
    return admdvs[:2]
