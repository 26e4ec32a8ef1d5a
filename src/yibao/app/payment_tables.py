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
    if method == "dip":
        from yibao.domain.dip import catalogue_from_data

        try:
            catalogue_from_data(content["catalogue"])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise refusal("PAYMENT_BAD_TABLE", method="DIP", format=FORMAT) from None
    return content


def import_table(uow: UnitOfWork, method: str, admdvs: str, year: int, document: dict) -> dict:
    """Another region's table becomes this region's table for the year (a new row; the earlier kept)."""
    content = _checked(document, method)
    source = f"imported from {str(document.get('from_admdvs', ''))[:6]}"
    content = dict(content, admdvs=admdvs, year=methods.checked_year(year))
    table_id = dip.save_table(uow, admdvs, year, method, content, source=source)
    return {"table_id": table_id, "admdvs": admdvs, "year": year, "method": method, "source": source}
