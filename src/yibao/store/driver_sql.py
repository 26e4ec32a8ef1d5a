"""The hot path's statements run on the psycopg connection itself (PostgreSQL).

SQLAlchemy's Core execution costs more CPU per statement than the statement's own round
trip on this path: an execution context, the cursor's column descriptions, result metadata
and row objects, rebuilt for every call (issue 11: about 0.25 ms a statement). The
statements of the hot path are module constants, so each is compiled here once per dialect
into its SQL text, its fixed parameters and its result column names; a call then executes on
the driver's connection of the same SQLAlchemy connection (same transaction, same locks),
prepared at its first use on that connection (``prepare=True``), and reads plain tuples.

Everything that made the SQLAlchemy path correct is kept:
- the open write batch is sent first (``write_batch``: a read sees the rows written before it);
- a driver error is raised as SQLAlchemy's own exception (IntegrityError, OperationalError with
  ``connection_invalidated``, DataError), through the connection's own handler, so the
  dispatcher's retry and refusal paths see exactly what they saw before;
- the engine's ``before_cursor_execute`` listeners see every statement (the statement counts of
  ``bench/visit_cost.py`` and the tests);
- a statement whose bound or result values need SQLAlchemy's type processing, and every
  statement on SQLite, goes through SQLAlchemy as before, so both backends read the same values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement

from . import write_batch

# An expanding IN (bindparam(expanding=True)) as SQLAlchemy renders it before the values are
# known; PostgreSQL takes the list as one array parameter instead (same rows, empty list
# included), so the text stays the same for any number of values and is prepared once.
_EXPANDING_IN = re.compile(r" IN \(__\[POSTCOMPILE_(\w+)\]\)")


@dataclass
class _Plan:
    sql: str
    fixed: dict[str, Any]  # literal values bound in the statement itself (e.g. status = 'uploaded')
    names: tuple[str, ...]  # the result columns' keys, as ``.mappings()`` names them
    types: tuple  # the result columns' SQLAlchemy types
    dialect: Any
    checked: bool = False  # result types looked at (after the first execution: they need the driver's type codes)
    processors: tuple[tuple[int, Callable], ...] = ()


_plans: dict[int, _Plan | None] = {}  # id(statement) -> plan; None: this statement goes through SQLAlchemy
_keep: list[ClauseElement] = []  # the planned statements, kept alive so their ids stay theirs


def _plan(statement: ClauseElement, conn: Connection) -> _Plan | None:
    key = id(statement)
    if key in _plans:
        return _plans[key]
    compiled = statement.compile(dialect=conn.dialect)
    plan = None
    if not compiled._bind_processors and " NOT IN (__[POSTCOMPILE" not in compiled.string:
        sql = _EXPANDING_IN.sub(r" = ANY(%(\1)s)", compiled.string)
        if "POSTCOMPILE" not in sql:
            fixed = {name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required}
            columns = compiled._result_columns
            plan = _Plan(sql, fixed, tuple(entry[0] for entry in columns), tuple(entry[3] for entry in columns),
                         conn.dialect)
    _keep.append(statement)
    _plans[key] = plan
    return plan


def _execute(conn: Connection, plan: _Plan, params: dict) -> Any:
    write_batch.flush_pending(conn)
    if plan.fixed:
        params = {**plan.fixed, **params}
    return execute_text(conn, plan.sql, params)


def execute_text(conn: Connection, sql: str, params: dict | Sequence | None) -> Any:
    """Run ``sql`` (the driver's own placeholders) on the driver connection of ``conn``,
    prepared, and return its cursor; errors come out as SQLAlchemy's exceptions."""
    driver = conn.connection.driver_connection
    cursor = driver.cursor()
    dispatch = conn.dispatch.before_cursor_execute
    if dispatch:
        dispatch(conn, cursor, sql, params, None, False)
    try:
        cursor.execute(sql, params, prepare=True)
    except driver.Error as error:  # psycopg's base error
        conn._handle_dbapi_exception(error, sql, params, cursor, None)
    return cursor


def _process(plan: _Plan, cursor) -> None:
    """Look once at the result types: a column SQLAlchemy would convert keeps being converted."""
    if plan.checked or cursor.description is None:
        return
    processors = []
    for index, (type_, column) in enumerate(zip(plan.types, cursor.description)):
        processor = type_._cached_result_processor(plan.dialect, column.type_code)
        if processor is not None:
            processors.append((index, processor))
    plan.processors = tuple(processors)
    plan.checked = True


def _rows(conn: Connection, statement: ClauseElement, params: dict) -> tuple[_Plan, list[tuple]] | None:
    if conn.dialect.name != "postgresql":
        return None
    plan = _plan(statement, conn)
    if plan is None:
        return None
    cursor = _execute(conn, plan, params)
    _process(plan, cursor)
    rows = cursor.fetchall()
    if plan.processors:
        rows = [_converted(row, plan.processors) for row in rows]
    return plan, rows


def _converted(row: tuple, processors: tuple[tuple[int, Callable], ...]) -> tuple:
    values = list(row)
    for index, processor in processors:
        values[index] = processor(values[index])
    return tuple(values)


def all_mappings(conn: Connection, statement: ClauseElement, params: dict) -> list[dict]:
    """``conn.execute(statement, params).mappings().all()`` as plain dicts."""
    found = _rows(conn, statement, params)
    if found is None:
        return [dict(row) for row in conn.execute(statement, params).mappings()]
    plan, rows = found
    names = plan.names
    return [dict(zip(names, row)) for row in rows]


def first_mapping(conn: Connection, statement: ClauseElement, params: dict) -> dict | None:
    """``conn.execute(statement, params).mappings().first()`` as a plain dict, or None."""
    found = all_mappings(conn, statement, params)
    return found[0] if found else None


def all_tuples(conn: Connection, statement: ClauseElement, params: dict) -> list[tuple]:
    """``conn.execute(statement, params).all()`` as plain tuples."""
    found = _rows(conn, statement, params)
    if found is None:
        return [tuple(row) for row in conn.execute(statement, params)]
    return found[1]


def text_mappings(conn: Connection, sql: str, params: dict) -> list[dict]:
    """``conn.exec_driver_sql(sql, params).mappings().all()`` as plain dicts (PostgreSQL only:
    ``sql`` is written in the driver's placeholders; no type processing there either)."""
    write_batch.flush_pending(conn)
    cursor = execute_text(conn, sql, params)
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
