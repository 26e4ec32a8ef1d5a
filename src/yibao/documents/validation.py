"""Turning pydantic's validation errors into E_BAD_INPUT with a JSON path."""

from __future__ import annotations

import json
import re
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


MAX_DEPTH = 64  # a case or policy nests six levels; anything far deeper is not a document
_INT_DIGITS = 4000  # Python converts at most 4300 digits between int and text
_EXPONENT = 1000


def _json_int(literal: str) -> int | str:
    # A longer integer stays its text: a number field refuses it as out of range, an integer
    # field as too large, with the field's path (int() of it would raise past 4300 digits).
    return int(literal) if len(literal) <= _INT_DIGITS else literal


def _json_float(literal: str) -> Decimal | str:
    # 1e999999999 as a Decimal overflows the context and becomes a billion-digit integer in an
    # integer field: such a number stays its text, refused by the field with its path.
    value = Decimal(literal)
    return value if -_EXPONENT <= value.adjusted() <= _EXPONENT else literal


def parse_json(text: str, what: str = "$") -> Any:
    """JSON with every non-integer number read as Decimal (never a binary float); nesting
    deeper than MAX_DEPTH and lone UTF-16 surrogates are E_BAD_INPUT with their path."""
    try:
        data = json.loads(text, parse_float=_json_float, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise bad_input(what, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise bad_input(what, f"JSON 嵌套过深（超过 {MAX_DEPTH} 层）") from None
    check_tree(data, "" if what == "$" else what)
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def check_tree(data: Any, prefix: str = "") -> None:
    """Iteratively (never recursing): nesting at most MAX_DEPTH, no lone surrogate in a key or
    a string (UTF-8 cannot print it: the answer would be a traceback)."""
    stack = [(data, (), 1)]
    while stack:
        item, loc, depth = stack.pop()
        if isinstance(item, str):
            if _surrogate(item):
                raise bad_input(json_path(prefix, loc), "含孤立的 UTF-16 代理项（无效的 Unicode 字符）")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise bad_input(_short_path(json_path(prefix, loc)), f"JSON 嵌套过深（超过 {MAX_DEPTH} 层）")
        for key, child in (item.items() if isinstance(item, dict) else enumerate(item)):
            if isinstance(key, str) and _surrogate(key):
                raise bad_input(json_path(prefix, loc), "字段名含孤立的 UTF-16 代理项（无效的 Unicode 字符）")
            stack.append((child, loc + (key,), depth + 1))


def _short_path(path: str) -> str:
    return path if len(path) <= 200 else path[:197] + "…"


def shown(value: Any) -> str:
    """A value in a message, at most 40 characters."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}…（共 {len(text)} 个字符）"


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
    # compared, not abs(): abs() rounds to the context and overflows on 1e999999999
    if value >= MAX_MAGNITUDE or value <= -MAX_MAGNITUDE:
        raise ValueError(f"out of range: {shown(value)}")
    return value


def _whole_fen(value: Decimal) -> Decimal:
    if value != value.quantize(FEN):
        raise ValueError(f"an amount in yuan has at most two decimals, got {value}")
    return value


Number = Annotated[Decimal, BeforeValidator(_to_decimal), AfterValidator(_finite)]
NonNegative = Annotated[Number, Field(ge=0)]
Amount = Annotated[NonNegative, AfterValidator(_whole_fen)]
Ratio = Annotated[Number, Field(ge=0, le=1)]
