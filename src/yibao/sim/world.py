"""A deterministic demo world written as ``yibao import`` files (data-formats.md).

``generate_world(out_dir)`` writes, for the regions of ``REGIONS``:

- ``hilist.csv``: the catalogue (1312 shape) plus a ``ref_pric`` column, the item's usual unit
  price in that region, which the importer ignores and the HIS simulator bills;
- ``lmtpric.csv``: price ceilings (1318 shape) for beds, some services and consumables, some
  of them below ``ref_pric`` so that over-limit amounts (``overlmt_amt``) occur;
- ``selfpay.csv``: 先行自付比例 (1319 shape) of the 乙类 items;
- ``institutions.csv``: hospitals of every level and pharmacies with their API secrets;
- ``persons.csv``: insured persons, plus a ``family_psn_no`` column naming the employee whose
  personal account a resident may use (家庭共济).

Everything comes from ``random.Random`` streams seeded with the seed, so the same arguments
give the same bytes. Codes have the shapes of nhsa-interface.md §5; names, prices, ratios and
ceilings are plausible, not official.

梁平区 (500155) is a district of Chongqing: its institutions and insured persons carry the
district code, while its catalogue and policy are the municipality's (500000), found through
the region chain district → city → province, so no catalogue rows are written for it.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Callable, Iterator

from yibao.sim.idnumbers import make_certno

REGIONS: list[tuple[str, str]] = [
    ("510100", "成都市"),
    ("500000", "重庆市"),
    ("500155", "梁平区"),
    ("441300", "惠州市"),
    ("441500", "汕尾市"),
    ("440300", "深圳市"),
    ("440600", "佛山市"),
    ("442000", "中山市"),
    ("371300", "临沂市"),
    ("110000", "北京市"),
]

# Regions whose catalogue and policy are set one level up (the municipality's).
PARENT_REGION: dict[str, str] = {"500155": "500000"}

KINDS = ("hilist", "lmtpric", "selfpay", "institutions", "persons")

# Ages, psn_type and family roles are decided as of this day; every birth date is before it.
AS_OF = dt.date(2024, 1, 1)
CATALOGUE_BEGNDATE = "2023-01-01"

HILIST_COLUMNS = [
    "hilist_code", "hilist_name", "insu_admdvs", "begndate", "enddate", "med_chrgitm_type",
    "chrgitm_lv", "lmt_used_flag", "list_type", "vali_flag", "ref_pric",
]
LMTPRIC_COLUMNS = [
    "hilist_code", "insu_admdvs", "begndate", "enddate", "hilist_pric_uplmt_amt",
    "hilist_lmtpric_type", "overlmt_dspo_way", "vali_flag",
]
SELFPAY_COLUMNS = [
    "hilist_code", "insu_admdvs", "begndate", "enddate", "selfpay_prop", "selfpay_prop_psn_type",
    "selfpay_prop_type", "vali_flag",
]
INSTITUTION_COLUMNS = ["fixmedins_code", "fixmedins_name", "fixmedins_type", "medins_lv", "admdvs", "secret"]
PERSON_COLUMNS = [
    "psn_no", "psn_cert_type", "certno", "psn_name", "gend", "brdy", "insutype", "psn_type",
    "insuplc_admdvs", "cvlserv_flag", "assistance_group", "acct_balance", "card_no", "family_psn_no",
]

CENT = Decimal("0.01")
YUAN = Decimal("1")

# ---------------------------------------------------------------------------------------
# Regional parameters (illustrative)
# ---------------------------------------------------------------------------------------

# Service prices relative to the national reference prices below.
PRICE_INDEX = {
    "510100": "1.00", "500000": "0.95", "441300": "0.98", "441500": "0.90", "440300": "1.20",
    "440600": "1.05", "442000": "1.00", "371300": "0.85", "110000": "1.25",
}

# 乙类 先行自付比例 of ordinary items.
SELFPAY_BASE = {
    "510100": "0.10", "500000": "0.10", "441300": "0.08", "441500": "0.12", "440300": "0.05",
    "440600": "0.10", "442000": "0.15", "371300": "0.20", "110000": "0.10",
}

NEGOTIATED_SELFPAY = ("0.10", "0.15", "0.20", "0.25", "0.30")

# Name prefix, short name (for pharmacies and private hospitals), and areas with their
# streets and towns. An empty area means the prefix is already the county level.
PLACES: dict[str, tuple[str, str, list[tuple[str, list[str]]]]] = {
    "510100": ("成都市", "成都", [
        ("锦江区", ["春熙路街道", "合江亭街道", "书院街街道"]),
        ("青羊区", ["少城街道", "草市街街道", "府南街道"]),
        ("金牛区", ["营门口街道", "荷花池街道", "九里堤街道"]),
        ("武侯区", ["玉林街道", "浆洗街街道", "簇桥街道"]),
        ("成华区", ["猛追湾街道", "府青路街道", "双桥子街道"]),
        ("双流区", ["东升街道", "西航港街道", "彭镇"]),
        ("新都区", ["新都街道", "大丰街道", "斑竹园镇"]),
    ]),
    "500000": ("重庆市", "重庆", [
        ("渝中区", ["解放碑街道", "七星岗街道", "大坪街道"]),
        ("江北区", ["观音桥街道", "石马河街道", "寸滩街道"]),
        ("沙坪坝区", ["小龙坎街道", "天星桥街道", "覃家岗街道"]),
        ("九龙坡区", ["杨家坪街道", "石坪桥街道", "谢家湾街道"]),
        ("南岸区", ["南坪街道", "铜元局街道", "弹子石街道"]),
        ("渝北区", ["龙溪街道", "两路街道", "回兴街道"]),
        ("巴南区", ["鱼洞街道", "李家沱街道", "界石镇"]),
    ]),
    "500155": ("重庆市梁平区", "梁平", [
        ("", ["梁山街道", "双桂街道", "合兴街道", "礼让镇", "云龙镇", "屏锦镇", "袁驿镇",
              "仁贤镇", "明达镇", "聚奎镇"]),
    ]),
    "441300": ("惠州市", "惠州", [
        ("惠城区", ["江北街道", "桥东街道", "河南岸街道", "小金口街道"]),
        ("惠阳区", ["淡水街道", "秋长街道", "新圩镇"]),
        ("惠东县", ["平山街道", "吉隆镇", "稔山镇"]),
        ("博罗县", ["罗阳街道", "园洲镇", "石湾镇"]),
        ("龙门县", ["龙城街道", "永汉镇"]),
    ]),
    "441500": ("汕尾市", "汕尾", [
        ("城区", ["凤山街道", "香洲街道", "新港街道", "东涌镇"]),
        ("海丰县", ["海城镇", "附城镇", "梅陇镇"]),
        ("陆丰市", ["东海街道", "城东街道", "碣石镇"]),
        ("陆河县", ["河田镇", "新田镇"]),
    ]),
    "440300": ("深圳市", "深圳", [
        ("福田区", ["华强北街道", "莲花街道", "香蜜湖街道"]),
        ("罗湖区", ["东门街道", "翠竹街道", "黄贝街道"]),
        ("南山区", ["蛇口街道", "粤海街道", "南头街道"]),
        ("宝安区", ["西乡街道", "新安街道", "福永街道"]),
        ("龙岗区", ["布吉街道", "龙城街道", "坂田街道"]),
        ("龙华区", ["民治街道", "观湖街道"]),
        ("光明区", ["光明街道", "公明街道"]),
    ]),
    "440600": ("佛山市", "佛山", [
        ("禅城区", ["祖庙街道", "石湾镇街道", "张槎街道"]),
        ("南海区", ["桂城街道", "大沥镇", "狮山镇"]),
        ("顺德区", ["大良街道", "容桂街道", "乐从镇"]),
        ("三水区", ["西南街道", "白坭镇"]),
        ("高明区", ["荷城街道", "杨和镇"]),
    ]),
    "442000": ("中山市", "中山", [
        ("", ["石岐街道", "东区街道", "西区街道", "南区街道", "小榄镇", "古镇镇", "三乡镇",
              "坦洲镇", "南头镇", "黄圃镇"]),
    ]),
    "371300": ("临沂市", "临沂", [
        ("兰山区", ["兰山街道", "银雀山街道", "金雀山街道"]),
        ("罗庄区", ["罗庄街道", "盛庄街道"]),
        ("河东区", ["九曲街道", "芝麻墩街道", "汤河镇"]),
        ("沂南县", ["界湖街道", "岸堤镇"]),
        ("郯城县", ["郯城街道", "马头镇"]),
        ("沂水县", ["沂城街道", "许家湖镇"]),
        ("费县", ["费城街道", "探沂镇"]),
    ]),
    "110000": ("北京市", "北京", [
        ("东城区", ["东华门街道", "和平里街道", "东直门街道"]),
        ("西城区", ["德胜街道", "月坛街道", "广安门内街道"]),
        ("朝阳区", ["建外街道", "望京街道", "潘家园街道"]),
        ("海淀区", ["中关村街道", "学院路街道", "万寿路街道"]),
        ("丰台区", ["方庄街道", "卢沟桥街道"]),
        ("昌平区", ["回龙观街道", "城北街道", "小汤山镇"]),
        ("通州区", ["中仓街道", "永顺镇"]),
    ]),
}

# Institutions listed with a fixed code and level (the real sample of nhsa-interface.md §1.7).
FIXED_INSTITUTIONS = {"500155": [("H50015501017", "重庆市梁平区妇幼保健院", "2")]}

CARD_LETTER = {
    "510100": "A", "500000": "B", "500155": "C", "441300": "D", "441500": "E", "440300": "F",
    "440600": "G", "442000": "H", "371300": "J", "110000": "K",
}

# ---------------------------------------------------------------------------------------
# The national catalogue (shared codes): source tables
# ---------------------------------------------------------------------------------------

# Dosage form → 剂型码 (segment 4 of the 23-character drug code).
FORM_CODES = {
    "片": "A001", "含片": "A002", "分散片": "A003", "咀嚼片": "A004", "肠溶片": "A005",
    "缓释片": "A009", "控释片": "A010", "胶囊": "B001", "软胶囊": "B002", "缓释胶囊": "B003",
    "肠溶胶囊": "B004", "颗粒": "C001", "干混悬剂": "C004", "散": "C006", "丸": "D001",
    "滴丸": "D004", "口服溶液": "E001", "口服液": "E002", "糖浆": "E003", "膏": "E005",
    "水": "E008", "混悬液": "E007", "注射液": "F001", "注射用无菌粉末": "F002",
    "滴眼液": "G001", "软膏": "H001", "乳膏": "H002", "吸入气雾剂": "J001",
    "吸入用混悬液": "J003", "栓": "K001",
}

# Western drugs: generic name, pinyin initial, ATC level 4, chrgitm_lv, lmt_used_flag,
# negotiated (国家谈判药), [(dosage form, specification, reference price)].
WESTERN_DRUGS = [
    ("阿莫西林", "A", "J01CA", "01", 0, 0, [("胶囊", "0.25g*24粒", "6.50"), ("分散片", "0.5g*12片", "9.80")]),
    ("氯化钠", "L", "B05XA", "01", 0, 0, [("注射液", "0.9%*250ml", "4.50"), ("注射液", "0.9%*100ml", "3.20")]),
    ("苯磺酸氨氯地平", "B", "C08CA", "01", 0, 0, [("片", "5mg*28片", "4.20")]),
    ("盐酸二甲双胍", "Y", "A10BA", "01", 0, 0, [("片", "0.5g*20片", "2.60"), ("缓释片", "0.5g*30片", "9.90")]),
    ("阿司匹林", "A", "B01AC", "01", 0, 0, [("肠溶片", "100mg*30片", "13.50")]),
    ("头孢曲松钠", "T", "J01DD", "01", 0, 0, [("注射用无菌粉末", "1.0g", "4.80")]),
    ("布洛芬", "B", "M01AE", "01", 0, 0, [("缓释胶囊", "0.3g*20粒", "12.50"), ("混悬液", "2%*100ml", "15.80")]),
    ("葡萄糖", "P", "B05BA", "01", 0, 0, [("注射液", "5%*250ml", "4.60"), ("注射液", "10%*500ml", "6.20")]),
    ("奥美拉唑", "A", "A02BC", "01", 0, 0, [("肠溶胶囊", "20mg*14粒", "4.80")]),
    ("注射用奥美拉唑钠", "A", "A02BC", "02", 1, 0, [("注射用无菌粉末", "40mg", "6.50")]),
    ("头孢呋辛酯", "T", "J01DC", "02", 0, 0, [("片", "0.25g*12片", "18.60")]),
    ("左氧氟沙星", "Z", "J01MA", "02", 0, 0, [("片", "0.5g*6片", "12.40"), ("注射液", "100ml:0.5g", "9.50")]),
    ("阿奇霉素", "A", "J01FA", "01", 0, 0, [("片", "0.25g*6片", "11.20"), ("注射用无菌粉末", "0.5g", "12.00")]),
    ("硝苯地平", "X", "C08CA", "01", 0, 0, [("控释片", "30mg*7片", "24.50")]),
    ("缬沙坦", "X", "C09CA", "02", 0, 0, [("胶囊", "80mg*7粒", "9.60")]),
    ("厄贝沙坦", "E", "C09CA", "02", 0, 0, [("片", "0.15g*12片", "8.50")]),
    ("酒石酸美托洛尔", "J", "C07AB", "01", 0, 0, [("片", "25mg*20片", "3.80")]),
    ("琥珀酸美托洛尔", "H", "C07AB", "02", 0, 0, [("缓释片", "47.5mg*7片", "15.80")]),
    ("阿托伐他汀钙", "A", "C10AA", "02", 0, 0, [("片", "20mg*7片", "3.20")]),
    ("瑞舒伐他汀钙", "R", "C10AA", "02", 0, 0, [("片", "10mg*28片", "11.60")]),
    ("硫酸氢氯吡格雷", "L", "B01AC", "02", 1, 0, [("片", "75mg*7片", "6.70")]),
    ("格列美脲", "G", "A10BB", "02", 0, 0, [("片", "2mg*30片", "8.20")]),
    ("阿卡波糖", "A", "A10BF", "02", 0, 0, [("片", "50mg*30片", "18.90")]),
    ("精蛋白生物合成人胰岛素(预混30R)", "J", "A10AD", "02", 1, 0, [("注射液", "3ml:300单位", "46.80")]),
    ("甘精胰岛素", "G", "A10AE", "02", 1, 0, [("注射液", "3ml:300单位", "72.00")]),
    ("达格列净", "D", "A10BK", "02", 1, 1, [("片", "10mg*30片", "123.00")]),
    ("恩格列净", "E", "A10BK", "02", 1, 1, [("片", "10mg*30片", "60.60")]),
    ("司美格鲁肽", "S", "A10BJ", "02", 1, 1, [("注射液", "1.5ml:2mg", "409.00")]),
    ("沙库巴曲缬沙坦钠", "S", "C09DX", "02", 1, 1, [("片", "100mg*14片", "47.88")]),
    ("甲磺酸奥希替尼", "J", "L01EB", "02", 1, 1, [("片", "80mg*30片", "4920.00")]),
    ("利伐沙班", "L", "B01AF", "02", 1, 0, [("片", "10mg*10片", "57.00")]),
    ("泮托拉唑钠", "P", "A02BC", "02", 0, 0, [("肠溶片", "40mg*7片", "7.20")]),
    ("多潘立酮", "D", "A03FA", "02", 0, 0, [("片", "10mg*30片", "12.80")]),
    ("蒙脱石", "M", "A07BC", "01", 0, 0, [("散", "3g*10袋", "11.50")]),
    ("对乙酰氨基酚", "D", "N02BE", "01", 0, 0, [("片", "0.5g*12片", "2.80")]),
    ("双氯芬酸钠", "S", "M01AB", "01", 0, 0, [("缓释片", "75mg*10片", "6.80")]),
    ("塞来昔布", "S", "M01AH", "02", 1, 0, [("胶囊", "0.2g*6粒", "9.60")]),
    ("盐酸氨溴索", "Y", "R05CB", "02", 0, 0, [("片", "30mg*20片", "5.20"), ("注射液", "2ml:15mg", "3.60")]),
    ("孟鲁司特钠", "M", "R03DC", "02", 0, 0, [("片", "10mg*5片", "9.80")]),
    ("硫酸沙丁胺醇", "L", "R03AC", "01", 0, 0, [("吸入气雾剂", "100μg*200揿", "23.50")]),
    ("布地奈德", "B", "R03BA", "02", 0, 0, [("吸入用混悬液", "2ml:1mg*5支", "35.00")]),
    ("氯雷他定", "L", "R06AX", "01", 0, 0, [("片", "10mg*6片", "18.90")]),
    ("盐酸西替利嗪", "Y", "R06AE", "02", 0, 0, [("片", "10mg*12片", "15.00")]),
    ("左甲状腺素钠", "Z", "H03AA", "01", 0, 0, [("片", "50μg*100片", "29.80")]),
    ("甲钴胺", "J", "B03BA", "02", 1, 0, [("片", "0.5mg*20片", "12.50")]),
    ("叶酸", "Y", "B03BB", "01", 0, 0, [("片", "0.4mg*31片", "8.90")]),
    ("复方氨基酸(18AA)", "F", "B05BA", "02", 1, 0, [("注射液", "250ml", "36.00")]),
    ("人血白蛋白", "R", "B05AA", "02", 1, 0, [("注射液", "10g(20%*50ml)", "398.00")]),
    ("那屈肝素钙", "N", "B01AB", "02", 1, 0, [("注射液", "0.4ml:4100IU", "28.60")]),
    ("地塞米松磷酸钠", "D", "H02AB", "01", 0, 0, [("注射液", "1ml:5mg", "0.85")]),
    ("甲泼尼龙琥珀酸钠", "J", "H02AB", "02", 1, 0, [("注射用无菌粉末", "40mg", "18.50")]),
    ("呋塞米", "F", "C03CA", "01", 0, 0, [("片", "20mg*100片", "9.00"), ("注射液", "2ml:20mg", "1.20")]),
    ("螺内酯", "L", "C03DA", "01", 0, 0, [("片", "20mg*100片", "8.00")]),
    ("地高辛", "D", "C01AA", "01", 0, 0, [("片", "0.25mg*100片", "15.00")]),
    ("硝酸甘油", "X", "C01DA", "01", 0, 0, [("片", "0.5mg*100片", "12.00")]),
    ("单硝酸异山梨酯", "D", "C01DA", "02", 0, 0, [("缓释片", "40mg*24片", "20.40")]),
    ("恩替卡韦", "E", "J05AF", "02", 1, 0, [("分散片", "0.5mg*28片", "16.00")]),
    ("磷酸奥司他韦", "L", "J05AH", "02", 1, 0, [("胶囊", "75mg*10粒", "39.80")]),
    ("甲硝唑", "J", "P01AB", "01", 0, 0, [("片", "0.2g*100片", "6.00")]),
    ("氟康唑", "F", "J02AC", "02", 0, 0, [("胶囊", "50mg*6粒", "8.00")]),
    ("艾司唑仑", "A", "N05CD", "01", 0, 0, [("片", "1mg*20片", "3.50")]),
    ("盐酸舍曲林", "Y", "N06AB", "02", 1, 0, [("片", "50mg*14片", "25.20")]),
    ("奥氮平", "A", "N05AH", "02", 0, 0, [("片", "5mg*28片", "56.00")]),
    ("丙戊酸钠", "B", "N03AG", "01", 0, 0, [("缓释片", "0.5g*30片", "56.50")]),
    ("盐酸坦索罗辛", "Y", "G04CA", "02", 0, 0, [("缓释胶囊", "0.2mg*10粒", "26.00")]),
    ("非那雄胺", "F", "G04CB", "02", 1, 0, [("片", "5mg*10片", "29.00")]),
    ("阿仑膦酸钠", "A", "M05BA", "02", 1, 0, [("片", "70mg*4片", "30.00")]),
    ("红霉素", "H", "D06AX", "01", 0, 0, [("软膏", "1%*10g", "2.50")]),
    ("莫匹罗星", "M", "D06AX", "02", 0, 0, [("软膏", "2%*5g", "13.50")]),
    ("左氧氟沙星", "Z", "S01AE", "02", 0, 0, [("滴眼液", "5ml:24.4mg", "12.00")]),
    ("妥布霉素地塞米松", "T", "S01CA", "02", 0, 0, [("滴眼液", "5ml", "39.00")]),
    ("盐酸利多卡因", "Y", "N01BB", "01", 0, 0, [("注射液", "5ml:0.1g", "0.70")]),
    ("丙泊酚乳状", "B", "N01AX", "01", 0, 0, [("注射液", "20ml:0.2g", "25.00")]),
    ("盐酸昂丹司琼", "Y", "A04AA", "02", 1, 0, [("注射液", "4ml:8mg", "5.50")]),
    ("甲氧氯普胺", "J", "A03FA", "01", 0, 0, [("注射液", "1ml:10mg", "0.60")]),
    ("碳酸钙D3", "T", "A12AX", "03", 0, 0, [("片", "0.6g*60片", "39.00")]),
    ("复合维生素B", "F", "A11EA", "03", 0, 0, [("片", "100片", "6.50")]),
]

ESSENTIAL_WESTERN = ("阿莫西林", "氯化钠", "苯磺酸氨氯地平", "盐酸二甲双胍", "阿司匹林", "头孢曲松钠", "布洛芬")

# Chinese patent medicines: name root, pinyin initial, class (5 characters), chrgitm_lv,
# lmt_used_flag, negotiated, [(dosage form, specification, reference price)].
PATENT_MEDICINES = [
    ("连花清瘟", "L", "A01BA", "01", 0, 0, [("胶囊", "0.35g*24粒", "14.80"), ("颗粒", "6g*10袋", "19.80")]),
    ("感冒清热", "G", "A01AA", "01", 0, 0, [("颗粒", "12g*10袋", "16.00")]),
    ("复方丹参", "F", "A12BA", "01", 0, 0, [("滴丸", "27mg*180丸", "30.00")]),
    ("双黄连", "S", "A01BA", "01", 0, 0, [("口服液", "10ml*10支", "18.00")]),
    ("板蓝根", "B", "A03AA", "01", 0, 0, [("颗粒", "10g*20袋", "12.00")]),
    ("蒲地蓝消炎", "P", "A03AA", "02", 0, 0, [("片", "0.3g*48片", "24.00")]),
    ("银翘解毒", "Y", "A01BA", "01", 0, 0, [("片", "36片", "9.00")]),
    ("藿香正气", "H", "A06AA", "01", 0, 0, [("水", "10ml*10支", "9.50"), ("软胶囊", "0.45g*24粒", "19.00")]),
    ("丹参", "D", "A12BA", "02", 1, 0, [("注射液", "10ml", "3.50")]),
    ("血塞通", "X", "A12BA", "02", 0, 0, [("软胶囊", "0.33g*24粒", "26.00")]),
    ("通心络", "T", "A12BB", "02", 0, 0, [("胶囊", "0.26g*30粒", "28.00")]),
    ("脑心通", "N", "A12BB", "02", 0, 0, [("胶囊", "0.4g*48粒", "45.00")]),
    ("银杏叶", "Y", "A12BA", "02", 0, 0, [("片", "9.6mg*24片", "22.00")]),
    ("六味地黄", "L", "A09BA", "01", 0, 0, [("丸", "浓缩丸*200丸", "18.00")]),
    ("补中益气", "B", "A09AA", "01", 0, 0, [("丸", "6g*10袋", "15.00")]),
    ("逍遥", "X", "A08AA", "01", 0, 0, [("丸", "6g*10袋", "12.00")]),
    ("安宫牛黄", "A", "A13AA", "02", 1, 0, [("丸", "3g*1丸", "460.00")]),
    ("云南白药", "Y", "G01AA", "01", 0, 0, [("胶囊", "0.25g*32粒", "31.00")]),
    ("香砂养胃", "X", "A07AA", "01", 0, 0, [("丸", "9g*10袋", "14.00")]),
    ("保和", "B", "A07BA", "01", 0, 0, [("丸", "6g*10袋", "8.00")]),
    ("黄连上清", "H", "A03BA", "01", 0, 0, [("片", "48片", "8.50")]),
    ("急支", "J", "A05AA", "01", 0, 0, [("糖浆", "200ml", "16.00")]),
    ("川贝枇杷", "C", "A05AA", "02", 0, 0, [("膏", "150ml", "28.00")]),
    ("京万红", "J", "B01AA", "02", 0, 0, [("软膏", "30g", "30.00")]),
    ("麝香保心", "S", "A12BB", "01", 0, 0, [("丸", "22.5mg*42丸", "32.00")]),
    ("稳心", "W", "A12CA", "02", 0, 0, [("颗粒", "9g*9袋", "35.00")]),
    ("益母草", "Y", "D01AA", "01", 0, 0, [("颗粒", "15g*10袋", "15.00")]),
    ("桂枝茯苓", "G", "D02AA", "01", 0, 0, [("胶囊", "0.31g*60粒", "38.00")]),
    ("金水宝", "J", "A09CA", "02", 1, 0, [("胶囊", "0.33g*63粒", "45.00")]),
    ("百令", "B", "A09CA", "02", 1, 0, [("胶囊", "0.5g*42粒", "55.00")]),
    ("喜炎平", "X", "A03AB", "02", 1, 1, [("注射液", "2ml:50mg", "12.00")]),
    ("参麦", "S", "A09AB", "02", 1, 0, [("注射液", "50ml", "40.00")]),
    ("疏血通", "S", "A12BC", "02", 1, 0, [("注射液", "2ml", "35.00")]),
    ("颈舒", "J", "G02AA", "02", 0, 0, [("颗粒", "6g*9袋", "36.00")]),
    ("腰痹通", "Y", "G02AA", "02", 0, 0, [("胶囊", "0.42g*60粒", "48.00")]),
]

ESSENTIAL_PATENT = ("连花清瘟", "感冒清热", "复方丹参")

# TCM decoction pieces: name, price per gram, chrgitm_lv (unit: g).
DECOCTION_PIECES = [
    ("黄芪", "0.12", "01"), ("当归", "0.30", "01"), ("甘草", "0.08", "01"), ("党参", "0.25", "01"),
    ("川芎", "0.10", "01"), ("白芍", "0.09", "01"), ("熟地黄", "0.08", "01"), ("茯苓", "0.08", "01"),
    ("白术", "0.15", "01"), ("陈皮", "0.06", "01"), ("法半夏", "0.45", "01"), ("桂枝", "0.04", "01"),
    ("麻黄", "0.06", "01"), ("柴胡", "0.40", "01"), ("黄芩", "0.10", "01"), ("黄连", "0.60", "01"),
    ("金银花", "0.50", "01"), ("连翘", "0.20", "01"), ("板蓝根", "0.05", "01"), ("葛根", "0.04", "01"),
    ("丹参", "0.09", "01"), ("三七粉", "1.20", "02"), ("红花", "0.45", "01"), ("桃仁", "0.18", "01"),
    ("山药", "0.10", "01"), ("枸杞子", "0.20", "01"), ("菊花", "0.25", "01"), ("薏苡仁", "0.06", "01"),
    ("酸枣仁", "0.90", "01"), ("五味子", "0.30", "01"), ("麦冬", "0.35", "01"), ("天麻", "1.50", "02"),
    ("杜仲", "0.12", "01"), ("牛膝", "0.10", "01"), ("续断", "0.12", "01"), ("白芷", "0.08", "01"),
    ("防风", "0.35", "01"), ("薄荷", "0.06", "01"), ("厚朴", "0.10", "01"), ("枳壳", "0.06", "01"),
    ("山楂", "0.04", "01"), ("六神曲", "0.03", "01"), ("大黄", "0.08", "01"), ("泽泻", "0.06", "01"),
    ("车前子", "0.06", "01"), ("蒲公英", "0.04", "01"), ("鸡血藤", "0.05", "01"), ("益母草", "0.03", "01"),
    ("石膏", "0.02", "01"), ("龙骨", "0.10", "01"), ("川贝母", "6.00", "02"), ("阿胶", "3.50", "02"),
    ("灵芝", "0.30", "02"), ("黄精", "0.20", "01"), ("玉竹", "0.12", "01"), ("制何首乌", "0.10", "01"),
    ("红参", "1.80", "03"), ("西洋参", "1.60", "03"), ("鹿茸", "45.00", "03"), ("冬虫夏草", "280.00", "03"),
]

ESSENTIAL_PIECES = 3  # the first rows above

# Medical service items: 9-digit price-norm code, 4-digit extension, name, med_chrgitm_type,
# chrgitm_lv, national reference price, essential. National code = "00" + code + extension.
SERVICES = [
    ("110100001", "0000", "挂号费", "13", "01", "1.00", 1),
    ("110200008", "0000", "一般诊疗费", "12", "01", "10.00", 1),
    ("110200001", "0000", "普通门诊诊查费", "02", "01", "10.00", 1),
    ("110200006", "0000", "住院诊查费", "02", "01", "15.00", 1),
    ("110900001", "0100", "普通病房床位费(三人间)", "01", "01", "35.00", 1),
    ("120100004", "0000", "Ⅱ级护理", "07", "01", "15.00", 1),
    ("120400006", "0000", "静脉输液", "05", "01", "10.00", 1),
    ("250101015", "0000", "血细胞分析(血常规)", "04", "01", "20.00", 1),
    ("210300001", "0000", "X线计算机体层(CT)平扫", "03", "01", "180.00", 1),
    ("110200005", "0000", "急诊诊查费", "02", "01", "12.00", 1),
    ("310701001", "0000", "常规心电图检查", "03", "01", "25.00", 1),
    ("250102035", "0000", "尿液分析(尿常规)", "04", "01", "10.00", 1),
    ("110900001", "0200", "普通病房床位费(双人间)", "01", "01", "50.00", 1),
    ("120400001", "0000", "肌肉注射", "05", "01", "3.00", 1),
    ("220201001", "0000", "B超常规检查(腹部)", "03", "01", "80.00", 1),
    ("110900001", "0300", "单人间病房床位费", "01", "02", "120.00", 0),
    ("110900003", "0000", "监护病房床位费", "01", "01", "80.00", 0),
    ("110900001", "0400", "特需病房床位费", "01", "03", "500.00", 0),
    ("110200002", "0000", "副主任医师门诊诊查费", "02", "01", "20.00", 0),
    ("110200003", "0000", "主任医师门诊诊查费", "02", "02", "30.00", 0),
    ("110200004", "0100", "特需门诊诊查费", "02", "03", "300.00", 0),
    ("110400001", "0000", "院内会诊", "02", "01", "30.00", 0),
    ("120100001", "0000", "重症监护(每小时)", "07", "02", "9.00", 0),
    ("120100002", "0000", "特级护理(每小时)", "07", "01", "6.00", 0),
    ("120100003", "0000", "Ⅰ级护理", "07", "01", "25.00", 0),
    ("120100005", "0000", "Ⅲ级护理", "07", "01", "8.00", 0),
    ("120400002", "0000", "静脉注射", "05", "01", "5.00", 0),
    ("120800001", "0000", "氧气吸入(每小时)", "05", "01", "2.00", 0),
    ("121300001", "0000", "雾化吸入", "05", "01", "8.00", 0),
    ("121600001", "0100", "导尿(留置导尿)", "05", "01", "15.00", 0),
    ("120600001", "0000", "换药(小)", "05", "01", "15.00", 0),
    ("121100001", "0000", "清创缝合(小)", "05", "01", "80.00", 0),
    ("311000006", "0000", "血液透析", "05", "02", "420.00", 0),
    ("340100023", "0600", "牵引(悬吊治疗)", "05", "02", "30.00", 0),
    ("340200011", "0000", "中频脉冲电治疗", "05", "02", "15.00", 0),
    ("430000001", "0000", "普通针刺", "05", "01", "20.00", 0),
    ("440000001", "0100", "灸法(艾条灸)", "05", "01", "15.00", 0),
    ("450000001", "0000", "推拿治疗", "05", "02", "35.00", 0),
    ("311503009", "0000", "心理咨询", "05", "03", "100.00", 0),
    ("310701007", "0000", "动态心电图", "03", "02", "180.00", 0),
    ("220600004", "0000", "彩色多普勒超声心动图", "03", "01", "200.00", 0),
    ("210102015", "0000", "数字化X线摄影(DR)(胸部正位)", "03", "01", "70.00", 0),
    ("210300002", "0000", "X线计算机体层(CT)增强扫描", "03", "02", "300.00", 0),
    ("210200001", "0000", "磁共振平扫", "03", "02", "500.00", 0),
    ("210200002", "0000", "磁共振增强扫描", "03", "02", "750.00", 0),
    ("310903002", "0000", "电子胃镜检查", "03", "02", "200.00", 0),
    ("310903004", "0000", "电子结肠镜检查", "03", "02", "300.00", 0),
    ("310601001", "0000", "肺通气功能检查", "03", "01", "150.00", 0),
    ("310100008", "0000", "脑电图", "03", "01", "80.00", 0),
    ("230500002", "0000", "骨密度测定", "03", "02", "80.00", 0),
    ("230800001", "0000", "正电子发射计算机断层显像(PET-CT)", "03", "03", "7000.00", 0),
    ("250103001", "0000", "粪便常规", "04", "01", "5.00", 0),
    ("250305004", "0000", "丙氨酸氨基转移酶测定", "04", "01", "5.00", 0),
    ("250303001", "0000", "血清总胆固醇测定", "04", "01", "5.00", 0),
    ("250302001", "0000", "葡萄糖测定", "04", "01", "5.00", 0),
    ("250302003", "0000", "糖化血红蛋白测定", "04", "01", "60.00", 0),
    ("250307005", "0000", "肌酐测定", "04", "01", "5.00", 0),
    ("250403003", "0000", "C反应蛋白测定(CRP)", "04", "01", "20.00", 0),
    ("250403004", "0000", "乙型肝炎表面抗原测定", "04", "01", "10.00", 0),
    ("250203001", "0000", "凝血酶原时间测定(PT)", "04", "01", "10.00", 0),
    ("250404001", "0000", "癌胚抗原测定(CEA)", "04", "01", "30.00", 0),
    ("250310003", "0000", "促甲状腺激素测定(TSH)", "04", "01", "25.00", 0),
    ("260000001", "0000", "ABO血型鉴定", "04", "01", "12.00", 0),
    ("250403011", "0000", "降钙素原检测(PCT)", "04", "02", "120.00", 0),
    ("330100003", "0000", "全身麻醉", "06", "01", "600.00", 0),
    ("331003001", "0000", "阑尾切除术", "06", "01", "800.00", 0),
    ("331007005", "0000", "腹腔镜下胆囊切除术", "06", "01", "2000.00", 0),
    ("330200006", "0000", "甲状腺次全切除术", "06", "01", "1500.00", 0),
    ("330404009", "0000", "白内障超声乳化摘除术+人工晶体植入术", "06", "01", "2000.00", 0),
    ("331506001", "0000", "人工全髋关节置换术", "06", "02", "3500.00", 0),
    ("320500004", "0000", "经皮冠状动脉内支架置入术(STENT)", "06", "02", "3000.00", 0),
    ("331304001", "0000", "子宫下段剖宫产术", "06", "01", "1200.00", 0),
    ("331103015", "0000", "经尿道前列腺电切术", "06", "01", "2000.00", 0),
    ("331502003", "0000", "腰椎间盘突出摘除术", "06", "02", "2500.00", 0),
    ("331601002", "0000", "重睑成形术", "06", "03", "2000.00", 0),
    ("111000002", "0000", "救护车费", "14", "02", "50.00", 0),
    ("110700001", "0000", "健康体检", "14", "03", "200.00", 0),
    ("480000001", "0000", "中药饮片煎药费", "14", "02", "5.00", 0),
]

# Medical consumables: name, class (6 digits), reference price, chrgitm_lv, lmt_used_flag,
# essential.
CONSUMABLES = [
    ("一次性使用输液器(带针)", "020201", "3.50", "01", 0, 1),
    ("一次性使用无菌注射器(5ml)", "020101", "0.60", "01", 0, 1),
    ("一次性使用静脉留置针", "020301", "18.00", "02", 0, 1),
    ("医用纱布敷料", "010101", "2.50", "01", 0, 0),
    ("一次性使用吸痰管", "040101", "3.00", "01", 0, 0),
    ("一次性使用真空采血管", "020501", "1.20", "01", 0, 0),
    ("医用外科口罩", "010301", "1.00", "03", 0, 0),
    ("一次性使用导尿管(双腔气囊)", "040301", "25.00", "02", 0, 0),
    ("一次性使用无菌手术包", "010501", "120.00", "02", 0, 0),
    ("可吸收性外科缝线", "011001", "85.00", "02", 0, 0),
    ("一次性使用血液透析器", "100101", "150.00", "02", 1, 0),
    ("冠状动脉药物洗脱支架系统", "030101", "780.00", "02", 1, 0),
    ("PTCA球囊扩张导管", "030201", "300.00", "02", 1, 0),
    ("人工髋关节假体(陶瓷-陶瓷)", "050101", "7000.00", "02", 1, 0),
    ("人工膝关节假体", "050102", "5200.00", "02", 1, 0),
    ("人工晶状体(非球面)", "070101", "1800.00", "02", 1, 0),
    ("锁定接骨板", "050301", "3500.00", "02", 1, 0),
    ("一次性使用腹腔镜穿刺器", "040501", "350.00", "02", 0, 0),
    ("管型消化道吻合器", "040601", "1800.00", "02", 1, 0),
    ("中心静脉导管包", "020401", "220.00", "02", 0, 0),
    ("医用干式胶片(14×17英寸)", "130101", "25.00", "02", 0, 0),
    ("植入式心脏起搏器(双腔)", "030501", "35000.00", "02", 1, 0),
    ("一次性使用气管插管", "040201", "35.00", "02", 0, 0),
    ("医用弹力袜", "120101", "150.00", "03", 0, 0),
    ("胰岛素笔用针头", "020102", "2.00", "02", 0, 0),
    ("血糖试纸", "140101", "3.00", "02", 1, 0),
    ("一次性使用负压引流器", "040701", "60.00", "02", 0, 0),
    ("可吸收止血纱布", "011101", "450.00", "02", 1, 0),
    ("医用冷敷贴", "120201", "40.00", "03", 0, 0),
    ("造口袋", "041001", "45.00", "02", 0, 0),
]

# ---------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------

SURNAMES = (
    "王71 李70 张67 刘54 陈45 杨31 黄22 赵20 吴19 周19 徐16 孙15 马14 朱13 胡13 郭11 何11 高10 "
    "林10 罗9 郑9 梁9 谢8 宋7 唐7 许7 韩6 冯6 邓6 曹6 彭6 曾5 肖5 田5 董5 袁5 潘4 于4 蒋4 蔡4 "
    "余4 杜4 叶4 程4 苏4 魏4 吕4 丁3 任3 沈3 姚3 卢3 姜3 崔3 钟3 谭3 陆3 汪3 范3 金3 石3 廖3 "
    "贾3 夏3 韦3 付3 方3 白2 邹2 孟2 熊2 秦2 邱2 江2 尹2 薛2 闫2 段2 雷2 侯2 龙2 史2 陶2 黎2 "
    "贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 覃1 武2 戴2 莫1 孔1 向1 汤1 冉1 颜1 翁1 庄1 欧阳1"
)

# Surname weight multipliers by province (first two digits of admdvs).
SURNAME_BIAS = {
    "44": "陈2.5 黄2 林2.2 梁2 钟2 叶2 曾1.8 罗1.5 何1.5 吴1.3 谢1.5 郑1.5 邓1.5 冯1.5 蔡2 彭1.5 "
          "卢1.5 庄2 翁2 王0.4 赵0.3 张0.8 孙0.4 刘0.9 于0.2",
    "51": "张1.2 李1.2 刘1.2 陈1.2 杨1.3 罗1.6 蒋1.6 谭1.5 邓1.5 何1.4 唐1.5 周1.2 曾1.3 向1.5 冉2 王0.9",
    "50": "张1.2 李1.2 刘1.2 陈1.2 杨1.3 罗1.5 蒋1.5 谭1.8 邓1.4 何1.4 唐1.5 周1.3 向1.8 冉3 秦1.3 王0.9",
    "37": "王1.6 张1.4 刘1.3 李1.2 孙1.8 徐1.4 杜1.6 颜2 高1.4 赵1.2 陈0.6 黄0.4 林0.4 梁0.5",
    "11": "王1.4 张1.3 刘1.3 李1.2 赵1.5 孙1.2 陈0.7 黄0.5 林0.6",
}

GIVEN_NAMES = {
    # (era, sex): names; era 0 born before 1965, 1 1965-1989, 2 1990-2009, 3 2010 onwards
    (0, "1"): "建国 建华 国强 国庆 志强 志明 德明 文华 永林 桂林 学军 卫国 明亮 振华 玉林 长春 福生 金山 "
              "宝成 世杰 军 明 华 强 平 刚 勇 斌 林 杰 德福 永祥",
    (0, "2"): "秀英 桂英 秀兰 玉兰 桂兰 淑珍 玉珍 凤英 秀珍 桂芳 淑英 丽华 素芬 玉梅 翠花 秀芳 英 兰 "
              "芳 珍 梅 琴 素珍 淑华 玉英",
    (1, "1"): "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 建军 海涛 志刚 小龙 晓东 红军 "
              "建平 文斌 俊杰 海波 永刚 国平",
    (1, "2"): "芳 娜 丽 敏 静 燕 艳 丹 霞 玲 红梅 丽娟 海燕 晓燕 秀梅 小红 雪梅 春燕 文静 婷 英 琳 "
              "晶 丽萍 晓红 慧",
    (2, "1"): "浩 宇 鹏 杰 俊杰 子豪 浩然 宇航 志豪 博文 嘉豪 天宇 文博 晨 轩 涛 鑫 磊 俊宇 明轩 "
              "家乐 梓健",
    (2, "2"): "婷 雪 佳 欣 悦 婷婷 雨欣 佳怡 欣怡 思雨 梦瑶 佳琪 晓雯 雨婷 诗琪 静怡 丹丹 倩 琪 颖 "
              "嘉欣 雅婷",
    (3, "1"): "子轩 浩宇 宇轩 梓豪 一诺 浩然 子墨 俊熙 宇泽 沐宸 奕辰 睿泽 皓轩 铭泽 子睿 梓睿 承泽 "
              "锦程 嘉懿 景行",
    (3, "2"): "梓涵 一诺 欣怡 子涵 诗涵 语桐 雨桐 可馨 梓萱 若汐 思琪 欣妍 语汐 芷若 沐晴 依诺 梦琪 "
              "昕冉 安然 芊芊",
}

PRIVATE_HOSPITALS = ("仁爱医院", "博爱医院", "康华医院", "安康医院", "济民医院", "华康医院", "慈济医院",
                     "同心医院", "和美医院", "康泰医院")
PHARMACY_BRANDS = ("康民", "益生堂", "百姓康", "仁心", "惠民", "同康", "福寿堂", "济世", "安泰", "和顺")


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

def _rng(seed: int, *parts: str) -> random.Random:
    """An independent, reproducible stream for one purpose (string seeds hash with SHA-512)."""
    return random.Random(":".join([str(seed), *parts]))


def _factor(rng: random.Random, low: int, high: int) -> Decimal:
    """A multiplier between low% and high%, drawn as a whole percentage."""
    return Decimal(rng.randint(low, high)) / 100


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def _round_price(amount: Decimal) -> Decimal:
    """Prices as they are published: whole yuan from 10 yuan up, else jiao (min 0.01)."""
    if amount >= 10:
        step = YUAN
    elif amount >= 1:
        step = Decimal("0.1")
    else:
        step = CENT
    return max(amount.quantize(step, rounding=ROUND_HALF_UP), CENT)


def _weighted(spec: str) -> dict[str, Decimal]:
    weights = {}
    for token in spec.split():
        split = next(i for i, ch in enumerate(token) if ch.isdigit())
        weights[token[:split]] = Decimal(token[split:])
    return weights


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(brdy: dt.date, day: dt.date = AS_OF) -> int:
    """Age in whole years on a day."""
    return day.year - brdy.year - ((day.month, day.day) < (brdy.month, brdy.day))


def _birth_date(rng: random.Random, min_age: int, max_age: int) -> dt.date:
    """A birth date giving an age in [min_age, max_age] on AS_OF, strictly before AS_OF."""
    latest = _shift_years(AS_OF, min_age) - dt.timedelta(days=1)
    earliest = _shift_years(AS_OF, max_age + 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))


# ---------------------------------------------------------------------------------------
# National catalogue
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    code: str
    name: str
    list_type: str
    med_chrgitm_type: str
    chrgitm_lv: str
    lmt_used_flag: str
    price: Decimal  # national reference unit price
    group: str  # western, patent, piece, service, consumable
    negotiated: bool = False


def _unique_digits(rng: random.Random, used: set[str], width: int, low: int = 1, high: int | None = None) -> str:
    while True:
        value = f"{rng.randint(low, high or 10 ** width - 1):0{width}d}"
        if value not in used:
            used.add(value)
            return value


def _drug_products(rng: random.Random, table, prefix: str, essential_names) -> list[dict]:
    """One entry per (generic, form, specification): the code without its enterprise segment."""
    generic_numbers: dict[str, set[str]] = {}
    products = []
    for generic, initial, cls, level, lmt, negotiated, variants in table:
        used = generic_numbers.setdefault(initial, set())
        generic_code = initial + _unique_digits(rng, used, 3)
        for spec_index, (form, spec, price) in enumerate(variants, start=1):
            if form == "注射用无菌粉末":
                name = generic if generic.startswith("注射用") else "注射用" + generic
            else:
                name = generic + form
            products.append(dict(
                stem=f"{prefix}{cls}{generic_code}{FORM_CODES[form]}{spec_index:02d}01",
                name=f"{name}({spec})", level=level, lmt=str(lmt), negotiated=bool(negotiated),
                price=Decimal(price), essential=generic in essential_names,
                category="09" if prefix == "X" else "11",
            ))
    return products


def _expanding_pool(rng: random.Random, products: list[dict], make: Callable[[dict, int], Item]) -> Iterator[Item]:
    """Essential products first, then the others in shuffled order, then further
    manufacturers' versions of every product, without end."""
    essential = [p for p in products if p["essential"]]
    others = [p for p in products if not p["essential"]]
    rng.shuffle(others)
    for product in essential + others:
        yield make(product, 0)
    version = 1
    while True:
        round_ = list(products)
        rng.shuffle(round_)
        for product in round_:
            yield make(product, version)
        version += 1


class NationalCatalogue:
    """The shared national codes, drawn once per seed. Each group is an ordered pool; a region
    lists the first items of each pool (the common core) plus a few others (local items)."""

    def __init__(self, seed: int):
        self.seed = seed
        self._pools: dict[str, list[Item]] = {}
        self._iterators: dict[str, Iterator[Item]] = {}
        self._fixed_pool("service", self._services(_rng(seed, "national", "service")))
        self._fixed_pool("piece", self._pieces(_rng(seed, "national", "piece")))
        self._iterators["western"] = self._drugs(_rng(seed, "national", "western"), WESTERN_DRUGS, "X",
                                                 ESSENTIAL_WESTERN)
        self._iterators["patent"] = self._drugs(_rng(seed, "national", "patent"), PATENT_MEDICINES, "Z",
                                                ESSENTIAL_PATENT)
        self._iterators["consumable"] = self._consumables(_rng(seed, "national", "consumable"))
        for group in self._iterators:
            self._pools[group] = []

    def _fixed_pool(self, group: str, items: list[Item]) -> None:
        self._pools[group] = items

    def fixed_size(self, group: str) -> int | None:
        return None if group in self._iterators else len(self._pools[group])

    def pool(self, group: str, size: int) -> list[Item]:
        """The first ``size`` items of a group (all of a fixed group if it is smaller)."""
        items = self._pools[group]
        iterator = self._iterators.get(group)
        while iterator is not None and len(items) < size:
            items.append(next(iterator))
        return items[:size]

    @staticmethod
    def _services(rng: random.Random) -> list[Item]:
        items = [
            Item(code=f"00{code}{ext}", name=name, list_type="201", med_chrgitm_type=category,
                 chrgitm_lv=level, lmt_used_flag="1" if level == "02" and Decimal(price) >= 500 else "0",
                 price=Decimal(price), group="service")
            for code, ext, name, category, level, price, _ in SERVICES
        ]
        essential = [item for item, row in zip(items, SERVICES) if row[6]]
        others = [item for item, row in zip(items, SERVICES) if not row[6]]
        rng.shuffle(others)
        return essential + others

    @staticmethod
    def _pieces(rng: random.Random) -> list[Item]:
        used: set[str] = set()
        items = []
        for index, (name, price, level) in enumerate(DECOCTION_PIECES):
            herb_class = 1 + index % 18
            items.append(Item(
                code=f"T00{herb_class:02d}{_unique_digits(rng, used, 5)}", name=name, list_type="102",
                med_chrgitm_type="10", chrgitm_lv=level, lmt_used_flag="0", price=Decimal(price), group="piece",
            ))
        others = items[ESSENTIAL_PIECES:]
        rng.shuffle(others)
        return items[:ESSENTIAL_PIECES] + others

    @staticmethod
    def _drugs(rng: random.Random, table, prefix: str, essential_names) -> Iterator[Item]:
        products = _drug_products(rng, table, prefix, essential_names)
        enterprises: set[str] = set()
        group = "western" if prefix == "X" else "patent"

        def make(product: dict, version: int) -> Item:
            factor = Decimal(1) if version == 0 else _factor(rng, 80, 125)
            return Item(
                code=product["stem"] + _unique_digits(rng, enterprises, 5), name=product["name"],
                list_type="101", med_chrgitm_type=product["category"], chrgitm_lv=product["level"],
                lmt_used_flag=product["lmt"], price=product["price"] * factor, group=group,
                negotiated=product["negotiated"],
            )

        return _expanding_pool(rng, products, make)

    @staticmethod
    def _consumables(rng: random.Random) -> Iterator[Item]:
        products = []
        used_stems: set[str] = set()
        for name, cls, price, level, lmt, essential in CONSUMABLES:
            # class (6) + generic name (4) + material (4) + features (5): the 20-character code
            stem = "C" + cls + _unique_digits(rng, used_stems, 4) + f"{rng.randint(0, 9999):04d}" + \
                f"{rng.randint(0, 99999):05d}"
            products.append(dict(stem=stem, name=name, level=level, lmt=str(lmt), price=Decimal(price),
                                 essential=bool(essential)))
        registrations: set[str] = set()

        def make(product: dict, version: int) -> Item:
            factor = Decimal(1) if version == 0 else _factor(rng, 75, 130)
            # registrant (4) + specification/model (3): 27 characters in all
            return Item(
                code=product["stem"] + _unique_digits(rng, registrations, 7), name=product["name"],
                list_type="301", med_chrgitm_type="08", chrgitm_lv=product["level"],
                lmt_used_flag=product["lmt"], price=product["price"] * factor, group="consumable",
            )

        return _expanding_pool(rng, products, make)


# Share of each group in a region's catalogue; western drugs take the rest.
GROUP_SHARES = (("service", Decimal("0.26")), ("piece", Decimal("0.10")), ("consumable", Decimal("0.14")),
                ("patent", Decimal("0.13")))
CORE_SHARE = Decimal("0.8")


def _group_counts(national: NationalCatalogue, items_per_region: int) -> dict[str, int]:
    counts = {}
    for group, share in GROUP_SHARES:
        count = max(1, int((items_per_region * share).to_integral_value(ROUND_HALF_UP)))
        fixed = national.fixed_size(group)
        counts[group] = min(count, fixed) if fixed is not None else count
    counts["western"] = items_per_region - sum(counts.values())
    if counts["western"] < 1:
        raise ValueError(f"items_per_region={items_per_region} is too small (at least 10)")
    return counts


def _region_items(national: NationalCatalogue, counts: dict[str, int], rng: random.Random) -> list[Item]:
    """The national core (the same in every region) plus region-local items."""
    chosen = []
    for group in ("western", "patent", "piece", "service", "consumable"):
        count = counts[group]
        core = min(count, int((count * CORE_SHARE).to_integral_value(ROUND_HALF_UP)) or 1)
        fixed = national.fixed_size(group)
        pool = national.pool(group, fixed if fixed is not None else core + 3 * (count - core) + 10)
        chosen.extend(pool[:core])
        chosen.extend(rng.sample(pool[core:], count - core))
    return chosen


def _regional_price(item: Item, admdvs: str, rng: random.Random) -> Decimal:
    if item.group == "service":
        return _round_price(item.price * Decimal(PRICE_INDEX[admdvs]) * _factor(rng, 97, 103))
    if item.group == "piece":
        return max((item.price * _factor(rng, 92, 110)).quantize(CENT, rounding=ROUND_HALF_UP), CENT)
    return max((item.price * _factor(rng, 95, 105)).quantize(CENT, rounding=ROUND_HALF_UP), CENT)


def _ceiling(item: Item, price: Decimal, rng: random.Random) -> Decimal | None:
    """A price ceiling for beds, some services and high-value consumables; some lie below
    the usual price so that over-limit amounts occur."""
    if item.chrgitm_lv == "03":
        return None
    if item.group == "service" and item.med_chrgitm_type == "01":
        factor = _factor(rng, 45, 65) if "单人间" in item.name else _factor(rng, 85, 120)
    elif item.group == "service" and item.med_chrgitm_type in ("03", "05", "06") and price >= 100:
        if rng.randrange(100) >= 35:
            return None
        factor = _factor(rng, 80, 95) if rng.randrange(2) else _factor(rng, 100, 115)
    elif item.group == "consumable" and price >= 100:
        if rng.randrange(100) >= 70:
            return None
        factor = _factor(rng, 80, 95) if rng.randrange(100) < 45 else _factor(rng, 100, 120)
    else:
        return None
    return _round_price(price * factor)


def _selfpay(item: Item, admdvs: str, price: Decimal, rng: random.Random) -> Decimal | None:
    if item.chrgitm_lv != "02":
        return None
    base = Decimal(SELFPAY_BASE[admdvs])
    if item.negotiated:
        return Decimal(rng.choice(NEGOTIATED_SELFPAY))
    if item.group == "consumable" and price >= 1000:
        return min(base + Decimal("0.10"), Decimal("0.30"))
    return base


def _catalogue_rows(national: NationalCatalogue, admdvs: str, counts: dict[str, int], seed: int):
    rng = _rng(seed, admdvs, "catalogue")
    items = _region_items(national, counts, rng)
    items.sort(key=lambda item: (item.list_type, item.code))
    hilist, lmtpric, selfpay = [], [], []
    for item in items:
        price = _regional_price(item, admdvs, rng)
        hilist.append([
            item.code, item.name, admdvs, CATALOGUE_BEGNDATE, "", item.med_chrgitm_type, item.chrgitm_lv,
            item.lmt_used_flag, item.list_type, "1", _money(price),
        ])
        ceiling = _ceiling(item, price, rng)
        if ceiling is not None:
            lmtpric.append([item.code, admdvs, CATALOGUE_BEGNDATE, "", _money(ceiling), "1", "1", "1"])
        prop = _selfpay(item, admdvs, price, rng)
        if prop is not None:
            selfpay.append([item.code, admdvs, CATALOGUE_BEGNDATE, "", _money(prop), "", "", "1"])
    return hilist, lmtpric, selfpay


# ---------------------------------------------------------------------------------------
# Institutions
# ---------------------------------------------------------------------------------------

def _level_counts(rng: random.Random, hospitals: int, district: bool) -> list[str]:
    levels = ["3", "2", "1", "0"]
    weights = (("3", 15), ("2", 30), ("1", 20), ("0", 35))
    while len(levels) < hospitals:
        pick = rng.choices([lv for lv, _ in weights], [w for _, w in weights])[0]
        if district and pick == "3" and levels.count("3") >= 2:
            pick = "0"
        levels.append(pick)
    return sorted(levels, reverse=True)


def _streets(admdvs: str) -> list[tuple[str, str]]:
    return [(area, street) for area, streets in PLACES[admdvs][2] for street in streets]


def _hospital_name(rng: random.Random, admdvs: str, level: str, used: set[str]) -> str:
    prefix, short, areas = PLACES[admdvs]
    district = admdvs in PARENT_REGION
    streets = _streets(admdvs)
    named_areas = [area for area, _ in areas if area]
    for _ in range(200):
        if level == "3":
            options = ["人民医院", "中医医院"] if district else [
                "第一人民医院", "第二人民医院", "中医医院", "中心医院", "妇女儿童医院", "第三人民医院",
                "人民医院", "中西医结合医院"]
            name = prefix + rng.choice(options)
        elif level == "2":
            if district:
                name = prefix + rng.choice(["妇幼保健院", "第二人民医院", "精神卫生中心", "第三人民医院", "骨科医院"])
            elif named_areas and rng.randrange(3):
                name = prefix + rng.choice(named_areas) + rng.choice(["人民医院", "中医医院", "妇幼保健院"])
            elif not named_areas and rng.randrange(2):
                town = rng.choice([s for _, s in streets if s.endswith("镇")])
                name = prefix + town[:-1] + "人民医院"
            else:
                name = prefix + rng.choice(["第四人民医院", "第五人民医院", "骨科医院", "口腔医院", "精神卫生中心",
                                            "康复医院", "老年病医院"])
        elif level == "1":
            towns = [(area, s) for area, s in streets if s.endswith("镇")]
            if towns and rng.randrange(2):
                area, town = rng.choice(towns)
                name = prefix + area + town + "中心卫生院"
            else:
                name = short + rng.choice(PRIVATE_HOSPITALS)
        else:
            area, street = rng.choice(streets)
            if street.endswith("镇"):
                name = prefix + area + street + "卫生院"
            else:
                name = prefix + area + street + "社区卫生服务中心"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError(f"ran out of hospital names for {admdvs} level {level}")


def _pharmacy_name(rng: random.Random, admdvs: str, used: set[str]) -> str:
    _, short, _ = PLACES[admdvs]
    streets = _streets(admdvs)
    while True:
        _, street = rng.choice(streets)
        branch = street.removesuffix("街道").removesuffix("镇") or street
        name = f"{short}{rng.choice(PHARMACY_BRANDS)}大药房({branch}店)"
        if name not in used:
            used.add(name)
            return name


def _institution_rows(admdvs: str, seed: int) -> list[list[str]]:
    rng = _rng(seed, admdvs, "institutions")
    total = rng.randint(8, 15)
    pharmacies = rng.randint(1, 3)
    levels = _level_counts(rng, total - pharmacies, admdvs in PARENT_REGION)
    names: set[str] = set()
    numbers: dict[str, set[str]] = {"H": set(), "P": set()}
    rows = []
    for code, name, level in FIXED_INSTITUTIONS.get(admdvs, []):
        numbers[code[0]].add(code[7:])
        names.add(name)
        levels.remove(level)
        rows.append([code, name, "1", level, admdvs, f"{rng.getrandbits(128):032x}"])
    for level in levels:
        name = _hospital_name(rng, admdvs, level, names)
        code = f"H{admdvs}{_unique_digits(rng, numbers['H'], 5, high=3000)}"
        rows.append([code, name, "1", level, admdvs, f"{rng.getrandbits(128):032x}"])
    for _ in range(pharmacies):
        name = _pharmacy_name(rng, admdvs, names)
        code = f"P{admdvs}{_unique_digits(rng, numbers['P'], 5, high=9999)}"
        rows.append([code, name, "2", "", admdvs, f"{rng.getrandbits(128):032x}"])
    rows.sort(key=lambda row: (row[2], -int(row[3] or 0), row[0]))
    return rows


# ---------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------

ASSISTANCE_PER_MILLE = (("tekun", 5), ("dibao", 20), ("low_income", 10), ("monitored", 10))
RESIDENT_TYPES = (("1401", 3), ("1402", 7), ("1403", 20), ("1404", 6), ("1501", 64))
EMPLOYEE_SHARE = Decimal("0.60")
RETIRED_SHARE = Decimal("0.28")
FAMILY_LINK_PERCENT = 15


class _Names:
    def __init__(self, admdvs: str):
        weights = _weighted(SURNAMES)
        for surname, factor in _weighted(SURNAME_BIAS.get(admdvs[:2], "")).items():
            weights[surname] = weights.get(surname, Decimal(1)) * factor
        self.surnames = list(weights)
        self.cumulative = []
        total = 0
        for surname in self.surnames:
            total += int(weights[surname] * 10)  # whole-number weights
            self.cumulative.append(total)
        self.given = {key: value.split() for key, value in GIVEN_NAMES.items()}

    def surname(self, rng: random.Random) -> str:
        return rng.choices(self.surnames, cum_weights=self.cumulative)[0]

    def given_name(self, rng: random.Random, gend: str, brdy: dt.date) -> str:
        era = 0 if brdy.year < 1965 else 1 if brdy.year < 1990 else 2 if brdy.year < 2010 else 3
        return rng.choice(self.given[(era, gend)])


def _employee_profile(rng: random.Random, retired: bool) -> tuple[str, str, dt.date]:
    gend = rng.choice("12")
    if retired:
        brdy = _birth_date(rng, 60 if gend == "1" else 55, 90)
        psn_type = "1202" if rng.randrange(100) < 7 else "1201"
    else:
        brdy = _birth_date(rng, 20, 59 if gend == "1" else 54)
        psn_type = "1102" if rng.randrange(100) < 7 else "1101"
    return psn_type, gend, brdy


def _resident_profile(rng: random.Random) -> tuple[str, str, dt.date]:
    gend = rng.choice("12")
    psn_type = rng.choices([code for code, _ in RESIDENT_TYPES], [w for _, w in RESIDENT_TYPES])[0]
    if psn_type == "1401":
        brdy = _birth_date(rng, 0, 0)
    elif psn_type == "1402":
        brdy = _birth_date(rng, 1, 5)
    elif psn_type == "1403":
        brdy = _birth_date(rng, 6, 17)
    elif psn_type == "1404":
        brdy = _birth_date(rng, 18, 22)
    else:
        band = rng.randrange(100)
        brdy = _birth_date(rng, *((18, 39) if band < 25 else (40, 59) if band < 60 else (60, 92)))
    return psn_type, gend, brdy


def _balance(rng: random.Random, retired: bool) -> str:
    bucket = rng.randrange(100)
    if retired:
        ranges = ((2, 0, 0), (30, 100_000, 600_000), (80, 600_000, 1_500_000), (100, 1_500_000, 2_500_000))
    else:
        ranges = ((4, 0, 0), (44, 1_000, 200_000), (84, 200_000, 800_000), (100, 800_000, 2_000_000))
    for limit, low, high in ranges:
        if bucket < limit:
            return _money(Decimal(rng.randint(low, high)) / 100)
    raise AssertionError("unreachable")


def _person_rows(admdvs: str, count: int, seed: int) -> list[list[str]]:
    rng = _rng(seed, admdvs, "persons")
    names = _Names(admdvs)
    employees = int((count * EMPLOYEE_SHARE).to_integral_value(ROUND_HALF_UP))
    retired = int((employees * RETIRED_SHARE).to_integral_value(ROUND_HALF_UP))
    psn_nos: set[str] = set()
    certnos: set[str] = set()
    cards: set[str] = set()

    def identity(kind: str, gend: str, brdy: dt.date) -> tuple[str, str, str]:
        while True:
            psn_no = f"{admdvs}{kind}{rng.randrange(10 ** 10):010d}"
            if psn_no not in psn_nos:
                psn_nos.add(psn_no)
                break
        while True:
            certno = make_certno(admdvs, brdy, rng.randint(1, 499), gend == "1")
            if certno not in certnos:
                certnos.add(certno)
                break
        while True:
            card = CARD_LETTER[admdvs] + f"{rng.randrange(10 ** 8):08d}"
            if card not in cards:
                cards.add(card)
                break
        return psn_no, certno, card

    rows: list[dict] = []
    for index in range(employees):
        psn_type, gend, brdy = _employee_profile(rng, index < retired)
        psn_no, certno, card = identity("ZG", gend, brdy)
        rows.append(dict(
            psn_no=psn_no, certno=certno, surname=names.surname(rng), given=names.given_name(rng, gend, brdy),
            gend=gend, brdy=brdy, insutype="310", psn_type=psn_type,
            cvlserv_flag="1" if psn_type in ("1102", "1202") else "0", assistance_group="",
            acct_balance=_balance(rng, psn_type.startswith("12")), card_no=card, family_psn_no="",
        ))
    employee_rows = list(rows)
    for _ in range(count - employees):
        psn_type, gend, brdy = _resident_profile(rng)
        psn_no, certno, card = identity("JM", gend, brdy)
        surname = names.surname(rng)
        family = ""
        if employee_rows and rng.randrange(100) < FAMILY_LINK_PERCENT:
            relative = rng.choice(employee_rows)
            family = relative["psn_no"]
            if age_on(brdy) < 23:  # a child carries the insured parent's surname
                surname = relative["surname"]
        group = ""
        draw = rng.randrange(1000)
        for key, per_mille in ASSISTANCE_PER_MILLE:
            if draw < per_mille:
                group = key
                break
            draw -= per_mille
        rows.append(dict(
            psn_no=psn_no, certno=certno, surname=surname, given=names.given_name(rng, gend, brdy),
            gend=gend, brdy=brdy, insutype="390", psn_type=psn_type, cvlserv_flag="0", assistance_group=group,
            acct_balance="0.00", card_no=card, family_psn_no=family,
        ))
    rng.shuffle(rows)
    return [[
        row["psn_no"], "01", row["certno"], row["surname"] + row["given"], row["gend"], row["brdy"].isoformat(),
        row["insutype"], row["psn_type"], admdvs, row["cvlserv_flag"], row["assistance_group"],
        row["acct_balance"], row["card_no"], row["family_psn_no"],
    ] for row in rows]


# ---------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------

def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate_world(out_dir: Path, *, seed: int = 7, persons_per_region: int = 400, items_per_region: int = 250) -> dict:
    """Write hilist.csv, lmtpric.csv, selfpay.csv, institutions.csv and persons.csv into
    ``out_dir`` and return a manifest: ``files`` (kind → Path, in import order), ``counts``
    and ``regions`` (one dict per region: admdvs, name, and the admdvs whose catalogue and
    policy apply)."""
    if persons_per_region < 1:
        raise ValueError("persons_per_region must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    national = NationalCatalogue(seed)
    counts = _group_counts(national, items_per_region)

    hilist, lmtpric, selfpay, institutions, persons = [], [], [], [], []
    for admdvs, _ in REGIONS:
        if admdvs not in PARENT_REGION:
            h, l, s = _catalogue_rows(national, admdvs, counts, seed)
            hilist += h
            lmtpric += l
            selfpay += s
        institutions += _institution_rows(admdvs, seed)
        persons += _person_rows(admdvs, persons_per_region, seed)

    files = {kind: out_dir / f"{kind}.csv" for kind in KINDS}
    _write_csv(files["hilist"], HILIST_COLUMNS, hilist)
    _write_csv(files["lmtpric"], LMTPRIC_COLUMNS, lmtpric)
    _write_csv(files["selfpay"], SELFPAY_COLUMNS, selfpay)
    _write_csv(files["institutions"], INSTITUTION_COLUMNS, institutions)
    _write_csv(files["persons"], PERSON_COLUMNS, persons)

    return {
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "files": files,
        "counts": {
            "hilist": len(hilist),
            "lmtpric": len(lmtpric),
            "selfpay": len(selfpay),
            "institutions": len(institutions),
            "hospitals": sum(1 for row in institutions if row[2] == "1"),
            "pharmacies": sum(1 for row in institutions if row[2] == "2"),
            "persons": len(persons),
            "employees": sum(1 for row in persons if row[6] == "310"),
            "residents": sum(1 for row in persons if row[6] == "390"),
        },
        "regions": [
            {"admdvs": admdvs, "name": name, "catalogue_admdvs": PARENT_REGION.get(admdvs, admdvs),
             "policy_admdvs": PARENT_REGION.get(admdvs, admdvs)}
            for admdvs, name in REGIONS
        ],
    }


__all__ = ["AS_OF", "KINDS", "PARENT_REGION", "REGIONS", "age_on", "generate_world"]
