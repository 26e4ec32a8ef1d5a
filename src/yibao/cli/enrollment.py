"""参保登记、缴费、转移接续 and 个人账户划入 for an agency's operator (docs/enrollment.md):
``yibao enroll register|contribute|suspend|resume|end|show|transfer|accept`` and
``yibao accounts credit --month YYYY-MM``."""

from __future__ import annotations

import json

import typer

from .common import DB_OPTION, NOW_OPTION, OPERATOR_OPTION, _date, _open, _operator, _settings, app
from .fund_flows import _run

enroll_app = typer.Typer(help="Enrollment (参保登记): register, contributions, suspension, end, transfers.",
                         no_args_is_help=True)
app.add_typer(enroll_app, name="enroll")
accounts_app = typer.Typer(help="Personal accounts in bulk: the monthly crediting (个人账户划入).", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")

INSUTYPE_OPTION = typer.Option("310", "--insutype", help="310 employee, 390 resident, …")
DAY_OPTION = typer.Option(None, "--date", help="YYYY-MM-DD (default: today by the clock)")
REASON_OPTION = typer.Option("", "--reason", help="why (kept with the record)")


def _write(db, now, operator, action, *, write: bool = True):
    """One use case as the operator (a query as the system); prints the result as JSON."""
    from yibao.admin.enrollment_routes import plain
    from yibao.app import actors

    actor = _operator(operator) if write else actors.SYSTEM
    settings = _settings(db, now)
    result = _run(_open(settings), actor, settings.clock()(), action, write=write)
    typer.echo(json.dumps(plain(result), ensure_ascii=False, indent=2))


@enroll_app.command("register")
def register(psn_no: str, region: str = typer.Option(..., "--region", help="insured region (insuplc_admdvs)"),
             kind: str = typer.Option(..., "--kind", help="employee | resident | student | newborn"),
             psn_type: str = typer.Option(..., "--psn-type", help="1101 in service, 1501 resident adult, …"),
             insutype: str = INSUTYPE_OPTION, enroll_date: str = DAY_OPTION,
             emp_no: str = typer.Option(None, "--emp-no", help="the employer (employees)"),
             certno: str = typer.Option(None, "--certno"), psn_name: str = typer.Option(None, "--name"),
             gend: str = typer.Option(None, "--gend"), brdy: str = typer.Option(None, "--brdy"),
             db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Enroll a person (a new one needs --certno --name --gend --brdy); prints when benefits begin."""
    from yibao.app import enrollment

    person = dict(certno=certno, psn_name=psn_name, gend=gend, brdy=_date(brdy, "--brdy")) if certno else None

    def action(uow):
        return enrollment.register(uow, psn_no=psn_no, insutype=insutype, insuplc_admdvs=region, kind=kind,
                                   psn_type=psn_type, enroll_date=_date(enroll_date, "--date") or uow.now.date(),
                                   emp_no=emp_no, person=person)
    _write(db, now, operator, action)


@enroll_app.command("contribute")
def contribute(psn_no: str, month: str = typer.Option(..., "--month", help="YYYY-MM"),
               employer: str = typer.Option(..., "--employer-amount", help="yuan"),
               personal: str = typer.Option(..., "--personal-amount", help="yuan"),
               base: str = typer.Option(None, "--base", help="缴费基数, yuan"), insutype: str = INSUTYPE_OPTION,
               db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Record one month's contribution."""
    from yibao.app import enrollment

    _write(db, now, operator, lambda uow: enrollment.contribute(uow, psn_no, insutype, month, emp_amt=employer,
                                                                psn_amt=personal, base=base))


def _state_command(step: str, help_text: str):
    def command(psn_no: str, insutype: str = INSUTYPE_OPTION, day: str = DAY_OPTION, reason: str = REASON_OPTION,
                db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
        from yibao.app import enrollment

        _write(db, now, operator, lambda uow: enrollment.change_state(
            uow, psn_no, insutype, step, _date(day, "--date") or uow.now.date(), reason))
    command.__doc__ = help_text
    enroll_app.command(step)(command)


_state_command("suspend", "Suspend the insurance (暂停参保) from the date.")
_state_command("resume", "Resume a suspended insurance.")
_state_command("end", "End the insurance (终止参保); the date is the last day of cover.")


@enroll_app.command("show")
def show(psn_no: str, db: str = DB_OPTION) -> None:
    """The person's insurances, records, contribution years and transfers."""
    from yibao.app import enrollment

    _write(db, None, None, lambda uow: enrollment.person_view(uow, psn_no), write=False)


@enroll_app.command("transfer")
def transfer(psn_no: str, from_admdvs: str = typer.Option(..., "--from"), to_admdvs: str = typer.Option(..., "--to"),
             insutype: str = INSUTYPE_OPTION, db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
             now: str = NOW_OPTION) -> None:
    """Issue a transfer (转出): the information record with contribution years and the balance."""
    from yibao.app import enrollment

    _write(db, now, operator, lambda uow: enrollment.issue_transfer(uow, psn_no=psn_no, from_admdvs=from_admdvs,
                                                                    to_admdvs=to_admdvs, insutype=insutype))


@enroll_app.command("accept")
def accept(transfer_id: str, db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Accept a transfer (转入): cover moves to the new region from today."""
    from yibao.app import enrollment

    _write(db, now, operator, lambda uow: enrollment.accept_transfer(uow, transfer_id))


@accounts_app.command("credit")
def credit(month: str = typer.Option(..., "--month", help="YYYY-MM"), db: str = DB_OPTION,
           operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Credit employees' and retirees' personal accounts for the month; a rerun credits no one twice."""
    from yibao.app import enrollment

    _write(db, now, operator, lambda uow: enrollment.credit_month(uow, month))
