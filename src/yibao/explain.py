"""A settlement explained as tables a settlement clerk reads (``yibao settle --explain``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from yibao.domain import codes
from yibao.domain.money import FEN
from yibao.domain.settle import Settlement


def _yuan(amount) -> str:
    return str(amount.quantize(FEN))


def print_explanation(settlement: Settlement, console: Console | None = None) -> None:
    # Outside a terminal rich assumes 80 columns, too narrow for the line table.
    console = console or Console(width=None if Console().is_terminal else 140)

    lines = Table(title="Fee lines (treatment place's catalogue)", title_justify="left")
    for column in ("code", "name", "lv", "amount", "全自费", "超限价", "先行自付", "符合范围", "memo"):
        left = column in ("code", "name", "memo", "lv")
        lines.add_column(column, justify="left" if left else "right", no_wrap=not left)
    for line in settlement.lines:
        lines.add_row(
            line.code,
            line.name,
            codes.CHRGITM_LV.get(line.chrgitm_lv or "", "—"),
            _yuan(line.det_item_fee_sumamt),
            _yuan(line.fulamt_ownpay_amt),
            _yuan(line.overlmt_amt),
            _yuan(line.preselfpay_amt),
            _yuan(line.inscp_scp_amt),
            line.memo,
        )
    lines.add_row(
        "total", "", "",
        _yuan(settlement.medfee_sumamt), _yuan(settlement.fulamt_ownpay_amt), _yuan(settlement.overlmt_selfpay),
        _yuan(settlement.preselfpay_amt), _yuan(settlement.inscp_scp_amt), "", style="bold",
    )  # fmt: skip
    console.print(lines)

    funds = Table(title="Who pays", title_justify="left")
    funds.add_column("field")
    funds.add_column("meaning")
    funds.add_column("amount", justify="right")
    meanings = {
        "act_pay_dedc": "deductible paid 起付线",
        "hifp_pay": "basic pooled fund 统筹基金",
        "pool_prop_selfpay": "basic fund ratio 支付比例",
        "hifob_pay": "large-expense subsidy 大额",
        "hifmi_pay": "critical illness 大病保险",
        "hifes_pay": "enterprise supplementary 企业补充",
        "cvlserv_pay": "civil-servant subsidy 公务员补助",
        "maf_pay": "medical assistance 医疗救助",
        "oth_pay": "other 其他",
        "fund_pay_sumamt": "all funds 基金支付总额",
        "psn_part_amt": "personal part 个人负担",
        "acct_pay": "personal account 个人账户",
        "acct_mulaid_pay": "family mutual aid 家庭共济",
        "psn_cash_pay": "cash 现金",
        "balc": "account balance after 余额",
    }
    for name, meaning in meanings.items():
        value = getattr(settlement, name)
        funds.add_row(name, meaning, str(value.normalize()) if name == "pool_prop_selfpay" else _yuan(value))
    console.print(funds)

    trace = Table(title="How it was computed", title_justify="left", show_header=False)
    trace.add_column("#", justify="right")
    trace.add_column("step")
    for number, step in enumerate(settlement.trace, start=1):
        trace.add_row(str(number), step)
    console.print(trace)
