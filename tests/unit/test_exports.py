"""Exports people open in a spreadsheet or stamp (documents/exports.py, statement_pdf.py) and the
region names they show (domain/regions.py)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zlib
from decimal import Decimal

from openpyxl import load_workbook

from yibao.documents.exports import table_rows, to_csv, to_xlsx
from yibao.documents.statement_pdf import clearing_statement_pdf, reconciliation_pdf
from yibao.domain import regions

ROWS = [
    {"psn_no": "0441500000001", "insuplc_admdvs": "441500", "setl_cnt": 3, "medfee_sumamt": Decimal("966.11"),
     "fund_ratio": Decimal("0.7146"), "setl_time": dt.datetime(2026, 3, 5, 9, 30), "filing_no": "007"},
    {"psn_no": "0000000000002", "insuplc_admdvs": "110105", "setl_cnt": 1, "medfee_sumamt": Decimal("1000"),
     "fund_ratio": None, "setl_time": dt.datetime(2026, 3, 6), "filing_no": "0"},
]


def test_the_workbook_keeps_ids_as_text_and_amounts_as_two_decimal_numbers():
    sheet = load_workbook(io.BytesIO(to_xlsx(ROWS, "结算"))).active
    assert sheet.title == "结算"
    assert [cell.value for cell in sheet[1]] == ["人员编号", "参保地", "结算人次", "医疗费总额", "基金支付比例",
                                                 "结算时间", "备案号"]
    psn, region, count, fee, ratio, when, filing = sheet[2]
    assert (psn.value, psn.data_type, psn.number_format) == ("0441500000001", "s", "@")
    assert (filing.value, filing.data_type) == ("007", "s")
    assert sheet["A3"].value == "0000000000002" and sheet["G3"].value == "0"
    assert (count.value, count.data_type) == (3, "n")
    assert fee.data_type == "n" and fee.value == 966.11 and fee.number_format == "#,##0.00"
    assert sheet["D3"].value == 1000 and sheet["D3"].number_format == "#,##0.00"
    assert ratio.number_format == "0.00%" and abs(ratio.value - 0.7146) < 1e-12
    assert sheet["E3"].value is None
    assert when.value == dt.datetime(2026, 3, 5, 9, 30) and when.is_date


def test_control_characters_become_replacement_characters_not_an_error():
    sheet = load_workbook(io.BytesIO(to_xlsx([{"reason": "a\x01b", "subtype": ["x"]}]))).active
    assert sheet["A2"].value == "a\ufffdb" and sheet["B2"].value == "['x']"


def test_the_csv_starts_with_a_byte_order_mark_and_keeps_the_text():
    text = to_csv(ROWS)
    assert text.startswith("\ufeffpsn_no,insuplc_admdvs,")
    assert "0441500000001,441500,3,966.11,0.7146,2026-03-05T09:30:00,007" in text
    assert "\r\n0000000000002,110105,1,1000,,2026-03-06T00:00:00,0\r\n" in text
    assert to_csv(ROWS, chinese_header=True).startswith("\ufeff人员编号,参保地,结算人次")
    assert to_csv([]) == "\ufeff"


def test_table_rows_finds_the_rows_of_every_document_shape():
    assert table_rows({"rows": [{"a": 1}], "total": {}}) == [{"a": 1}]
    assert table_rows({"months": [{"m": 1}]}) == [{"m": 1}]
    assert table_rows({"approved_cnt": 2, "by_status": {"paid": 1}}) == [{"approved_cnt": 2}]


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


def pdf_text(pdf: bytes) -> str:
    """The text shown by the PDF's content streams (pdftotext is not installed here): each
    ASCII85 + Flate stream decoded, each ``(…) Tj`` string unescaped and read as UCS-2 (the CID font's
    UniGB-UCS2-H encoding)."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:  # reportlab's filters: /ASCII85Decode then /FlateDecode
            content = zlib.decompress(base64.a85decode(stream.strip(), adobe=stream.strip().endswith(b"~>")))
        except (ValueError, zlib.error):
            continue
        for literal in re.findall(rb"\(((?:[^\\)]|\\.)*)\) Tj", content, re.S):
            raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else m.group(1),
                              literal)
            shown.append(raw.decode("utf-16-be", "replace"))
    return "\n".join(shown)


STATEMENT = {"statement_id": "CS202603000001", "month": "2026-03", "insuplc_admdvs": "441500",
             "mdtrtarea_admvs": "110105", "setl_cnt": 13, "medfee_sumamt": Decimal("966.11"),
             "fund_pay_sumamt": Decimal("690.40"), "acct_pay": Decimal("12.00"), "psn_cash_pay": Decimal("263.71"),
             "clearing_amount": Decimal("702.40"), "status": "confirmed", "version": 1, "provisional": False}


def test_the_statement_pdf_is_one_page_in_the_chinese_cid_font():
    pdf = clearing_statement_pdf(STATEMENT, dt.datetime(2026, 4, 2, 10, 0))
    assert pdf.startswith(b"%PDF-") and _pages(pdf) == 1
    assert b"/STSong-Light" in pdf and b"UniGB-UCS2-H" in pdf
    text = pdf_text(pdf)
    assert "跨省异地就医费用清算单" in text and "CS202603000001" in text and "2026-03" in text
    assert "966.11" in text and "690.40" in text and "702.40" in text and "已确认待支付" in text
    assert "参保地经办机构（盖章）" in text and "就医地经办机构（盖章）" in text and "打印时间 2026-04-02 10:00" in text
    assert clearing_statement_pdf(STATEMENT, dt.datetime(2026, 4, 2, 10, 0)) == pdf  # same statement, same bytes
    application = {"clr_appy_evt_id": "CA0001", "fixmedins_code": "H44150200001", "clr_type": "11",
                   "begndate": dt.date(2026, 3, 1), "enddate": dt.date(2026, 3, 31), "setl_cnt": 4,
                   "medfee_sumamt": Decimal("500.00"), "fund_pay_sumamt": Decimal("300.00"),
                   "acct_pay": Decimal("0.00"), "status": "applied"}
    reconciliation = reconciliation_pdf(application, {"fixmedins_name": "汕尾市人民医院", "admdvs": "441502"},
                                        dt.datetime(2026, 4, 2))
    text = pdf_text(reconciliation)
    assert _pages(reconciliation) == 1 and "定点医药机构对账结算单" in text
    assert "汕尾市人民医院（H44150200001）" in text and "2026-03-01 至 2026-03-31" in text and "500.00" in text


LOC_DAT = '''# generated from National Bureau of Statistics
441502 county="城区" prefecture="汕尾市" province="广东省"
441521 county="海丰县" prefecture="汕尾市" province="广东省"
110105 county="朝阳区" prefecture="市辖区" province="北京市"
'''


def test_the_gb2260_file_names_counties_cities_and_provinces():
    names = regions.parse_loc_dat(LOC_DAT)
    assert names == {"441502": "城区", "441521": "海丰县", "441500": "汕尾市", "440000": "广东省",
                     "110105": "朝阳区", "110000": "北京市"}


def test_a_code_always_reads_with_at_least_its_province():
    assert regions.region_name("440000") == "广东省" and regions.region_name("500000") == "重庆市"
    assert regions.region_name("110100") == "北京市"  # a municipality's 市辖区 is the municipality
    assert regions.region_name("999999") == "999999" and regions.region_name("") == ""
    if regions.full_table_loaded():
        assert regions.region_name("441500") == "汕尾市" and regions.labelled("441500") == "汕尾市（441500）"
    else:
        assert regions.region_name("441500") == "广东省 441500" and regions.labelled("441500") == "广东省 441500"
