"""Policy documents (settlement-spec §4): validation and conversion to ``domain.policy``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yibao.domain import codes
from yibao.domain.errors import bad_input
from yibao.domain.money import FEN, ONE, ZERO
from yibao.domain.maternity import DELIVERY_KINDS, MaternityRules
from yibao.domain.policy import (
    DEFAULT_PERSONAL_ACCOUNT,
    FALLBACK,
    LEVEL_KEYS,
    PERSON_KEYS,
    Adjustment,
    AssistanceGroup,
    Band,
    Benefit,
    Cap,
    CivilServant,
    CrossRegion,
    Deductible,
    Layer,
    LayerAdjust,
    PersonalAccount,
    Policy,
    ScopeRules,
)

from .payment_methods_document import PaymentMethodsDoc
from .validation import MAX_MAGNITUDE, Amount, NonNegative, Ratio, _to_decimal, refusal_from, shown

ADMDVS_PATTERN = r"^\d{6}$"


class _Doc(BaseModel):
    # Unknown keys are ignored so documents can carry notes and future fields.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class CapDoc(_Doc):
    key: str = Field(min_length=1)
    amount: Amount


class BandDoc(_Doc):
    upto: NonNegative | None
    ratio: Any


class DeductibleDoc(_Doc):
    basis: Literal["per_visit", "annual"]
    amount: Any
    nth_visit_factor: list[NonNegative] = Field(default_factory=lambda: [Decimal(1)], min_length=1)
    waived_groups: list[str] = Field(default_factory=list)


class BenefitDoc(_Doc):
    name: str = Field(min_length=1)
    med_types: list[str] = Field(min_length=1)
    accumulator: str | None = None
    deductible: DeductibleDoc | None = None
    bands_basis: Literal["per_visit", "annual"] = "per_visit"
    bands: list[BandDoc] = Field(min_length=1)
    cap: CapDoc | None = None
    diseases: list[str] | None = Field(default=None, min_length=1)
    delivery_types: list[Literal[tuple(DELIVERY_KINDS)]] | None = Field(default=None, min_length=1)


class MaternityDoc(_Doc):
    """生育保险 parameters (docs/maternity.md)."""

    filing_required: bool = False
    allowance_days: dict[Literal[tuple(DELIVERY_KINDS)], int] = Field(default_factory=dict)
    extra_days_per_extra_baby: int = Field(default=0, ge=0)


class LayerDoc(_Doc):
    fund: Literal["hifob", "hifmi", "hifes", "oth"]
    benefits: list[str] | None = None
    base: Literal["beyond_bands", "inscp_burden"]
    threshold: NonNegative = ZERO
    bands: list[BandDoc] = Field(min_length=1)
    cap: CapDoc | None = None


class CivilServantDoc(_Doc):
    base: Literal["coinsurance", "inscp_burden"]
    ratio: Any
    cap: CapDoc | None = None


class LayerAdjustDoc(_Doc):
    threshold_factor: NonNegative = ONE
    ratio_bonus: Ratio = ZERO
    no_cap: bool = False


class AssistanceGroupDoc(_Doc):
    ratio: Any  # a number or a table, checked by check_table (spec §5.12)
    threshold: NonNegative = ZERO
    cap: CapDoc | None = None
    layer_adjust: dict[Literal["hifob", "hifmi", "hifes", "oth"], LayerAdjustDoc] = Field(default_factory=dict)


class MedicalAssistanceDoc(_Doc):
    groups: dict[str, AssistanceGroupDoc] = Field(default_factory=dict)


class PersonalAccountDoc(_Doc):
    payable: list[Literal["inscp_burden", "preselfpay", "overlmt", "fulamt"]]
    family_mutual_aid: bool = False


class AdjustmentDoc(_Doc):
    mode: Literal["none", "subtract_points", "multiply", "extra_preselfpay"]
    value: NonNegative = ZERO


class ScopeDoc(_Doc):
    long_term: AdjustmentDoc | None = None
    referral: AdjustmentDoc | None = None
    emergency: AdjustmentDoc | None = None
    temporary_other: AdjustmentDoc | None = None
    unfiled: Literal["reject"] | AdjustmentDoc = "reject"


class CrossRegionDoc(_Doc):
    cross_province: ScopeDoc | None = None
    in_province: ScopeDoc | None = None


class PolicyDoc(_Doc):
    admdvs: str = Field(pattern=ADMDVS_PATTERN)
    name: str = Field(min_length=1)
    insutype: str = Field(pattern=r"^\d{3}$")
    valid_from: dt.date
    valid_to: dt.date | None = None
    benefits: list[BenefitDoc] = Field(min_length=1)
    layers: list[LayerDoc] = Field(default_factory=list)
    civil_servant: CivilServantDoc | None = None
    medical_assistance: MedicalAssistanceDoc | None = None
    personal_account: PersonalAccountDoc | None = None
    cross_region: CrossRegionDoc | None = None
    # Internet+ revisits (docs/internet-plus.md): how far back an offline visit makes an online one a revisit
    internet_revisit_days: int = Field(default=180, ge=1, le=3650)
    maternity: MaternityDoc | None = None
    # Payment methods (total budget, DIP): optional, validated here, read by app/payment_rules.py.
    payment_methods: PaymentMethodsDoc | None = None


def parse_policy(data: Any, prefix: str = "policy") -> Policy:
    """Validate a policy document and build the domain policy; E_BAD_INPUT names the path."""
    if not isinstance(data, dict):
        raise bad_input(prefix or "$", "a policy document is a JSON object")
    try:
        doc = PolicyDoc.model_validate(data)
    except ValidationError as exc:
        raise refusal_from(exc, prefix) from None
    policy = _build_policy(doc, prefix)
    _check_products(policy, prefix)
    return policy


def _largest(table: Any) -> Decimal:
    if isinstance(table, dict):
        return max((_largest(item) for item in table.values()), default=ZERO)
    return table


def _check_products(policy: Policy, prefix: str) -> None:
    """Each number is below MAX_MAGNITUDE, but settlement multiplies some pairs: a per-visit
    deductible by its nth-visit factor, a layer threshold by an assistance group's threshold
    factor. Their products must be in range too (past 1e26 they cannot even be rounded to the fen)."""
    for benefit in policy.benefits:
        rule = benefit.deductible
        if rule is None or rule.basis != "per_visit":
            continue
        largest = _largest(rule.amount)
        for j, factor in enumerate(rule.nth_visit_factor):
            if largest * factor >= MAX_MAGNITUDE:
                raise bad_input(f"{rule.path}.nth_visit_factor[{j}]",
                                f"免赔额 {largest} × 系数 {factor} 超出范围（应小于 {MAX_MAGNITUDE:.0E}）")
    for name, group in policy.assistance_groups.items():
        for fund, adjust in group.layer_adjust.items():
            for layer in policy.layers:
                if layer.fund == fund and layer.threshold * adjust.threshold_factor >= MAX_MAGNITUDE:
                    raise bad_input(_p(prefix, f"medical_assistance.groups.{name}.layer_adjust.{fund}.threshold_factor"),
                                    f"起付线 {layer.threshold} × 系数 {adjust.threshold_factor} 超出范围"
                                    f"（应小于 {MAX_MAGNITUDE:.0E}）")


def _p(prefix: str, suffix: str) -> str:
    return f"{prefix}.{suffix}" if prefix else suffix


def _build_policy(doc: PolicyDoc, prefix: str) -> Policy:
    if doc.valid_to is not None and doc.valid_to < doc.valid_from:
        raise bad_input(_p(prefix, "valid_to"), f"{doc.valid_to} is before valid_from {doc.valid_from}")
    benefits = tuple(_build_benefit(b, _p(prefix, f"benefits[{i}]")) for i, b in enumerate(doc.benefits))
    names = [b.name for b in benefits]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise bad_input(_p(prefix, f"benefits[{i}].name"), f"duplicate benefit name '{name}'")
    layers = []
    seen_funds = set()
    for i, layer in enumerate(doc.layers):
        path = _p(prefix, f"layers[{i}]")
        if layer.fund in seen_funds:
            raise bad_input(f"{path}.fund", f"fund '{layer.fund}' already has a layer; one layer per fund")
        seen_funds.add(layer.fund)
        if layer.benefits is not None:
            for j, name in enumerate(layer.benefits):
                if name not in names:
                    raise bad_input(f"{path}.benefits[{j}]", f"no benefit named '{name}' in this policy")
        layers.append(
            Layer(
                fund=layer.fund,
                benefits=frozenset(layer.benefits) if layer.benefits is not None else None,
                base=layer.base,
                threshold=layer.threshold,
                bands=_build_bands(layer.bands, f"{path}.bands"),
                cap=_build_cap(layer.cap),
                path=path,
            )
        )
    civil_servant = None
    if doc.civil_servant is not None:
        path = _p(prefix, "civil_servant")
        civil_servant = CivilServant(
            base=doc.civil_servant.base,
            ratio=check_table(doc.civil_servant.ratio, f"{path}.ratio", "ratio"),
            cap=_build_cap(doc.civil_servant.cap),
            path=path,
        )
    groups = {}
    if doc.medical_assistance is not None:
        for name, group in doc.medical_assistance.groups.items():
            groups[name] = _build_group(name, group, _p(prefix, f"medical_assistance.groups.{name}"))
    account = DEFAULT_PERSONAL_ACCOUNT  # spec §5.12: absent block, no family mutual aid
    if doc.personal_account is not None:
        account = PersonalAccount(frozenset(doc.personal_account.payable), doc.personal_account.family_mutual_aid)
    cross_region = CrossRegion(None, None)
    if doc.cross_region is not None:
        cross_region = CrossRegion(
            cross_province=_build_scope(doc.cross_region.cross_province),
            in_province=_build_scope(doc.cross_region.in_province),
        )
    return Policy(
        admdvs=doc.admdvs,
        name=doc.name,
        insutype=doc.insutype,
        valid_from=doc.valid_from,
        valid_to=doc.valid_to,
        benefits=benefits,
        layers=tuple(layers),
        civil_servant=civil_servant,
        assistance_groups=groups,
        personal_account=account,
        cross_region=cross_region,
        internet_revisit_days=doc.internet_revisit_days,
        maternity=_build_maternity(doc.maternity, _p(prefix, "maternity")),
    )


def _build_maternity(doc: MaternityDoc | None, path: str) -> MaternityRules | None:
    if doc is None:
        return None
    for kind, days in doc.allowance_days.items():
        if days <= 0:
            raise bad_input(f"{path}.allowance_days.{kind}", f"天数应为正整数（days must be positive），收到 {days}")
    return MaternityRules(doc.filing_required, dict(doc.allowance_days), doc.extra_days_per_extra_baby)


def _build_group(name: str, doc: AssistanceGroupDoc, path: str) -> AssistanceGroup:
    return AssistanceGroup(
        name=name,
        # Any ratio may be a table, the assistance ratio included (spec §5.12).
        ratio=check_table(doc.ratio, f"{path}.ratio", "ratio"),
        threshold=doc.threshold,
        cap=_build_cap(doc.cap),
        layer_adjust={
            fund: LayerAdjust(adj.threshold_factor, adj.ratio_bonus, adj.no_cap)
            for fund, adj in doc.layer_adjust.items()
        },
        path=path,
    )


def _build_benefit(doc: BenefitDoc, path: str) -> Benefit:
    deductible = None
    if doc.deductible is not None:
        deductible = Deductible(
            basis=doc.deductible.basis,
            amount=check_table(doc.deductible.amount, f"{path}.deductible.amount", "amount"),
            nth_visit_factor=tuple(doc.deductible.nth_visit_factor),
            waived_groups=frozenset(doc.deductible.waived_groups),
            path=f"{path}.deductible",
        )
    for code in doc.med_types:
        if not code:
            raise bad_input(f"{path}.med_types", "empty med_type code")
    return Benefit(
        name=doc.name,
        med_types=frozenset(doc.med_types),
        accumulator=doc.accumulator or doc.name,
        deductible=deductible,
        bands_basis=doc.bands_basis,
        bands=_build_bands(doc.bands, f"{path}.bands"),
        cap=_build_cap(doc.cap),
        path=path,
        diseases=frozenset(code.strip() for code in doc.diseases) if doc.diseases is not None else None,
        delivery_types=frozenset(doc.delivery_types) if doc.delivery_types is not None else None,
    )


def _build_bands(docs: list[BandDoc], path: str) -> tuple[Band, ...]:
    bands = []
    previous: Decimal | None = ZERO
    for i, band in enumerate(docs):
        band_path = f"{path}[{i}]"
        if previous is None:
            raise bad_input(f"{band_path}.upto", "a band after the open-ended band (upto null) can never be reached")
        if band.upto is not None and band.upto <= previous:
            raise bad_input(f"{band_path}.upto", f"bands must ascend: {band.upto} is not above {previous}")
        bands.append(Band(band.upto, check_table(band.ratio, f"{band_path}.ratio", "ratio"), band_path))
        previous = band.upto
    return tuple(bands)


def _build_cap(doc: CapDoc | None) -> Cap | None:
    return Cap(doc.key, doc.amount) if doc is not None else None


def _build_adjustment(doc: AdjustmentDoc) -> Adjustment:
    return Adjustment(doc.mode, doc.value)


def _build_scope(doc: ScopeDoc | None) -> ScopeRules | None:
    if doc is None:
        return None
    by_filing = {}
    for filing in codes.FILING_TYPES:
        entry = getattr(doc, filing)
        if entry is not None:
            by_filing[filing] = _build_adjustment(entry)
    unfiled = None if doc.unfiled == "reject" else _build_adjustment(doc.unfiled)
    return ScopeRules(by_filing, unfiled)


def check_table(value: Any, path: str, kind: str) -> Any:
    """Validate a ratio/amount table (spec §4) and convert its numbers to Decimal.

    Shapes: a number; {person: number | {level: number}}; {level: number}. Person keys
    are in_service / retired; level keys 0..3; '*' is the fallback at either depth.
    """
    if isinstance(value, dict):
        if not value:
            raise bad_input(path, "an empty table")
        keys = set(value)
        if keys & PERSON_KEYS or keys == {FALLBACK}:
            unknown = keys - PERSON_KEYS - {FALLBACK}
            if unknown:
                raise bad_input(f"{path}.{sorted(unknown)[0]}", "unknown person class (use in_service, retired or *)")
            return {key: _level_table(item, f"{path}.{key}", kind) for key, item in value.items()}
        return _level_table(value, path, kind)
    return _number(value, path, kind)


def _level_table(value: Any, path: str, kind: str) -> Any:
    if isinstance(value, dict):
        if not value:
            raise bad_input(path, "an empty table")
        table = {}
        for key, item in value.items():
            key = str(key)
            if key not in LEVEL_KEYS and key != FALLBACK:
                raise bad_input(f"{path}.{key}", "unknown hospital level (use 0, 1, 2, 3 or *)")
            table[key] = _number(item, f"{path}.{key}", kind)
        return table
    return _number(value, path, kind)


def _number(value: Any, path: str, kind: str) -> Decimal:
    try:
        number = _to_decimal(value)
    except ValueError as exc:
        raise bad_input(path, str(exc)) from None
    if not isinstance(number, Decimal) or not number.is_finite():
        raise bad_input(path, f"expected a number, got {value!r}")
    if number >= MAX_MAGNITUDE or number <= -MAX_MAGNITUDE:  # compared: abs() overflows on 1e999999999
        raise bad_input(path, f"out of range: {shown(number)}")
    if number < ZERO:
        raise bad_input(path, f"must not be negative, got {number}")
    if kind == "ratio" and number > ONE:
        raise bad_input(path, f"a ratio is between 0 and 1, got {number}")
    if kind == "amount" and number != number.quantize(FEN):
        raise bad_input(path, f"an amount in yuan has at most two decimals, got {number}")
    return number
