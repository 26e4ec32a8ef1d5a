"""DIP and DRG tables shared between regions as data (seeds 000/002: 病种付费、DRG 信息共享): a
region's groups, scores and point value (DIP) or rule table and weights (DRG) exported as one
JSON document and imported by another region as its own table for a year."""

from __future__ import annotations

from . import dip
from . import payment_methods as methods
from .error_codes import refusal
from .unit_of_work import UnitOfWork

FORMAT = "yibao-payment-table/1"


def export(uow: UnitOfWork, method: str, admdvs: str, year: int) -> dict:
    return {"format": FORMAT, "method": method, "from_admdvs": admdvs, "year": year,
            "content": dip.table(uow, admdvs, year, method)}


def _checked(document: dict, method: str) -> dict:
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("method") != method:
        raise refusal("PAYMENT_BAD_TABLE", method=method.upper(), format=FORMAT)
    content = document.get("content")
    needed = "catalogue" if method == "dip" else "weights"
    if not isinstance(content, dict) or needed not in content:
        raise refusal("PAYMENT_BAD_TABLE", method=method.upper(), format=FORMAT)
    try:
        _try_content(method, content)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        raise refusal("PAYMENT_BAD_TABLE", method=method.upper(), format=FORMAT) from None
    return content


def _text_fields(rows, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    for row in rows:
        if not all(isinstance(row[key], str) for key in required):
            raise ValueError(f"{required} are text")
        if not all(isinstance(row[key], str) for key in optional if key in row):
            raise ValueError(f"{optional} are text")


def _try_content(method: str, content: dict) -> None:
    """Use the content once as it will be used, so a malformed table fails here, not later."""
    from yibao.domain import dip, drg

    if method == "dip":
        dip.catalogue_from_data(content["catalogue"])
        return
    grouper = drg.RuleTableGrouper(content.get("rules"))
    _text_fields(grouper.rules["mdc"], ("mdc", "from", "to"))
    _text_fields(grouper.rules["adrg"], ("mdc", "adrg"), ("procedure", "diagnosis"))
    _text_fields([grouper.rules], ("surgical_fallback", "medical_fallback"))
    grouper.group(dip.Case("probe", "probe", "", "K35.800", "47.0901", 40, 3, 1, 1, 1))
    for weight in content["weights"]:
        str(weight["drg"]), int(weight["cases"])


def import_table(uow: UnitOfWork, method: str, admdvs: str, year: int, document: dict) -> dict:
    """Another region's table becomes this region's table for the year (a new row; the earlier kept)."""
    content = _checked(document, method)
    source = f"imported from {str(document.get('from_admdvs', ''))[:6]}"
    content = dict(content, admdvs=admdvs, year=methods.checked_year(year))
    table_id = dip.save_table(uow, admdvs, year, method, content, source=source)
    return {"table_id": table_id, "admdvs": admdvs, "year": year, "method": method, "source": source}
