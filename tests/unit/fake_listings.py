"""An in-memory ``uow.listings`` (app/listings.ListingsRepository) for the use-case tests: rows
per subject, a scope as a code prefix on the subject's region columns, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field

REGION_OF = {"settlements": ("insuplc_admdvs", "mdtrtarea_admvs"), "statements": ("insuplc_admdvs", "mdtrtarea_admvs"),
             "cases": ("admdvs",), "institutions": ("admdvs",)}


@dataclass
class FakeListings:
    rows: dict[str, list[dict]] = field(default_factory=dict)
    persons: dict[str, dict] = field(default_factory=dict)

    def _page(self, subject, prefix, filters, limit, offset):
        found = [row for row in self.rows.get(subject, [])
                 if (prefix is None or any(row[c].startswith(prefix) for c in REGION_OF[subject]))
                 and all(row.get(k) == v for k, v in filters.items())]
        return found[offset:offset + limit], len(found)

    def __getattr__(self, subject):
        if subject in REGION_OF:
            return lambda prefix, filters, limit, offset: self._page(subject, prefix, filters, limit, offset)
        raise AttributeError(subject)

    def settlement(self, setl_id):
        return next((dict(r) for r in self.rows.get("settlements", []) if r["setl_id"] == setl_id), None)

    def fee_lines(self, mdtrt_id):
        return []

    def person(self, psn_no):
        return self.persons.get(psn_no)

    def persons_by_certno(self, certno, prefix):
        return [p["psn_no"] for p in self.persons.values() if p["certno"] == certno]

    def institution(self, fixmedins_code):
        return None
