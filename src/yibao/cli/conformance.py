"""``yibao conformance``: the HIS vendor's test pack against any gateway (sim/conformance.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from .common import _fail, app


@app.command()
def conformance(
    url: str = typer.Option("http://127.0.0.1:8000", "--url", help="The gateway's base URL."),
    institution: str = typer.Option("", "--institution", help="fixmedins_code to act as (else the demo world's first hospital)."),
    secret: str = typer.Option("", "--secret", help="The institution's secret (else the demo world's)."),
    certno: str = typer.Option("", "--certno", help="A test person's certificate number (else a demo person)."),
    item: list[str] = typer.Option([], "--item", help="A catalogue item of the treatment region as CODE=PRICE (repeatable)."),
    data_dir: Path = typer.Option(Path("yibao-demo-data"), "--data-dir", help="The demo world's files, for what is not given."),
    save: Path = typer.Option(None, "--save", help="Write each step's request and response to this directory."),
    sign: str = typer.Option("apikey", "--sign", help="How to authenticate: apikey | x-tif | api | none (docs/his/authentication.md)."),
    path: str = typer.Option("callService", "--path", help="URL form: callService | infno | hgs (docs/his/paths.md)."),
    visit_time: str = typer.Option("", "--visit-time", help="When the visit happens, ISO date-time (default now)."),
    output_format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """Run the conformance pack (outpatient chain and common refusals); exit 1 if a step fails."""
    import httpx

    from yibao.sim.conformance import Subject, as_json, report_lines, run_pack, save as save_exchanges, subject_from_demo

    from yibao.sim.his import PATH_STYLES, SIGNINGS

    if sign not in SIGNINGS or path not in PATH_STYLES:
        _fail(f"--sign is one of {', '.join(SIGNINGS)}; --path one of {', '.join(PATH_STYLES)}", 2)
    try:
        when = dt.datetime.fromisoformat(visit_time) if visit_time else None
    except ValueError:
        _fail(f"--visit-time {visit_time[:40]}: expected an ISO date-time, e.g. 2026-11-02T09:00", 2)
    items = {}
    for entry in item:
        code, _, price = entry.partition("=")
        try:
            items[code.strip()] = Decimal(price)
        except InvalidOperation:
            _fail(f"--item {entry}: expected CODE=PRICE, e.g. --item XA02BCA272F002010168748=6.24", 2)
    if institution and secret and certno and items:
        subject = Subject({"fixmedins_code": institution, "fixmedins_name": institution, "admdvs": institution[1:7],
                           "secret": secret}, certno, items)
    else:
        try:
            subject = subject_from_demo(data_dir, institution, secret, certno)
        except (FileNotFoundError, StopIteration) as exc:
            _fail(f"give --institution, --secret, --certno and --item, or a demo world in --data-dir ({exc})", 2)
        subject.items.update(items)
    try:
        outcomes = run_pack(url, subject, signing=sign, path_style=path,
                            visit_time=when)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach the gateway at {url}: {exc}", 1)
    if save is not None:
        save_exchanges(outcomes, save)
    typer.echo(as_json(outcomes) if output_format == "json" else "\n".join(report_lines(outcomes)))
    if any(outcome.status != "passed" for outcome in outcomes):
        raise typer.Exit(1)
