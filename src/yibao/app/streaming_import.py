"""A persons file at province scale (millions of rows): read as a stream, validated and written
in batches, never held whole in memory, still all or nothing: every batch is written inside the
one unit of work of the file, so a bad row anywhere, or a family link to nobody, rolls back
everything written before it (data-formats.md, "imports are all or nothing per file"). Only the
keys seen (to refuse a key named twice) and the family links (checked when the file ends: an
owner may come after the relative) are kept. Writes are bulk upserts (store/repositories/
imports.upsert_many): one executemany per table and batch."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Callable, Iterator

from . import actors, family
from .importing import KEYS, ImportError_, ImportResult, _key_text, _write_persons, validate_row

BATCH_ROWS = 2_000


def iter_csv_rows(path: Path) -> Iterator[dict]:
    """The rows of a CSV file with a header row, one at a time."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ImportError_(f"{path}: file not found") from None
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read: {exc}") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            if not reader.fieldnames:
                raise ImportError_(f"{path}: empty file (no header row)")
            for row in reader:
                yield {(key or "").strip(): (value if value is not None else "") for key, value in row.items()}
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{path}: cannot read: {exc}") from None


def import_persons_streamed(database, path: Path, *, now: dt.datetime,
                            progress: Callable[[int, int | None], None] | None = None) -> ImportResult:
    from yibao.store.unit_of_work import SqlUnitOfWork

    result = ImportResult("persons", str(path), 0, 0)
    seen: dict[str, int] = {}
    links: list[tuple[str, str, int]] = []  # (family_psn_no, psn_no, row number)
    with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
        batch, first_number = [], 1
        for number, raw in enumerate(iter_csv_rows(path), start=1):
            row = validate_row("persons", path, number, raw)
            _refuse_repeated_key(path, seen, row.psn_no, number)
            if row.family_psn_no:
                links.append((row.family_psn_no, row.psn_no, number))
            batch.append(row)
            if len(batch) == BATCH_ROWS:
                _write_persons(uow, batch, result=result, first_number=first_number, source=path.name)
                first_number += len(batch)
                batch = []
                if progress:
                    progress(first_number - 1, None)  # the total is unknown until the end
        if batch:
            _write_persons(uow, batch, result=result, first_number=first_number, source=path.name)
        result.rows = result.written = len(seen)
        _check_links(uow, path, links, seen)
        family.import_links(uow, [(owner, psn_no) for owner, psn_no, _ in links], actor=f"import:{path.name}")
    return result


def _refuse_repeated_key(path: Path, seen: dict[str, int], psn_no: str, number: int) -> None:
    earlier = seen.setdefault(psn_no, number)
    if earlier != number:
        raise ImportError_(f"{path}: row {number}, column psn_no: 键重复（{_key_text(KEYS['persons'], (psn_no,))}），"
                           f"与第 {earlier} 行相同；同一文件中每个键只能出现一次")


def _check_links(uow, path: Path, links: list[tuple[str, str, int]], seen: dict[str, int]) -> None:
    for owner, _, number in links:
        if owner not in seen and uow.persons.get(owner) is None:
            raise ImportError_(f"{path}: row {number}, column family_psn_no: unknown person {owner}")
