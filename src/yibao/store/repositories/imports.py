"""What an import file writes (app/importing.py): policies, catalogue rows, institutions,
persons and insurances, opening account entries and imported filings."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import repository as repo
from .. import tables as t

# The tables an import writes by natural key, by the name the use case gives them.
TABLES = {"hilist": t.hilist, "lmtpric": t.lmtpric, "selfpay": t.selfpay, "institutions": t.institutions,
          "persons": t.persons, "insurances": t.insurances, "practitioners": t.practitioners}


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def policy_document(self, admdvs: str, insutype: str, valid_from: dt.date) -> str | None:
        """The stored document text of the policy with this key, if any."""
        return self.conn.execute(select(t.policies.c.document).where(
            t.policies.c.admdvs == admdvs, t.policies.c.insutype == insutype, t.policies.c.valid_from == valid_from,
        )).scalar_one_or_none()

    def add_policy(self, row: dict) -> None:
        self.conn.execute(insert(t.policies).values(**row))

    def upsert(self, table: str, key_columns: tuple[str, ...], rows: list[dict]) -> None:
        """Each row updates the stored row with its key, or is inserted (one row at a time, in order)."""
        table = TABLES[table]
        for row in rows:
            condition = [getattr(table.c, column) == row[column] for column in key_columns]
            if self.conn.execute(select(*[getattr(table.c, c) for c in key_columns]).where(*condition)).first():
                self.conn.execute(update(table).where(*condition).values(**row))
            else:
                self.conn.execute(insert(table).values(**row))

    def upsert_many(self, table: str, key_columns: tuple[str, ...], rows: list[dict]) -> None:
        """``upsert`` in bulk: INSERT … ON CONFLICT (key) DO UPDATE, sent as one executemany per
        column list (PostgreSQL and SQLite alike; the keys are unique among ``rows``)."""
        target = TABLES[table]
        groups: dict[tuple[str, ...], list[dict]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        postgresql = self.conn.dialect.name == "postgresql"
        dialect_insert = postgresql_insert if postgresql else sqlite_insert
        for columns, group in groups.items():
            if postgresql:
                self._upsert_json(target, key_columns, columns, group)
                continue
            statement = dialect_insert(target)
            updated = {column: statement.excluded[column] for column in columns if column not in key_columns}
            statement = statement.on_conflict_do_update(index_elements=list(key_columns), set_=updated)
            self.conn.execute(statement, group)

    def _upsert_json(self, target, key_columns: tuple[str, ...], columns: tuple[str, ...], rows: list[dict]) -> None:
        """One statement for the whole group: the rows travel as one JSON parameter and
        json_populate_recordset types them by the table's own columns (as store/write_batch.py)."""
        names = ", ".join(columns)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key_columns)
        conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        sql = (f"INSERT INTO {target.name} ({names}) SELECT {names} FROM json_populate_recordset(NULL::{target.name}, "
               f"CAST(:rows AS json)) ON CONFLICT ({', '.join(key_columns)}) {conflict}")
        self.conn.execute(text(sql), {"rows": json.dumps(rows, default=_json_value, ensure_ascii=False)})

    def open_accounts(self, openings: list[tuple[str, Decimal]], *, actor: str) -> None:
        """The ``opening`` entries of accounts without entries, in one statement (the caller
        checked under the persons' locks that none of them has an entry)."""
        rows = [dict(psn_no=psn_no, seq=1, prev_seq=None, amount_fen=repo.to_fen(balance), balance_before_fen=0,
                     balance_after_fen=repo.to_fen(balance), kind="opening", setl_id=None, actor=actor[:200],
                     created_at=self.now) for psn_no, balance in openings]
        if rows:
            self.conn.execute(insert(t.account_entries), rows)

    def bump_catalogue_version(self) -> int:
        return repo.bump_catalogue_version(self.conn)

    def insurances_with_records(self, psn_nos: list[str]) -> set[tuple[str, str]]:
        """The (psn_no, insutype) insurances that enrollment records manage (an enrollment, a
        transfer, a suspension or an end: app/enrollment.py), one statement per batch."""
        c = t.enrollment_records.c
        return {(row.psn_no, row.insutype) for row in self.conn.execute(
            select(c.psn_no, c.insutype).where(c.psn_no.in_(psn_nos)).distinct())}

    def with_account_entries(self, psn_nos: list[str]) -> set[str]:
        """Those of the persons whose account has at least one entry."""
        return set(self.conn.execute(select(t.account_entries.c.psn_no)
                                     .where(t.account_entries.c.psn_no.in_(psn_nos)).distinct()).scalars())

    def account_balances(self, psn_nos: list[str]) -> dict[str, Decimal]:
        """Yuan, from each person's last entry (absent: no entries)."""
        return repo.account_balances(self.conn, psn_nos)

    def open_account(self, psn_no: str, balance: Decimal, *, actor: str) -> None:
        """The ``opening`` entry of an account without entries."""
        repo.add_account_entry(self.conn, psn_no, balance, "opening", None, self.now, actor=actor)

    def filed(self, psn_no: str, filing_type: str, dest_admdvs: str, begndate: dt.date) -> bool:
        """Whether a filing with this natural key (any status) is stored."""
        return self.conn.execute(select(t.filings.c.filing_id).where(
            t.filings.c.psn_no == psn_no, t.filings.c.filing_type == filing_type,
            t.filings.c.dest_admdvs == dest_admdvs, t.filings.c.begndate == begndate,
        )).first() is not None


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} in a bulk upsert")
