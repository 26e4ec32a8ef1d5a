"""In-memory ``uow.users`` (store/repositories/users.py), with the unique (agency, username) key."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeUsers:
    rows: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, dict] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)

    def get(self, user_id):
        return dict(self.rows[user_id]) if user_id in self.rows else None

    def by_name(self, agency_code, username, *, lock=False):
        for row in self.rows.values():
            if (row["agency_code"], row["username"]) == (agency_code, username):
                if lock:
                    self.locked.append(row["user_id"])
                return dict(row)
        return None

    def of_agency(self, agency_code):
        return sorted((dict(r) for r in self.rows.values() if r["agency_code"] == agency_code), key=lambda r: r["username"])

    def add(self, row):
        assert self.by_name(row["agency_code"], row["username"]) is None, "uq_agency_users_name"
        assert row["roles"], "ck_agency_users_roles"
        self.rows[row["user_id"]] = dict(row)

    def change(self, user_id, values):
        self.rows[user_id].update(values)

    def add_token(self, row):
        assert row["user_id"] in self.rows, "fk agency_user_tokens.user_id"
        self.tokens[row["token_id"]] = dict(row)

    def token(self, token_id):
        return dict(self.tokens[token_id]) if token_id in self.tokens else None
