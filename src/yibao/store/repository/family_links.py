"""The family account link of a settlement (亲情账户, domain-rules §2.3): the owners whose
accounts a person may draw on, read as one column riding on the statements that already read
the person (the visit's lock, the persons' lock, the person), so a settlement costs no extra
round trip for it.

The column is the live bindings' ``binding_id:owner_psn_no`` pairs joined by commas (SQLite's
``group_concat`` cannot order, so the order is restored here); ``binders_link`` turns it into
the link the settlement locks by and checks again after the lock: the owners in binding order,
joined by commas, or None."""

from __future__ import annotations

from sqlalchemy import String, cast, exists, func, literal, select

from .. import tables as t

__all__ = ["binders_column", "binders_link", "link_owners", "BINDERS_SQL"]


def binders_column(relative_psn_no):
    """A scalar subquery: the live bindings of ``relative_psn_no`` (a column) as text."""
    bound, ended = t.family_bindings.alias("fb_bound"), t.family_bindings.alias("fb_ended")
    pair = cast(bound.c.binding_id, String) + literal(":") + bound.c.owner_psn_no
    return (select(func.aggregate_strings(pair, ","))
            .where(bound.c.relative_psn_no == relative_psn_no, bound.c.kind == "bind",
                   ~exists().where(ended.c.unbinds == bound.c.binding_id))
            .scalar_subquery())


# The same subquery for the PostgreSQL settlement statement written in SQL (alias p = persons).
BINDERS_SQL = """(SELECT string_agg(fb.binding_id::text || ':' || fb.owner_psn_no, ',')
    FROM family_bindings fb WHERE fb.relative_psn_no = p.psn_no AND fb.kind = 'bind'
    AND NOT EXISTS (SELECT 1 FROM family_bindings fe WHERE fe.unbinds = fb.binding_id))"""


def binders_link(pairs: str | None) -> str | None:
    """'7:B,3:A' -> 'A,B' (binding order); None when the person is bound to nobody."""
    if not pairs:
        return None
    ordered = sorted((int(binding_id), owner) for binding_id, owner in
                     (pair.split(":", 1) for pair in pairs.split(",")))
    owners: list[str] = []
    for _, owner in ordered:
        if owner not in owners:
            owners.append(owner)
    return ",".join(owners)


def link_owners(link: str | None) -> list[str]:
    """The owners named by a link, in binding order."""
    return link.split(",") if link else []
