"""In-memory repositories of the registry (agencies, filings, qualifications, the consistency
check's reads), set on ``tests.unit.fakes.FakeUnitOfWork`` as ``uow.agencies``, ``uow.filings``..."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeAgencies:
    rows: dict[str, dict] = field(default_factory=dict)

    def get(self, agency_code):
        row = self.rows.get(agency_code)
        return dict(row) if row else None

    def save(self, agency_code, *, agency_name, token_salt, token_hash, role):
        self.rows[agency_code] = dict(agency_code=agency_code, agency_name=agency_name, token_salt=token_salt,
                                      token_hash=token_hash, role=role)
