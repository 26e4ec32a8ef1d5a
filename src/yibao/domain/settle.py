"""One settlement: who pays what (settlement-spec §5).

``settle(case)`` is pure: it reads the case and returns a ``Settlement`` with the
national setlinfo amounts, the per-line split, the per-fund detail, the accumulator
delta for the person's year and a trace in words a settlement clerk understands.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from . import codes
from .bands import BandedPayment, pay_bands
from .case import Person, SettlementCase, YearToDate
from .errors import (
    E_NO_BENEFIT,
    E_NOT_QUALIFIED,
    E_NOT_FILED,
    E_POLICY_NOT_EFFECTIVE,
    refused,
)
from .money import FEN, ONE, ZERO, clamp_ratio, round_fen, show_ratio
from .policy import NO_ADJUSTMENT, Adjustment, Band, Benefit, Cap, Policy, lookup
from .split import LineSplit, split_line
from .trace import Percent, Trace

LOCAL, IN_PROVINCE, CROSS_PROVINCE = "local", "in_province", "cross_province"
SCOPE_NAMES = {LOCAL: "local", IN_PROVINCE: "in-province 异地", CROSS_PROVINCE: "cross-province 异地"}
SCOPE_CHINESE = {LOCAL: "本地", IN_PROVINCE: "省内异地", CROSS_PROVINCE: "跨省异地"}

# setlinfo's fund fields in the order of the spec's identity.
FUND_FIELDS = ("hifp_pay", "hifob_pay", "hifmi_pay", "hifes_pay", "oth_pay", "cvlserv_pay", "maf_pay")
LAYER_FIELD = {"hifob": "hifob_pay", "hifmi": "hifmi_pay", "hifes": "hifes_pay", "oth": "oth_pay"}
LAYER_NAMES = {
    "hifob": "large-expense subsidy 大额",
    "hifmi": "critical illness 大病",
    "hifes": "enterprise supplementary 企业补充",
    "oth": "other fund",
}


class FundPayment(NamedTuple):
    fund_pay_type: str
    fund_payamt: Decimal


@dataclass(slots=True)
class Settlement:
    """The answer for one visit. Built once by ``settle`` and never changed: a correction
    is a new settlement (or a reversal of this one), not an edit."""

    # setlinfo (national names, nhsa-interface §3)
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    pool_prop_selfpay: Decimal
    cvlserv_pay: Decimal
    hifes_pay: Decimal
    hifmi_pay: Decimal
    hifob_pay: Decimal
    maf_pay: Decimal
    oth_pay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    acct_mulaid_pay: Decimal
    psn_cash_pay: Decimal
    hosp_part_amt: Decimal
    balc: Decimal
    # the rest of the answer
    # who paid acct_mulaid_pay: (psn_no, amount) per bound account, in binding order ("" for a
    # case file's single family account)
    mutual_aid_draws: tuple[tuple[str, Decimal], ...]
    lines: tuple[LineSplit, ...]
    setldetail: tuple[FundPayment, ...]
    benefit: str
    scope: str
    adjustment: Adjustment
    ytd_before: YearToDate
    delta: YearToDate
    steps: Trace

    SETLINFO_FIELDS = (
        "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
        "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "cvlserv_pay",
        "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "fund_pay_sumamt",
        "psn_part_amt", "acct_pay", "acct_mulaid_pay", "psn_cash_pay", "hosp_part_amt", "balc",
    )  # fmt: skip

    def setlinfo(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in self.SETLINFO_FIELDS}

    @property
    def ytd_after(self) -> YearToDate:
        """The accumulators to feed into the person's next visit (spec §5.11)."""
        return self.ytd_before.apply(self.delta)

    @property
    def trace(self) -> tuple[str, ...]:
        """Every step in words a settlement clerk understands."""
        return self.steps.render()


def draw_family_accounts(person: Person, rest: Decimal) -> tuple[tuple[str, Decimal], ...]:
    """What the bound family accounts pay of ``rest`` (the part the person's own account left):
    each in the order of its binding, as much as its balance allows (domain-rules §2.3: the
    earliest binding pays first). Accounts that pay nothing are left out."""
    accounts = person.mutual_aid_accounts or (("", person.mutual_aid_balance),)
    draws = []
    for psn_no, balance in accounts:
        if rest <= ZERO:
            break
        amount = balance if balance < rest else rest
        if amount > ZERO:
            draws.append((psn_no, amount))
            rest -= amount
    return tuple(draws)


def _yuan(amount: Decimal) -> str:
    """An amount in the trace, always with two decimals."""
    return f"{amount.quantize(FEN)}"


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def visit_scope(insuplc_admdvs: str, mdtrtarea_admvs: str) -> str:
    """Spec §5.2: same region local; same province prefix in-province; else cross-province."""
    if insuplc_admdvs == mdtrtarea_admvs:
        return LOCAL
    if codes.province_of(insuplc_admdvs) == codes.province_of(mdtrtarea_admvs):
        return IN_PROVINCE
    return CROSS_PROVINCE


def cross_region_adjustment(policy: Policy, scope: str, filing: str | None) -> tuple[str, Adjustment]:
    """The adjustment for this visit (spec §5.2); raises E_NOT_FILED when the policy rejects.

    Returns the effective scope: a scope whose block is null or absent is treated as local.
    """
    if scope == LOCAL:
        return LOCAL, NO_ADJUSTMENT
    rules = getattr(policy.cross_region, scope)
    if rules is None:
        return LOCAL, NO_ADJUSTMENT
    if filing is None:
        if rules.unfiled is None:
            raise refused(E_NOT_FILED, scope=SCOPE_CHINESE[scope], policy=policy.name)
        return scope, rules.unfiled
    # A filing type the block does not name gets no reduction.
    return scope, rules.by_filing.get(filing, NO_ADJUSTMENT)


def _adjust_ratio(ratio: Decimal, adjustment: Adjustment) -> Decimal:
    if adjustment.mode == "subtract_points":
        return clamp_ratio(ratio - adjustment.value)
    if adjustment.mode == "multiply":
        return clamp_ratio(ratio * adjustment.value)
    return ratio


def _describe_adjustment(adjustment: Adjustment) -> str:
    value = adjustment.value
    if adjustment.mode == "subtract_points":
        return f"basic-fund ratios minus {show_ratio(value)[:-1]} points"
    if adjustment.mode == "multiply":
        return f"basic-fund ratios × {value:f}"
    if adjustment.mode == "extra_preselfpay":
        return f"self-pay-first ratio of every covered line plus {show_ratio(value)}"
    return "no adjustment"


def _basic_ratio(band: Band, person_key: str, level: str, adjustment: Adjustment) -> Decimal:
    """A basic band's ratio after the cross-region adjustment (spec §5.2). Handed to pay_bands
    unevaluated: a band the visit does not reach is never looked up (spec §5.12)."""
    return _adjust_ratio(lookup(band.ratio, band.path + ".ratio", person_key, level), adjustment)


def _layer_ratio(band: Band, person_key: str, level: str, bonus: Decimal) -> Decimal:
    """A layer band's ratio plus the assistance group's bonus, clamped to [0, 1] (spec §5.7,
    §5.12); like _basic_ratio, looked up only for a band the visit reaches."""
    return clamp_ratio(lookup(band.ratio, band.path + ".ratio", person_key, level) + bonus)


def _cap_room(cap: Cap | None, ytd: YearToDate, booked: dict[str, Decimal]) -> Decimal | None:
    """Room left under a cap (spec §5.5). Funds that name the same key share it, so what earlier
    funds of this visit booked on the key is used too (spec §5.12); never below 0."""
    if cap is None:
        return None
    room = cap.amount - ytd.fund_paid.get(cap.key, ZERO) - booked.get(cap.key, ZERO)
    return room if room > ZERO else ZERO


def _booked_on(cap: Cap | None, booked: dict[str, Decimal]) -> Decimal:
    """What earlier funds of this visit booked on the cap's key, captured for the trace."""
    return booked.get(cap.key, ZERO) if cap is not None else ZERO


def _book(booked: dict[str, Decimal], cap: Cap | None, payment: Decimal) -> None:
    """Spec §5.11: fund_paid[key] += payment for every capped fund (keys may be shared)."""
    if cap is not None:
        booked[cap.key] = booked.get(cap.key, ZERO) + payment


def _describe_parts(paid: BandedPayment) -> str:
    if not paid.parts:
        return "nothing in a paying band"
    return " + ".join(
        f"{_yuan(part.amount)} × {show_ratio(part.ratio)} ({_yuan(part.low)}–{_yuan(part.high)})" for part in paid.parts
    )


def _describe_layer(name, cap, ytd, booked, paid, base, base_kind) -> str:
    return f"{_describe_cap(name, cap, ytd, booked, paid)} on base {_yuan(base)} ({base_kind})"


def _describe_cap(name: str, cap: Cap | None, ytd: YearToDate, booked: Decimal, paid: BandedPayment) -> str:
    """``booked``: what earlier funds of this visit put on the same cap key (spec §5.12)."""
    text = f"{name}: {_describe_parts(paid)} = {_yuan(paid.uncapped)}"
    if cap is not None:
        used = ytd.fund_paid.get(cap.key, ZERO)
        text += f"; cap '{cap.key}' {_yuan(cap.amount)} with {_yuan(used)} used"
        if booked:
            text += f" before this visit and {_yuan(booked)} by earlier funds of this visit"
        text += f" leaves {_yuan(paid.cap_room)}"
        if paid.capped:
            text += f", so it pays {_yuan(paid.payment)}"
    return text


def settle(case: SettlementCase) -> Settlement:
    policy, person, visit, ytd = case.policy, case.person, case.visit, case.ytd
    trace = Trace()

    # §5.1 benefit and validity
    benefit = policy.benefit_for(visit.med_type, visit.dise_codg, visit.delivery_type)
    if benefit is None:
        disease = f"、病种 {visit.dise_codg or '（未填写）'} " if any(
            visit.med_type in b.med_types for b in policy.benefits) else ""
        raise refused(E_NO_BENEFIT, policy=policy.name, med_type=visit.med_type,
                      med_type_name=codes.MED_TYPE.get(visit.med_type, "未知"), disease=disease)
    if not policy.is_valid_on(visit.enddate):
        raise refused(E_POLICY_NOT_EFFECTIVE, policy=policy.name, valid_from=policy.valid_from,
                      valid_to=policy.valid_to or "长期", enddate=visit.enddate)
    if benefit.diseases is not None and person.qualified_diseases is not None and not any(
        visit.dise_codg.startswith(code) for code in person.qualified_diseases
    ):
        raise refused(E_NOT_QUALIFIED, benefit=benefit.name, psn_no=person.psn_no, enddate=visit.enddate,
                      disease=visit.dise_codg)
    trace.add(
        "policy '{}' ({}, insutype {}), benefit '{}' for med_type {}; person {}, level {}",
        policy.name, policy.admdvs, policy.insutype, benefit.name, visit.med_type, person.class_key,
        visit.medins_lv,
    )

    # §5.2 cross-region scope and adjustment
    raw_scope = visit_scope(visit.insuplc_admdvs, visit.mdtrtarea_admvs)
    scope, adjustment = cross_region_adjustment(policy, raw_scope, visit.filing)
    if raw_scope != LOCAL:
        trace.add(
            "{} visit (insured {}, treated {}), filing {}: {}",
            SCOPE_NAMES[raw_scope], visit.insuplc_admdvs, visit.mdtrtarea_admvs,
            codes.FILING_TYPE_NAMES.get(visit.filing, visit.filing),
            _describe_adjustment(adjustment) if scope != LOCAL else "policy has no rules for this scope, settled as local",
        )
    extra_prop = adjustment.value if adjustment.mode == "extra_preselfpay" else ZERO

    # §5.3 line split with the treatment place's catalogue
    lines = tuple(split_line(line, case.catalog.get(line.code), extra_prop) for line in case.lines)
    medfee = fulamt = overlmt = preself = inscp = ZERO
    for line in lines:
        medfee += line.det_item_fee_sumamt
        fulamt += line.fulamt_ownpay_amt
        overlmt += line.overlmt_amt
        preself += line.preselfpay_amt
        inscp += line.inscp_scp_amt
    trace.add(
        "{} lines, total {}: full self-pay {}, over ceiling {}, self-pay first {}, in scope {}",
        len(lines), medfee, fulamt, overlmt, preself, inscp,
    )

    person_key, level = person.class_key, visit.medins_lv
    accumulator = benefit.accumulator

    # §5.4 deductible
    deductible = _deductible(benefit, case, trace)
    act_pay_dedc = deductible if deductible < inscp else inscp

    # §5.6 basic fund
    start = act_pay_dedc
    if benefit.bands_basis == "annual":
        start += ytd.inscp.get(accumulator, ZERO)
    end = start + inscp - act_pay_dedc
    # Ratios are looked up only for the bands this visit reaches (spec §5.12).
    basic_bands = [(band.upto, partial(_basic_ratio, band, person_key, level, adjustment)) for band in benefit.bands]
    # What the funds of this visit book per cap key; later funds on a key share what is left.
    delta_fund_paid: dict[str, Decimal] = {}
    delta_layer_base: dict[str, Decimal] = {}
    basic = pay_bands(start, end, ZERO, basic_bands, _cap_room(benefit.cap, ytd, delta_fund_paid))
    trace.add(_describe_cap, "basic fund", benefit.cap, ytd, ZERO, basic)
    hifp_pay = basic.payment
    pool_prop_selfpay = basic.first_ratio if hifp_pay > ZERO else ZERO
    if basic.beyond_bands:
        trace.add("{} lies beyond the basic fund's last band", basic.beyond_bands)
    _book(delta_fund_paid, benefit.cap, hifp_pay)

    layer_pay = dict.fromkeys(LAYER_FIELD, ZERO)
    funds_paid = hifp_pay
    group = policy.assistance_groups.get(person.assistance_group) if person.assistance_group else None

    # §5.7 layers, in list order
    for layer in policy.layers:
        if layer.benefits is not None and benefit.name not in layer.benefits:
            continue
        if layer.base == "beyond_bands":
            base = basic.beyond_bands
        else:
            base = inscp - funds_paid
        threshold, bonus, cap = layer.threshold, ZERO, layer.cap
        adjust = group.layer_adjust.get(layer.fund) if group else None
        if adjust is not None:
            threshold = threshold * adjust.threshold_factor
            bonus = adjust.ratio_bonus
            if adjust.no_cap:
                cap = None
        layer_bands = [(band.upto, partial(_layer_ratio, band, person_key, level, bonus)) for band in layer.bands]
        layer_start = ytd.layer_base.get(layer.fund, ZERO)
        room = _cap_room(cap, ytd, delta_fund_paid)
        paid = pay_bands(layer_start, layer_start + base, threshold, layer_bands, room)
        name = LAYER_NAMES[layer.fund]
        if adjust is not None:
            name += (
                f" ({codes.ASSISTANCE_GROUP_NAMES.get(person.assistance_group, person.assistance_group)}: "
                f"threshold {_yuan(threshold)}, ratios +{show_ratio(bonus)}{', no cap' if adjust.no_cap else ''})"
            )
        payment = paid.payment
        trace.add(_describe_layer, name, cap, ytd, _booked_on(cap, delta_fund_paid), paid, base, layer.base)
        left = inscp - funds_paid
        if payment > left:
            # Two layers on the same beyond-bands base must not pay one yuan twice: no fund
            # pays more than the in-scope amount the funds before it left.
            payment = left
            trace.add("{} limited to the {} in-scope amount left by the funds before it", name, left)
        layer_pay[layer.fund] += payment
        funds_paid += payment
        # layer.cap, not the lifted cap: fund_paid accumulates even under no_cap (spec §5.12).
        _book(delta_fund_paid, layer.cap, payment)
        delta_layer_base[layer.fund] = delta_layer_base.get(layer.fund, ZERO) + base

    # §5.8 civil-servant subsidy
    cvlserv_pay = ZERO
    if person.cvlserv_flag and policy.civil_servant is not None:
        rule = policy.civil_servant
        base = inscp - funds_paid
        if rule.base == "coinsurance":
            base = base - act_pay_dedc if base > act_pay_dedc else ZERO
        ratio = lookup(rule.ratio, rule.path + ".ratio", person_key, level)
        cvlserv_pay = round_fen(base * ratio)
        uncapped = cvlserv_pay
        room = _cap_room(rule.cap, ytd, delta_fund_paid)
        if room is not None and cvlserv_pay > room:
            cvlserv_pay = room
        trace.add(
            "civil-servant subsidy: {} ({}) × {} = {}{}",
            base, rule.base, Percent(ratio), uncapped,
            f", cap leaves {_yuan(room)}, pays {_yuan(cvlserv_pay)}" if cvlserv_pay < uncapped else "",
        )
        funds_paid += cvlserv_pay
        _book(delta_fund_paid, rule.cap, cvlserv_pay)

    # §5.9 medical assistance
    maf_pay = ZERO
    if group is not None:
        base = inscp - funds_paid
        maf_start = ytd.layer_base.get("maf", ZERO)
        # The ratio may be a table, looked up only if the visit reaches the band (spec §5.12).
        maf_ratio = partial(lookup, group.ratio, group.path + ".ratio", person_key, level)
        room = _cap_room(group.cap, ytd, delta_fund_paid)
        paid = pay_bands(maf_start, maf_start + base, group.threshold, [(None, maf_ratio)], room)
        group_name = codes.ASSISTANCE_GROUP_NAMES.get(group.name, group.name)
        trace.add(
            _describe_layer, f"medical assistance ({group_name})", group.cap, ytd,
            _booked_on(group.cap, delta_fund_paid), paid, base, "inscp_burden",
        )
        maf_pay = paid.payment
        funds_paid += maf_pay
        _book(delta_fund_paid, group.cap, maf_pay)
        delta_layer_base["maf"] = delta_layer_base.get("maf", ZERO) + base
    elif person.assistance_group:
        trace.add("assistance group '{}' is not configured in this policy: no assistance", person.assistance_group)

    fund_pay_sumamt = funds_paid
    psn_part_amt = medfee - fund_pay_sumamt

    # §5.10 accounts
    account = policy.personal_account
    inscp_burden = inscp - fund_pay_sumamt
    payable = ZERO
    if "inscp_burden" in account.payable:
        payable += inscp_burden
    if "preselfpay" in account.payable:
        payable += preself
    if "overlmt" in account.payable:
        payable += overlmt
    if "fulamt" in account.payable:
        payable += fulamt
    acct_pay = ZERO
    mutual_aid_draws: tuple[tuple[str, Decimal], ...] = ()
    if visit.acct_used_flag:
        acct_pay = person.acct_balance if person.acct_balance < payable else payable
        if account.family_mutual_aid:  # the visiting person's policy decides (§5.10)
            mutual_aid_draws = draw_family_accounts(person, payable - acct_pay)
    acct_mulaid_pay = sum((amount for _, amount in mutual_aid_draws), ZERO)
    psn_cash_pay = psn_part_amt - acct_pay - acct_mulaid_pay
    balc = person.acct_balance - acct_pay
    trace.add(
        "personal part {} (account may pay {}): account {}{}, cash {}; account balance after {}{}",
        psn_part_amt, payable, acct_pay,
        f", family mutual-aid {_yuan(acct_mulaid_pay)}" if acct_mulaid_pay else "",
        psn_cash_pay, balc,
        "" if visit.acct_used_flag else " (account not used for this visit)",
    )

    # setldetail: one row per fund that paid
    setldetail = []
    for fund_pay_type, amount in (
        (codes.basic_fund_pay_type(policy.insutype), hifp_pay),
        (codes.LAYER_FUND_PAY_TYPE["hifob"], layer_pay["hifob"]),
        (codes.LAYER_FUND_PAY_TYPE["hifmi"], layer_pay["hifmi"]),
        (codes.LAYER_FUND_PAY_TYPE["hifes"], layer_pay["hifes"]),
        (codes.CVLSERV_FUND_PAY_TYPE, cvlserv_pay),
        (codes.MAF_FUND_PAY_TYPE, maf_pay),
        (codes.LAYER_FUND_PAY_TYPE["oth"], layer_pay["oth"]),
        (codes.ACCT_FUND_PAY_TYPE, acct_pay),
    ):
        if amount > ZERO:
            setldetail.append(FundPayment(fund_pay_type, amount))

    # §5.11 accumulators
    delta = YearToDate(
        visits={accumulator: 1},
        inscp={accumulator: inscp},
        deductible_paid={accumulator: act_pay_dedc},
        fund_paid=delta_fund_paid,
        layer_base=delta_layer_base,
    )

    settlement = Settlement(
        medfee_sumamt=medfee,
        fulamt_ownpay_amt=fulamt,
        overlmt_selfpay=overlmt,
        preselfpay_amt=preself,
        inscp_scp_amt=inscp,
        act_pay_dedc=act_pay_dedc,
        hifp_pay=hifp_pay,
        pool_prop_selfpay=pool_prop_selfpay,
        cvlserv_pay=cvlserv_pay,
        hifes_pay=layer_pay["hifes"],
        hifmi_pay=layer_pay["hifmi"],
        hifob_pay=layer_pay["hifob"],
        maf_pay=maf_pay,
        oth_pay=layer_pay["oth"],
        fund_pay_sumamt=fund_pay_sumamt,
        psn_part_amt=psn_part_amt,
        acct_pay=acct_pay,
        acct_mulaid_pay=acct_mulaid_pay,
        mutual_aid_draws=mutual_aid_draws,
        psn_cash_pay=psn_cash_pay,
        hosp_part_amt=ZERO,
        balc=balc,
        lines=lines,
        setldetail=tuple(setldetail),
        benefit=benefit.name,
        scope=scope,
        adjustment=adjustment,
        ytd_before=ytd,
        delta=delta,
        steps=trace,
    )
    check_identities(settlement)
    return settlement


def _deductible(benefit: Benefit, case: SettlementCase, trace: Trace) -> Decimal:
    """Spec §5.4: the deductible before it is limited to the in-scope amount."""
    rule = benefit.deductible
    person, visit, ytd = case.person, case.visit, case.ytd
    if rule is None:
        trace.add("no deductible for this benefit")
        return ZERO
    if person.assistance_group and person.assistance_group in rule.waived_groups:
        trace.add("deductible waived for assistance group '{}'", person.assistance_group)
        return ZERO
    amount = lookup(rule.amount, rule.path + ".amount", person.class_key, visit.medins_lv)
    accumulator = benefit.accumulator
    if rule.basis == "per_visit":
        visits_before = ytd.visits.get(accumulator, 0)
        factors = rule.nth_visit_factor
        factor = factors[min(visits_before, len(factors) - 1)]
        deductible = round_fen(amount * factor)
        trace.add(
            "deductible {}: level {}, {} {} visit of the year ({} × {})",
            deductible, visit.medins_lv, _ordinal(visits_before + 1), benefit.name, amount, f"{factor:f}",
        )
        return deductible
    paid = ytd.deductible_paid.get(accumulator, ZERO)
    deductible = amount - paid if amount > paid else ZERO
    trace.add("deductible {}: annual {}, {} already met this year", deductible, amount, paid)
    return deductible


def check_identities(s: Settlement) -> None:
    """The money identities of settlement-spec §1, asserted on every settlement.

    Whole-fen amounts follow from validated inputs and the rounding points; the property
    tests check them, so the hot path checks the identities and signs only.
    """
    for line in s.lines:
        assert line.det_item_fee_sumamt == (
            line.fulamt_ownpay_amt + line.overlmt_amt + line.preselfpay_amt + line.inscp_scp_amt
        ), f"line {line.code} does not add up"
        assert min(line.fulamt_ownpay_amt, line.overlmt_amt, line.preselfpay_amt, line.inscp_scp_amt) >= ZERO, (
            f"line {line.code} has a negative part"
        )
    assert s.medfee_sumamt == s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt
    assert s.fund_pay_sumamt == (
        s.hifp_pay + s.hifob_pay + s.hifmi_pay + s.hifes_pay + s.oth_pay + s.cvlserv_pay + s.maf_pay
    )
    assert s.medfee_sumamt == s.fund_pay_sumamt + s.psn_part_amt + s.hosp_part_amt
    assert s.psn_part_amt == s.acct_pay + s.acct_mulaid_pay + s.psn_cash_pay
    assert s.fund_pay_sumamt <= s.inscp_scp_amt, "funds paid more than the in-scope amount"
    assert min(
        s.hifp_pay, s.hifob_pay, s.hifmi_pay, s.hifes_pay, s.oth_pay, s.cvlserv_pay, s.maf_pay,
        s.psn_part_amt, s.acct_pay, s.acct_mulaid_pay, s.psn_cash_pay, s.balc, s.act_pay_dedc,
    ) >= ZERO, "a negative amount"
    assert ZERO <= s.pool_prop_selfpay <= ONE
