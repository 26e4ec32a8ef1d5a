"""In-memory repositories for departments, practitioners, settlement lists and 人员定点备案, set
on ``tests.unit.fakes.FakeUnitOfWork`` as ``uow.departments``, ``uow.practitioners``,
``uow.setl_lists`` and (designations) on ``tests.unit.fake_registry.FakeFilings``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeDepartments:
    rows: list[dict] = field(default_factory=list)
    locked: list[tuple[str, str]] = field(default_factory=list)

    def lock(self, fixmedins_code, hosp_dept_codg):
        self.locked.append((fixmedins_code, hosp_dept_codg))

    def _tips(self):
        replaced = {row["replaces_dept_id"] for row in self.rows}
        return [row for row in self.rows if row["dept_id"] not in replaced]

    def tip(self, fixmedins_code, hosp_dept_codg):
        return next((dict(r) for r in self._tips()
                     if (r["fixmedins_code"], r["hosp_dept_codg"]) == (fixmedins_code, hosp_dept_codg)), None)

    def add(self, row):
        # the database's chain rules (migration 0011), enforced here too
        assert row["replaces_dept_id"] is None or row["replaces_dept_id"] not in {r["replaces_dept_id"] for r in self.rows}
        self.rows.append(dict(row, dept_id=len(self.rows) + 1))
        return len(self.rows)

    def tips(self, fixmedins_code):
        return sorted((dict(r) for r in self._tips() if r["fixmedins_code"] == fixmedins_code),
                      key=lambda r: r["hosp_dept_codg"])


@dataclass
class FakePractitioners:
    rows: list[dict] = field(default_factory=list)

    def of_institution(self, fixmedins_code):
        return sorted((dict(r) for r in self.rows if r["fixmedins_code"] == fixmedins_code),
                      key=lambda r: r["prac_psn_code"])


@dataclass
class FakeSetlLists:
    settlements: dict[str, dict] = field(default_factory=dict)
    reversed: set[str] = field(default_factory=set)
    visits: dict[str, dict] = field(default_factory=dict)
    lists: list[dict] = field(default_factory=list)
    statuses: list[tuple[str, str, str]] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    coded_rows: dict[str, tuple[list[dict], list[dict]]] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)

    def settlement(self, setl_id):
        row = self.settlements.get(setl_id)
        return dict(row) if row else None

    def is_reversed(self, setl_id):
        return setl_id in self.reversed

    def visit(self, mdtrt_id):
        return self.visits.get(mdtrt_id)

    def lock_visit(self, mdtrt_id):
        self.locked.append(mdtrt_id)
        return self.visit(mdtrt_id)

    def current_list(self, setl_id):
        superseded = {row["supersedes_list_id"] for row in self.lists}
        return next((dict(r) for r in self.lists if r["setl_id"] == setl_id and r["setl_list_id"] not in superseded), None)

    def status_of(self, setl_list_id):
        return next((stas for list_id, stas, _ in reversed(self.statuses) if list_id == setl_list_id), None)

    def add_list(self, row, diagnoses, operations):
        assert row["supersedes_list_id"] not in {r["supersedes_list_id"] for r in self.lists}, "uq_setl_lists_*"
        self.lists.append(dict(row))
        self.coded_rows[row["setl_list_id"]] = (list(diagnoses), list(operations))

    def add_status(self, setl_list_id, stas_type, *, changed_by):
        self.statuses.append((setl_list_id, stas_type, changed_by))

    def current_record(self, mdtrt_id):
        superseded = {row["supersedes_record_id"] for row in self.records}
        return next((dict(r) for r in self.records if r["mdtrt_id"] == mdtrt_id and r["record_id"] not in superseded), None)

    def add_record(self, row, diagnoses, operations):
        self.records.append(dict(row))
        self.coded_rows[row["record_id"]] = (list(diagnoses), list(operations))

    def coded(self, doc_id):
        diagnoses, operations = self.coded_rows.get(doc_id, ([], []))
        return [dict(d) for d in diagnoses], [dict(o) for o in operations]
