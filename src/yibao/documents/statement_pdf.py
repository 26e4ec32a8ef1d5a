"""Stampable PDFs: a clearing statement (异地就医清算单, between an insured place and a
treatment place) and an institution's reconciliation statement (对账结算单, its 3203 clearing
application: what it applied for against what the platform settled). One A4 page each, set in
STSong-Light (reportlab's built-in CID font for Simplified Chinese: every PDF reader carries it,
so no font file ships), with a seal box (盖章) for each party and the time it was printed.
"""

from __future__ import annotations

import datetime as dt
import io

from yibao.domain.regions import labelled

FONT = "STSong-Light"
STATUS_NAMES = {"generated": "待确认", "confirmed": "已确认待支付", "paid": "已支付", "superseded": "已被替代",
                "applied": "已申请", "cancelled": "已撤销"}


def _canvas(buffer: io.BytesIO, title: str):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)  # invariant: the same statement gives the same bytes
    page.setTitle(title)
    page.setAuthor("yibao")
    return page, A4


def _document(title: str, lines: list[tuple[str, str]], seals: tuple[str, str], printed_at: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    page, (width, height) = _canvas(buffer, title)
    page.setFont(FONT, 18)
    page.drawCentredString(width / 2, height - 72, title)
    page.setFont(FONT, 11)
    y = height - 120
    for label, value in lines:
        page.drawString(72, y, label)
        page.drawString(220, y, value)
        page.line(216, y - 4, width - 72, y - 4)
        y -= 24
    y -= 30
    for x, seal in ((72, seals[0]), (width / 2 + 10, seals[1])):
        page.rect(x, y - 110, width / 2 - 82, 110)
        page.drawString(x + 8, y - 18, seal)
        page.drawString(x + 8, y - 100, "经办人：            日期：")
    page.setFont(FONT, 9)
    page.drawString(72, 60, f"打印时间 {printed_at:%Y-%m-%d %H:%M}　金额单位：元　本单由 yibao 医保结算平台生成")
    page.showPage()
    page.save()
    return buffer.getvalue()


def clearing_statement_pdf(view: dict, printed_at: dt.datetime) -> bytes:
    """``view`` is app/clearing.statement_view (amounts in yuan) with the confirmation fields."""
    lines = [
        ("清算单号", view["statement_id"]),
        ("清算月份", view["month"]),
        ("参保地", labelled(view["insuplc_admdvs"])),
        ("就医地", labelled(view["mdtrtarea_admvs"])),
        ("结算人次", str(view["setl_cnt"])),
        ("医疗费总额", f"{view['medfee_sumamt']:,.2f}"),
        ("基金支付", f"{view['fund_pay_sumamt']:,.2f}"),
        ("个人账户支付", f"{view['acct_pay']:,.2f}"),
        ("个人现金支付", f"{view['psn_cash_pay']:,.2f}"),
        ("清算金额（参保地应付）", f"{view['clearing_amount']:,.2f}"),
        ("状态", STATUS_NAMES.get(view["status"], view["status"])),
        ("版本", f"第 {view.get('version', 1)} 版" + ("（预清算）" if view.get("provisional") else "")),
    ]
    return _document("跨省异地就医费用清算单", lines, ("参保地经办机构（盖章）", "就医地经办机构（盖章）"), printed_at)


def reconciliation_pdf(application: dict, institution: dict | None, printed_at: dt.datetime) -> bytes:
    """``application``: a 3203 clearing application with amounts in yuan (app/listings.reconciliation)."""
    name = (institution or {}).get("fixmedins_name", "")
    lines = [
        ("申请事件ID", application["clr_appy_evt_id"]),
        ("定点医药机构", f"{name}（{application['fixmedins_code']}）"),
        ("统筹区", labelled((institution or {}).get("admdvs", ""))),
        ("清算类别", application["clr_type"]),
        ("对账期间", f"{application['begndate']} 至 {application['enddate']}"),
        ("结算笔数", str(application["setl_cnt"])),
        ("医疗费总额", f"{application['medfee_sumamt']:,.2f}"),
        ("基金支付", f"{application['fund_pay_sumamt']:,.2f}"),
        ("个人账户支付", f"{application['acct_pay']:,.2f}"),
        ("状态", STATUS_NAMES.get(application["status"], application["status"])),
    ]
    return _document("定点医药机构对账结算单", lines, ("定点医药机构（盖章）", "医保经办机构（盖章）"), printed_at)


def render(document: dict, printed_at: dt.datetime) -> bytes:
    """The PDF of app/listings.statement_document's answer."""
    if document["kind"] == "clearing":
        return clearing_statement_pdf(document["view"], printed_at)
    return reconciliation_pdf(document["view"], document["institution"], printed_at)
