"""``uow.setl_lists``: settlement lists (结算清单, 4101–4104) and 病案首页 (4401) as stored, with
their coded diagnoses and operations, and the visit and settlement they document."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, insert, select

from .. import repository as repo
from .. import tables as t


def _tip(table, id_column: str, successor_column: str, key_column: str, key: str):
    """The row of ``key`` that no later row supersedes (the current upload)."""
    later = table.alias("later")
    superseded = select(later.c[id_column]).where(later.c[successor_column] == table.c[id_column]).exists()
    return select(table).where(table.c[key_column] == key, ~superseded)


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- what a list documents ----------------------------------------------------------------
    def settlement(self, setl_id: str) -> dict | None:
        return repo.settlement(self.conn, setl_id)

    def is_reversed(self, setl_id: str) -> bool:
        return repo.reversal_of(self.conn, setl_id) is not None

    def visit(self, mdtrt_id: str) -> dict | None:
        return repo.visit(self.conn, mdtrt_id)

    def lock_visit(self, mdtrt_id: str) -> dict | None:
        """The visit row, locked (docs/locking.md, rank 2) and read after the lock."""
        return repo.lock_visit(self.conn, mdtrt_id)

    # --- settlement lists ---------------------------------------------------------------------
    def current_list(self, setl_id: str) -> dict | None:
        s = t.setl_lists
        row = self.conn.execute(_tip(s, "setl_list_id", "supersedes_list_id", "setl_id", setl_id)).mappings().first()
        return dict(row) if row else None

    def list_count(self, setl_id: str) -> int:
        return len(self.conn.execute(select(t.setl_lists.c.setl_list_id).where(t.setl_lists.c.setl_id == setl_id)).all())

    def status_of(self, setl_list_id: str) -> str | None:
        """The last 4102 status of the list; None when it was never changed."""
        s = t.setl_list_statuses
        row = self.conn.execute(select(s.c.stas_type).where(s.c.setl_list_id == setl_list_id)
                                .order_by(s.c.status_id.desc()).limit(1)).first()
        return row[0] if row else None

    def add_list(self, row: dict, diagnoses: list[dict], operations: list[dict]) -> None:
        self.conn.execute(insert(t.setl_lists).values(**row))
        self._add_coded("setl_list", row["setl_list_id"], diagnoses, operations)

    def add_status(self, setl_list_id: str, stas_type: str, *, changed_by: str) -> None:
        self.conn.execute(insert(t.setl_list_statuses).values(
            setl_list_id=setl_list_id, stas_type=stas_type, changed_at=self.now, changed_by=changed_by))

    # --- 病案首页 -----------------------------------------------------------------------------
    def current_record(self, mdtrt_id: str) -> dict | None:
        m = t.medical_records
        row = self.conn.execute(_tip(m, "record_id", "supersedes_record_id", "mdtrt_id", mdtrt_id)).mappings().first()
        return dict(row) if row else None

    def add_record(self, row: dict, diagnoses: list[dict], operations: list[dict]) -> None:
        self.conn.execute(insert(t.medical_records).values(**row))
        self._add_coded("medcas", row["record_id"], diagnoses, operations)

    # --- coded rows ---------------------------------------------------------------------------
    def _add_coded(self, doc_kind: str, doc_id: str, diagnoses: list[dict], operations: list[dict]) -> None:
        if diagnoses:
            self.conn.execute(insert(t.coded_diagnoses), [
                dict(row, doc_kind=doc_kind, doc_id=doc_id, seq=seq) for seq, row in enumerate(diagnoses, start=1)])
        if operations:
            self.conn.execute(insert(t.coded_operations), [
                dict(row, doc_kind=doc_kind, doc_id=doc_id, seq=seq) for seq, row in enumerate(operations, start=1)])

    def coded(self, doc_id: str) -> tuple[list[dict], list[dict]]:
        """The document's diagnoses and operations in the order sent."""
        d, o = t.coded_diagnoses, t.coded_operations
        diagnoses = self.conn.execute(select(d).where(d.c.doc_id == doc_id).order_by(d.c.seq)).mappings()
        operations = self.conn.execute(select(o).where(o.c.doc_id == doc_id).order_by(o.c.seq)).mappings()
        return [dict(row) for row in diagnoses], [dict(row) for row in operations]

    def current_lists_with_diagnosis(self, diag_code: str) -> list[str]:
        """The settlements whose current list names ``diag_code`` (what DIP/DRG grouping reads)."""
        s, d, later = t.setl_lists, t.coded_diagnoses, t.setl_lists.alias("later")
        query = (select(s.c.setl_id).distinct()
                 .join_from(s, d, and_(d.c.doc_kind == "setl_list", d.c.doc_id == s.c.setl_list_id))
                 .where(d.c.diag_code == diag_code)
                 .where(~select(later.c.setl_list_id).where(later.c.supersedes_list_id == s.c.setl_list_id).exists())
                 .order_by(s.c.setl_id))
        return [row[0] for row in self.conn.execute(query)]
