"""Turning pydantic's validation errors into E_BAD_INPUT with a JSON path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from yibao.domain.errors import SettlementRefused, bad_input
from yibao.domain.money import FEN, decimal_of


def json_path(prefix: str, loc: tuple) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path or "$"


def refusal_from(error: ValidationError, prefix: str = "") -> SettlementRefused:
    """E_BAD_INPUT naming the first bad field's path; the message lists up to five."""
    problems = []
    first_path = None
    for item in error.errors(include_url=False)[:5]:
        loc = tuple(part for part in item["loc"] if not _is_union_tag(part))
        path = json_path(prefix, loc)
        first_path = first_path or path
        message = item["msg"]
        if item["type"] == "missing":
            message = "required field is missing"
        problems.append(f"{path}: {message}")
    more = error.error_count() - len(problems)
    text = "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
    return SettlementRefused("E_BAD_INPUT", text, first_path)


def _is_union_tag(part: Any) -> bool:
    # pydantic names union members in loc ("function-after[...]", "decimal", ...); they are
    # not part of the document's path.
    return isinstance(part, str) and ("[" in part or part in {"decimal", "str", "int", "none"})


def load_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise bad_input(what, f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise bad_input(what, f"cannot read {path}: {exc}") from None
    return parse_json(text, what)


def parse_json(text: str, what: str = "$") -> Any:
    """JSON with every non-integer number read as Decimal (never a binary float)."""
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise bad_input(what, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _to_decimal(value: Any) -> Any:
    if isinstance(value, (int, float, str, Decimal)) and not isinstance(value, bool):
        try:
            return decimal_of(value.strip() if isinstance(value, str) else value)
        except Exception:
            raise ValueError(f"not a number: {value!r}") from None
    return value


MAX_MAGNITUDE = Decimal(10) ** 15  # far above any amount, count or price of a visit


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if abs(value) >= MAX_MAGNITUDE:
        raise ValueError(f"out of range: {value}")
    return value


def _whole_fen(value: Decimal) -> Decimal:
    if value != value.quantize(FEN):
        raise ValueError(f"an amount in yuan has at most two decimals, got {value}")
    return value


Number = Annotated[Decimal, BeforeValidator(_to_decimal), AfterValidator(_finite)]
NonNegative = Annotated[Number, Field(ge=0)]
Amount = Annotated[NonNegative, AfterValidator(_whole_fen)]
Ratio = Annotated[Number, Field(ge=0, le=1)]
