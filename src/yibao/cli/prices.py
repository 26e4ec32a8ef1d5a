"""``yibao prices …``, ``procurement …``, ``price-reform …``, ``whatif …``, ``recognition …``:
listing prices, procurement batches and their savings, service-price integration replays and
what-if replays of a policy change (docs/prices.md); each write recorded with the operator."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import typer

from .common import DB_OPTION, NOW_OPTION, OPERATOR_OPTION, _date, _fail, _operator, _refused, _setup, app
from .payment_methods import plain

prices_app = typer.Typer(help="Listing prices (挂网价格): list, share, compare.", no_args_is_help=True)
procurement_app = typer.Typer(help="Procurement batches (集中带量采购): record, savings, linkage.", no_args_is_help=True)
reform_app = typer.Typer(help="Service price integration (医疗服务价格整合): replay, room.", no_args_is_help=True)
whatif_app = typer.Typer(help="What-if replay of a policy change (政策测算).", no_args_is_help=True)
app.add_typer(prices_app, name="prices")
app.add_typer(procurement_app, name="procurement")
app.add_typer(reform_app, name="price-reform")
app.add_typer(whatif_app, name="whatif")


def _run(operator: str | None, db: str | None, now: str | None, action, *, write: bool = True, bare: bool = False):
    """One use case in one unit of work (``bare``: none, for replays over files), printed as
    JSON; a refusal prints its code and exits 2."""
    from yibao.app.errors import GatewayError
    from yibao.documents.render import dumps
    from yibao.domain.errors import SettlementRefused
    from yibao.store.unit_of_work import SqlUnitOfWork

    try:
        if bare:
            result = action(None)
        else:
            actor = _operator(operator) if write else _operator(operator or "reader")
            database, clock = _setup(db, now)
            with SqlUnitOfWork(database, actor, clock(), write=write) as uow:
                result = action(uow)
    except GatewayError as exc:
        _refused(exc)
    except SettlementRefused as exc:
        _fail(f"[{exc.code}] {exc}", 2)
    typer.echo(dumps(plain(result)))
    return result


def _rows(path: Path) -> list[dict]:
    """A CSV (header row) or a JSON array of objects."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        _fail(f"cannot read {path}: {exc}")
    if path.suffix.lower() == ".csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(text))]
    try:
        rows = json.loads(text)
    except ValueError as exc:
        _fail(f"{path} is not JSON: {exc}")
    if not isinstance(rows, list):
        _fail(f"{path}: expected a JSON array of objects")
    return rows


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        _fail(f"cannot read {path}: {exc}")


def _case_docs(paths: list[Path]):
    """Case documents from files and directories (``*.case.json``), read one at a time."""
    for path in paths:
        for file in sorted(path.glob("*.case.json")) if path.is_dir() else [path]:
            yield _json(file)


@prices_app.command("list")
def prices_list(region: str, file: Path, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
                now: str = NOW_OPTION) -> None:
    """Record the region's listings from FILE (national_code, spec, maker, price, listed_on)."""
    from yibao.app import prices

    rows = _rows(file)
    _run(operator, db, now, lambda uow: prices.list_products(uow, region, rows))


@prices_app.command("share")
def prices_share(from_region: str, to_region: str, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
                 now: str = NOW_OPTION) -> None:
    """Share FROM_REGION's listings in force with TO_REGION (结果共用)."""
    from yibao.app import prices

    _run(operator, db, now, lambda uow: prices.share(uow, from_region, to_region))


@prices_app.command("compare")
def prices_compare(regions: list[str], db: str = DB_OPTION) -> None:
    """Products listed by at least two of the regions, the largest relative spread first."""
    from yibao.app import prices

    _run(None, db, None, lambda uow: prices.compare(uow, regions), write=False)


@procurement_app.command("record")
def procurement_record(batch_no: str, file: Path, level: str = typer.Option(..., "--level"),
                       region: str = typer.Option(..., "--region"), begin: str = typer.Option(..., "--begin"),
                       name: str = typer.Option("", "--name"), operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
                       now: str = NOW_OPTION) -> None:
    """Record a batch (national | provincial | alliance) with FILE's products (national_code,
    agreed_price, agreed_volume), applied in the region from --begin."""
    from yibao.app import procurement

    rows, day = _rows(file), _date(begin, "--begin")
    _run(operator, db, now, lambda uow: procurement.record_batch(uow, batch_no, level, name, region, day, rows))


@procurement_app.command("savings")
def procurement_savings(batch_no: str, until: str = typer.Option(..., "--until", help="end date, exclusive"),
                        db: str = DB_OPTION) -> None:
    """节省 and 降幅 from the volumes settled since the batch began."""
    from yibao.app import procurement

    day = _date(until, "--until")
    _run(None, db, None, lambda uow: procurement.savings(uow, batch_no, day), write=False)


@procurement_app.command("linkage")
def procurement_linkage(batch_no: str, output: Path = typer.Option(None, "-o", "--output"),
                        db: str = DB_OPTION) -> None:
    """The new payment standards (lmtpric rows) from the batch's start; with -o a CSV for
    ``yibao import lmtpric`` (a new catalogue version)."""
    from yibao.app import procurement

    rows = _run(None, db, None, lambda uow: procurement.linkage(uow, batch_no), write=False)
    if output is not None and rows:
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


@reform_app.command("replay")
def reform_replay(batch: Path, cases: list[Path]) -> None:
    """Replay an integration batch over settled visits (case files or directories of them)."""
    from yibao.app import price_reform

    document = _json(batch)
    _run(None, None, None, lambda uow: price_reform.replay(document, _case_docs(cases)), write=False, bare=True)


@reform_app.command("room")
def reform_room(volumes: Path, fix: list[str] = typer.Option(..., "--fix", help="CODE=NEW_PRICE")) -> None:
    """The budget-neutral factor on the items not fixed (VOLUMES: code, volume, price)."""
    from yibao.app import price_reform

    rows = _rows(volumes)
    fixed = dict(item.split("=", 1) for item in fix if "=" in item)
    _run(None, None, None, lambda uow: price_reform.room(rows, fixed), write=False, bare=True)


@whatif_app.command("run")
def whatif_run(patch: Path, cases: list[Path]) -> None:
    """Replay the JSON patch over visits (case files or directories): the effect by region,
    med_type and person class."""
    from yibao.app import whatif

    operations = _json(patch)
    _run(None, None, None, lambda uow: whatif.report(whatif.replay(_case_docs(cases), operations)),
         write=False, bare=True)


recognition_app = typer.Typer(help="Catalogue recognition between two regions (目录及支付标准互认).",
                              no_args_is_help=True)
app.add_typer(recognition_app, name="recognition")
DAY_OPTION = typer.Option(..., "--day", help="YYYY-MM-DD")
AS_OPTION = typer.Option(..., "--as", help="the acting agency's region (one of the two)")


@recognition_app.command("compare")
def recognition_compare(region_a: str, region_b: str, day: str = DAY_OPTION, db: str = DB_OPTION) -> None:
    """Same national code in both catalogues: category, self-pay ratio and ceiling differences."""
    from yibao.app import recognition

    when = _date(day, "--day")
    _run(None, db, None, lambda uow: recognition.compare(uow, region_a, region_b, when), write=False)


@recognition_app.command("propose")
def recognition_propose(from_region: str, to_region: str, code: str, begin: str = typer.Option(..., "--begin"),
                        by: str = AS_OPTION, note: str = typer.Option("", "--note"), operator: str = OPERATOR_OPTION,
                        db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """TO_REGION is to recognise FROM_REGION's entry for CODE from --begin (the other side agrees)."""
    from yibao.app import recognition

    day = _date(begin, "--begin")
    _run(operator, db, now, lambda uow: recognition.propose(uow, by, from_region, to_region, code, day, note))


@recognition_app.command("agree")
def recognition_agree(recognition_id: str, by: str = AS_OPTION, operator: str = OPERATOR_OPTION,
                      db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The other side's agreement: in force from its date."""
    from yibao.app import recognition

    _run(operator, db, now, lambda uow: recognition.agree(uow, recognition_id, by))


@recognition_app.command("withdraw")
def recognition_withdraw(recognition_id: str, by: str = AS_OPTION, reason: str = typer.Option(..., "--reason"),
                         operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Either side withdraws the recognition (once)."""
    from yibao.app import recognition

    _run(operator, db, now, lambda uow: recognition.withdraw(uow, recognition_id, by, reason))


@recognition_app.command("show")
def recognition_show(region: str, day: str = DAY_OPTION, db: str = DB_OPTION) -> None:
    """The region's recognitions (either side) and the codes it recognises on the day."""
    from yibao.app import recognition

    when = _date(day, "--day")
    _run(None, db, None, lambda uow: recognition.table(uow, region, when), write=False)
