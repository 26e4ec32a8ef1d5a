"""In-memory ``uow.institution_auth`` (store/repositories/institution_auth.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeInstitutionAuth:
    rows: dict[str, dict] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)

    def lock(self, fixmedins_code):
        self.locked.append(fixmedins_code)
        row = self.rows.get(fixmedins_code)
        return dict(row) if row else None

    def set_credentials(self, fixmedins_code, *, auth_mode, secret_salt, secret_hash, secret_sealed):
        assert auth_mode not in ("x-tif", "api") or secret_sealed, "ck_institutions_sealed_secret"
        self.rows[fixmedins_code].update(auth_mode=auth_mode, secret_salt=secret_salt, secret_hash=secret_hash,
                                         secret_sealed=secret_sealed)

    def count_in_modes(self, modes):
        return sum(1 for row in self.rows.values() if row["auth_mode"] in modes)
