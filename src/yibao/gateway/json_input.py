"""Request JSON parsed with limits that keep every later step safe."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any



from yibao.app.error_codes import refusal
from yibao.app.errors import GatewayError


# --- lenient input ------------------------------------------------------------------------

# Request JSON is parsed here (the envelope by the dispatcher, an ``input`` or node given as a
# JSON string by the readers) with limits that keep every later step safe: numbers are
# Decimals, an integer longer than Python converts (4300 digits) stays a Decimal, an absurd
# exponent (1e999999999, written out a billion digits long) or NaN/Infinity stays its literal
# text; nesting is at most MAX_JSON_DEPTH; no NUL character or lone UTF-16 surrogate anywhere
# (PostgreSQL stores neither, UTF-8 cannot carry a surrogate into the answer or the log).
MAX_JSON_DEPTH = 64
_JSON_INT_DIGITS = 4000
_JSON_EXPONENT = 1000
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _json_int(literal: str) -> int | Decimal:
    return int(literal) if len(literal) <= _JSON_INT_DIGITS else Decimal(literal)


def _json_float(literal: str) -> Decimal | str:
    value = Decimal(literal)
    return value if -_JSON_EXPONENT <= value.adjusted() <= _JSON_EXPONENT else literal


def load_json(text: str | bytes) -> Any:
    """Parse request JSON; ValueError when it is not JSON, RecursionError when it nests deeper
    than the parser can follow (both for the caller to answer)."""
    return json.loads(text, parse_float=_json_float, parse_int=_json_int, parse_constant=str)


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _shown(path: str) -> str:
    return (path if len(path) <= 120 else path[:117] + "…") or "请求体"


def _has_bad_character(value: str) -> bool:
    if value.isascii():  # O(1) in CPython; an ASCII string can hold a NUL but no surrogate
        return "\x00" in value
    return _BAD_CHARACTER.search(value) is not None


def _bad_character(value: str, path: str) -> GatewayError:
    found = _BAD_CHARACTER.search(value)
    if found.group() == "\x00":
        return refusal("INPUT_NUL_CHARACTER", field=_shown(path))
    return refusal("INPUT_LONE_SURROGATE", field=_shown(path), point=f"{ord(found.group()):04X}")


def check_json(value: Any, where: str = "") -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and any NUL character or lone surrogate in a
    key or a string, naming the path. Iterative: it never recurses itself."""
    stack = [(value, where, 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if _has_bad_character(item):
                raise _bad_character(item, path)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise refusal("INPUT_TOO_DEEP", field=_shown(path), limit=MAX_JSON_DEPTH)
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            if isinstance(key, str) and _has_bad_character(key):
                raise _bad_character(key, f"{path} 的字段名")
            if isinstance(child, str):
                if _has_bad_character(child):
                    raise _bad_character(child, _path(path, key) if isinstance(key, str) else f"{path}[{key}]")
            elif isinstance(child, (dict, list)):
                stack.append((child, _path(path, key) if isinstance(key, str) else f"{path}[{key}]", depth + 1))


def parse_json(text: str, where: str, invalid: GatewayError) -> Any:
    """A JSON string inside the request (``input``, a node, an extension field), parsed and
    checked like the envelope; ``invalid`` is the refusal when it is not JSON."""
    try:
        value = load_json(text)
    except RecursionError:
        raise refusal("INPUT_TOO_DEEP", field=_shown(where), limit=MAX_JSON_DEPTH) from None
    except ValueError:
        raise invalid from None
    check_json(value, where)
    return value


# Fields that handlers store (some read them by indexing): node() checks their shape and
# length in every object it hands out, so no handler can pass a list, a NUL or an over-long
# value of one of them to the database.
