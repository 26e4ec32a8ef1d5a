"""``yibao clearing statement-pdf ID --out FILE``: the stampable PDF of a clearing statement, or
of an institution's reconciliation statement by its clearing application's event id (3203);
the operator's command sees every region (documents/statement_pdf.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import DB_OPTION, NOW_OPTION, _setup
from .fund_flows import _run, clearing_app


@clearing_app.command("statement-pdf")
def statement_pdf(statement_id: str = typer.Argument(..., help="clearing statement id, or a 3203 clr_appy_evt_id"),
                  out: Path = typer.Option(..., "--out", help="the PDF file to write", dir_okay=False),
                  db: str = DB_OPTION, now_option: str = NOW_OPTION) -> None:
    """Write a clearing statement (清算单) or a reconciliation statement (对账结算单) as a PDF to stamp."""
    from yibao.documents.statement_pdf import render
    from yibao.app import actors, listings

    database, clock = _setup(db, now_option)
    now = clock()
    document = _run(database, actors.SYSTEM, now,
                    lambda uow: listings.statement_document(uow, statement_id, agency_code=None), write=False)
    out.write_bytes(render(document, now))
    typer.echo(f"{out}: {'清算单' if document['kind'] == 'clearing' else '对账结算单'} {statement_id}")
