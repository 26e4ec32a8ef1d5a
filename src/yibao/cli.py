"""The ``yibao`` command: one composition root for every entry point."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(
    name="yibao",
    help="Medical-insurance settlement platform (local and cross-region direct settlement).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_REFUSED = 2


@app.callback()
def _root() -> None:
    """yibao: settle visits under the national rule 就医地目录、参保地政策、就医地管理."""


@app.command()
def settle(
    case_file: Path = typer.Argument(..., help="A settlement case (settlement-spec §2).", metavar="CASE.json"),
    explain: bool = typer.Option(False, "--explain", help="Show the split, the funds and the trace as tables."),
) -> None:
    """Settle one case: print the result JSON (exit 0) or the error object (exit 2)."""
    from yibao.documents.case_document import load_case
    from yibao.documents.render import dumps, settlement_result
    from yibao.domain.errors import SettlementRefused
    from yibao.domain.settle import settle as settle_case

    try:
        settlement = settle_case(load_case(case_file))
    except SettlementRefused as refusal:
        typer.echo(dumps(refusal.as_dict()))
        raise typer.Exit(EXIT_REFUSED) from None
    if explain:
        from yibao.explain import print_explanation

        print_explanation(settlement)
    else:
        typer.echo(dumps(settlement_result(settlement)))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
