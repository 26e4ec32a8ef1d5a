"""Region names (行政区划名称) of GB/T 2260 codes, for every page and file people read.

The full table is python-stdnum's ``stdnum/cn/loc.dat`` (generated from the National Bureau of
Statistics' GB/T 2260 lists; one county-level code a line with its county, prefecture and
province names; codes retired over the years are kept, so an old settlement still reads). A
city's name is the prefecture of its counties, a province's the province of its cities. Where
the package is not installed the 34 province-level names below still name every code's
province ("广东省 441500"), so no page shows a bare code for a known province.
"""

from __future__ import annotations

import functools
import re

# GB/T 2260 province-level divisions (省级行政区), the first two digits of every code.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
    "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
    "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
MUNICIPALITIES = {"11", "12", "31", "50"}  # 直辖市
# a municipality's prefecture lines read 市辖区 / 县: the city level of a municipality is the province
_NOT_A_CITY_NAME = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", ""}
_LINE = re.compile(r'^(\d{6}) (.*)$')
_FIELD = re.compile(r'(\w+)="([^"]*)"')


def parse_loc_dat(text: str) -> dict[str, str]:
    """code → name for every county, city and province the file names (the newest line wins)."""
    names: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if not match:
            continue
        code, fields = match.group(1), dict(_FIELD.findall(match.group(2)))
        province, prefecture = fields.get("province", ""), fields.get("prefecture", "")
        if province:
            names.setdefault(code[:2] + "0000", province)
        if prefecture not in _NOT_A_CITY_NAME:
            names[code[:4] + "00"] = prefecture
        if fields.get("county"):
            names[code] = fields["county"]
    return names


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table = {prefix + "0000": name for prefix, name in PROVINCES.items()}
    try:
        from importlib.resources import files

        text = files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # python-stdnum not installed
        return table
    table.update(parse_loc_dat(text))
    return table


def full_table_loaded() -> bool:
    """True when the whole GB/T 2260 table (python-stdnum) is available, not only the provinces."""
    return len(_table()) > len(PROVINCES)


def region_name(code: str | None) -> str:
    """The region's name; an unknown city or district falls back to its province and code."""
    if not code:
        return ""
    table = _table()
    if code in table:
        return table[code]
    province = table.get(code[:2] + "0000")
    if province and code[:2] in MUNICIPALITIES and code[4:] == "00":  # 110100 市辖区: the city is the municipality
        return province
    return f"{province} {code}" if province else code


def labelled(code: str | None) -> str:
    """``汕尾市（441500）``: the name people read and the code programs match."""
    name = region_name(code)
    if not code or name == code or name.endswith(code):
        return name
    return f"{name}（{code}）"
