"""Exports of any table people open in a spreadsheet, and stampable PDFs of statements.

- Excel (openpyxl): a header row in Chinese (``HEADERS``, the column name where none is known);
  text cells typed as text (``@``) so IDs and region codes keep their leading zeros; amounts
  (Decimal) as numbers shown with two decimals; rates (columns ending ``_rate``/``_ratio``/
  ``_yoy``) as percentages; counts as integers; dates as dates.
- CSV: UTF-8 with a byte-order mark, which is what makes Excel read it as UTF-8 rather than the
  machine's code page (the garbled CSV of issue #16).
- PDF (reportlab): a clearing statement (清算单) or an institution's reconciliation (对账单) on one
  A4 page, set in STSong-Light (a CID font every PDF reader has, so no font file ships), with the
  boxes for both parties' seals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

HEADERS = {
    "insuplc_admdvs": "参保地", "mdtrtarea_admvs": "就医地", "insured_admdvs": "参保地", "treatment_prov": "就医省",
    "scope": "类别", "setl_cnt": "结算人次", "medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付",
    "fund_ratio": "基金支付比例", "direct_cnt": "直接结算人次", "manual_cnt": "零星报销人次", "direct_rate": "直接结算率",
    "dianzi_avoided_amt": "减少垫资", "prev_year_setl_cnt": "上年同期人次", "setl_cnt_yoy": "人次同比",
    "statement_id": "清算单号", "month": "月份", "status": "状态", "status_name": "状态", "clearing_amount": "清算金额",
    "acct_pay": "个人账户支付", "psn_cash_pay": "个人现金支付", "fixmedins_code": "机构编码", "fixmedins_name": "机构名称",
    "psn_no": "人员编号", "psn_name": "姓名", "certno": "证件号码", "setl_id": "结算ID", "mdtrt_id": "就诊ID",
    "setl_time": "结算时间", "med_type": "医疗类别", "filing_no": "备案号", "filing_type": "备案类型",
    "dest_admdvs": "备案就医地", "begndate": "开始日期", "enddate": "结束日期", "case_id": "案件号", "amount": "金额",
    "prepay_id": "预付金编号", "year": "年度", "kind": "类型", "admdvs": "统筹区", "sanction_id": "处理编号",
    "subject_type": "对象类型", "subject_id": "对象", "reason": "原因", "statements": "清算单数", "provinces": "省份数",
    "region": "统筹区", "region_name": "统筹区名称", "approved_cnt": "已审批笔数", "approved_amt": "已审批金额",
    "paid_cnt": "已付款笔数", "paid_amt": "已付款金额", "received_cnt": "已收款笔数", "received_amt": "已收款金额",
}
_RATE_SUFFIXES = ("_rate", "_ratio", "_yoy", "_change")


def header(column: str) -> str:
    return HEADERS.get(column, column)


def _columns(rows: list[dict]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def _cell_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, (list, dict, tuple)):
        value = str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):  # control characters have no place in a sheet (and openpyxl refuses them)
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _format(column: str, value) -> str | None:
    if isinstance(value, Decimal):
        return "0.00%" if column.endswith(_RATE_SUFFIXES) else "#,##0.00"
    if isinstance(value, int):
        return "0"
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, dt.date):
        return "yyyy-mm-dd"
    if isinstance(value, str):
        return "@"  # text: 0441500… stays text, never a number
    return None


def to_xlsx(rows: list[dict], title: str = "数据") -> bytes:
    """One sheet: the Chinese header row, then the rows, each cell typed as above."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = (title or "数据")[:31].translate({ord(c): "_" for c in "[]:*?/\\"})
    columns = _columns(rows)
    sheet.append([header(column) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column_number, column in enumerate(columns, start=1):
            value = _cell_value(row.get(column))
            cell = sheet.cell(row=row_number, column=column_number, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never guessed as a number or a formula
            number_format = _format(column, value)
            if number_format:
                cell.number_format = number_format
    for column_number, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=column_number).column_letter].width = \
            max(10, min(40, 2 * len(header(column)) + 4))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(rows: list[dict], *, chinese_header: bool = False) -> str:
    """CSV text starting with a byte-order mark; the header is the column names (or the Chinese names)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    columns = _columns(rows)
    writer = csv.writer(buffer)
    if columns:
        writer.writerow([header(c) for c in columns] if chinese_header else columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _plain(row.get(c)) for c in columns])
    return buffer.getvalue()


def _plain(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def table_rows(document) -> list[dict]:
    """The rows of a statistics result or a list page: ``rows`` (or ``items``) if it has them,
    the months of a clearing summary, else the one figure set itself (nested values as text)."""
    if isinstance(document, list):
        return document
    for key in ("rows", "items", "months"):
        if isinstance(document.get(key), list):
            return document[key]
    return [{k: v for k, v in document.items() if not isinstance(v, (list, dict))}]
