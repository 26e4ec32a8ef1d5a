"""Joint supervision between regions, the expert pool, credit and reports (docs/joint-supervision.md):
``yibao inspections …`` (异地协查 requests and 联合检查), ``yibao experts …`` (专家库),
``yibao credit …`` (policy, standing, negative list) and ``yibao reports …`` (举报 and rewards).
``--agency`` names the agency the operator acts for; each step is refused to any other side."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import typer

from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _date, _fail, _operator, _print_rows, _refused, _setup, app

inspections_app = typer.Typer(help="On-site check requests between regions (异地协查) and joint inspections (联合检查).",
                              no_args_is_help=True)
experts_app = typer.Typer(help="The shared expert pool (专家库).", no_args_is_help=True)
credit_app = typer.Typer(help="Credit (信用): the region's policy, a subject's standing, the negative list.",
                         no_args_is_help=True)
reports_app = typer.Typer(help="Reports (举报) and their rewards.", no_args_is_help=True)
app.add_typer(inspections_app, name="inspections")
app.add_typer(experts_app, name="experts")
app.add_typer(credit_app, name="credit")
app.add_typer(reports_app, name="reports")

AGENCY_OPTION = typer.Option(..., "--agency", help="the agency (its region code) the operator acts for")


def _run(db, now_option, operator, action, *, write: bool = True):
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    database, clock = _setup(db, now_option)
    try:
        with SqlUnitOfWork(database, _operator(operator), clock(), write=write) as uow:
            return action(uow)
    except GatewayError as exc:
        _refused(exc)


def _echo(row) -> None:
    from yibao.documents.render import dumps

    typer.echo(dumps(row))


def _request_summary(row: dict) -> None:
    typer.echo(f"{row['request_id']} {row['from_admdvs']} → {row['to_admdvs']} {row['fixmedins_code']}: {row['status']}")
    for step in row["steps"]:
        typer.echo(f"  {step['seq']}. {step['step']:<8} {step['at']:%Y-%m-%d %H:%M} {step['by']}"
                   + (f" inspector {step['inspector']}" if step["inspector"] else "")
                   + (f": {step['text'][:80]}" if step["text"] else "")
                   + (f" [{len(step['evidence'])} evidence]" if step["evidence"] else ""))


# --- check requests and inspections --------------------------------------------------------------

@inspections_app.command("request")
def request(agency: str = AGENCY_OPTION, to: str = typer.Option(..., "--to", help="the addressed region"),
            institution: str = typer.Option(..., "--institution"),
            item: list[str] = typer.Option(..., "--item", help="an item to check (repeat)"),
            case_id: str = typer.Option(None, "--case"), note: str = typer.Option("", "--note"),
            operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Ask another region's agency to check one of its institutions on site."""
    from yibao.app import joint_supervision as joint

    _request_summary(_run(db, now, operator, lambda uow: joint.request_check(
        uow, from_admdvs=agency, to_admdvs=to, fixmedins_code=institution, items=item, case_id=case_id, note=note)))


@inspections_app.command("assign")
def assign(request_id: str, inspector: str = typer.Option(..., "--inspector"), agency: str = AGENCY_OPTION,
           operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The addressed agency names its inspector."""
    from yibao.app import joint_supervision as joint

    _request_summary(_run(db, now, operator, lambda uow: joint.assign_inspector(uow, request_id, inspector,
                                                                                agency_region=agency)))


@inspections_app.command("answer")
def answer(request_id: str, text: str = typer.Option(..., "--text"),
           evidence: list[Path] = typer.Option([], "--evidence", help="an evidence file: its name and SHA-256 are kept"),
           agency: str = AGENCY_OPTION, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
           now: str = NOW_OPTION) -> None:
    """The addressed agency answers with the result and its evidence files (hashed here, not uploaded)."""
    import hashlib

    from yibao.app import joint_supervision as joint

    items = []
    for path in evidence:
        try:
            items.append({"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
        except OSError as exc:
            _fail(f"cannot read {path}: {exc}", 2)
    _request_summary(_run(db, now, operator, lambda uow: joint.answer_check(uow, request_id, text, items,
                                                                            agency_region=agency)))


@inspections_app.command("conclude")
def conclude(request_id: str, conclusion: str = typer.Option(..., "--conclusion"), agency: str = AGENCY_OPTION,
             operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The requesting agency's conclusion."""
    from yibao.app import joint_supervision as joint

    _request_summary(_run(db, now, operator, lambda uow: joint.conclude_check(uow, request_id, conclusion,
                                                                              agency_region=agency)))


@inspections_app.command("show")
def show(request_id: str, agency: str = typer.Option(None, "--agency"), db: str = DB_OPTION) -> None:
    """A check request with its dated steps."""
    from yibao.app import joint_supervision as joint

    _request_summary(_run(db, None, None, lambda uow: joint.check_request(uow, request_id, agency_region=agency),
                          write=False))


@inspections_app.command("plan")
def plan(agency: str = AGENCY_OPTION, title: str = typer.Option(..., "--title"),
         institution: str = typer.Option(..., "--institution"), begin: str = typer.Option(..., "--begin"),
         member: list[str] = typer.Option([], "--member", help="another agency taking part (repeat)"),
         operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Plan a joint inspection led by the agency."""
    from yibao.app import joint_supervision as joint

    row = _run(db, now, operator, lambda uow: joint.plan_inspection(
        uow, lead_admdvs=agency, title=title, fixmedins_code=institution, begndate=_date(begin, "--begin"),
        agencies=member))
    typer.echo(f"{row['inspection_id']} {row['status']}: " + ", ".join(m["member_id"] for m in row["members"]))


@inspections_app.command("step")
def step(inspection_id: str, to: str = typer.Argument(..., help="start | close"), note: str = typer.Option("", "--note"),
         agency: str = AGENCY_OPTION, operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Start or close (with its conclusion as --note) a joint inspection."""
    from yibao.app import joint_supervision as joint

    row = _run(db, now, operator, lambda uow: joint.move_inspection(uow, inspection_id, to, note=note,
                                                                    agency_region=agency))
    typer.echo(f"{row['inspection_id']} {row['status']}")


# --- experts -------------------------------------------------------------------------------------

@experts_app.command("add")
def expert_add(name: str = typer.Option(..., "--name"), specialty: list[str] = typer.Option(..., "--specialty"),
               agency: str = AGENCY_OPTION, employer: str = typer.Option(None, "--employer"),
               operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Add an expert of the agency's region to the shared pool."""
    from yibao.app import experts

    row = _run(db, now, operator, lambda uow: experts.add_expert(uow, name=name, specialties=specialty, home_admdvs=agency,
                                                                 employer_code=employer))
    typer.echo(f"{row['expert_id']} {'、'.join(row['specialties'])} ({row['home_admdvs']})")


@experts_app.command("list")
def expert_list(specialty: str = typer.Option(None, "--specialty"), day: str = typer.Option(None, "--day"),
                db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """The pool with each expert's availability on the day (today by default)."""
    from yibao.app import experts

    rows = _run(db, None, None, lambda uow: experts.experts(uow, specialty=specialty, day=_date(day, "--day")), write=False)
    _print_rows([{k: ("、".join(v) if k == "specialties" else v) for k, v in row.items()} for row in rows], fmt,
                f"{len(rows)} experts")


@experts_app.command("availability")
def expert_availability(expert_id: str, begin: str = typer.Option(..., "--begin"), end: str = typer.Option(None, "--end"),
                        available: bool = typer.Option(..., "--available/--unavailable"), agency: str = AGENCY_OPTION,
                        operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Record when the expert is (un)available (the home agency)."""
    from yibao.app import experts

    _run(db, now, operator, lambda uow: experts.set_availability(
        uow, expert_id, begndate=_date(begin, "--begin"), enddate=_date(end, "--end"), available=available,
        agency_region=agency))
    typer.echo(f"{expert_id}: {'available' if available else 'unavailable'} from {begin}" + (f" to {end}" if end else ""))


@experts_app.command("assign")
def expert_assign(expert_id: str, target: str = typer.Option(..., "--target", help="inspection | case | review | check_request"),
                  target_id: str = typer.Option(..., "--id"), day: str = typer.Option(..., "--day"),
                  agency: str = AGENCY_OPTION, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
                  now: str = NOW_OPTION) -> None:
    """Assign the expert; another region's expert is asked of its home agency."""
    from yibao.app import experts

    row = _run(db, now, operator, lambda uow: experts.assign(uow, expert_id, target=target, target_id=target_id,
                                                             day=_date(day, "--day"), agency_region=agency))
    typer.echo(f"{row['assignment_id']} {row['state']}" + ("" if row["effective"] else " (waiting for the home agency)"))


@experts_app.command("answer")
def expert_answer(assignment_id: str, accept: bool = typer.Option(..., "--accept/--refuse"),
                  note: str = typer.Option("", "--note"), agency: str = AGENCY_OPTION, operator: str = OPERATOR_OPTION,
                  db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The home agency answers another region's request for its expert."""
    from yibao.app import experts

    _run(db, now, operator, lambda uow: experts.answer_request(uow, assignment_id, accepted=accept, note=note,
                                                               agency_region=agency))
    typer.echo(f"{assignment_id}: {'accepted' if accept else 'refused'}")


# --- credit and reports --------------------------------------------------------------------------

@credit_app.command("policy")
def credit_policy(agency: str = AGENCY_OPTION, begin: str = typer.Option(..., "--begin"),
                  strict_audit_below: int = typer.Option(None, "--strict-audit-below"),
                  no_direct_below: int = typer.Option(None, "--no-direct-below"),
                  negative_list_below: int = typer.Option(None, "--negative-list-below"),
                  reward_share: str = typer.Option(None, "--reward-share", help="e.g. 0.05"),
                  reward_floor: str = typer.Option(None, "--reward-floor", help="yuan"),
                  reward_cap: str = typer.Option(None, "--reward-cap", help="yuan"),
                  operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The region's credit thresholds and report-reward rule from a date."""
    from yibao.app import credit
    from yibao.domain.money import to_fen

    def fen(text):
        return None if text is None else to_fen(Decimal(text))

    row = _run(db, now, operator, lambda uow: credit.set_policy(
        uow, admdvs=agency, begndate=_date(begin, "--begin"), strict_audit_below=strict_audit_below,
        no_direct_below=no_direct_below, negative_list_below=negative_list_below, reward_share=reward_share,
        reward_floor_fen=fen(reward_floor), reward_cap_fen=fen(reward_cap)))
    typer.echo(f"{agency} from {begin}: strict audit below {row['strict_audit_below']}, no direct settlement below "
               f"{row['no_direct_below']}, reward {row['reward_share']} of the recovered amount")


@credit_app.command("show")
def credit_show(subject_type: str, subject_id: str, region: str = typer.Option(..., "--region"),
                db: str = DB_OPTION) -> None:
    """A subject's score, level and records, with what the region's policy makes of it."""
    from yibao.app import credit

    found = _run(db, None, None, lambda uow: credit.standing(uow, subject_type, subject_id, region=region), write=False)
    typer.echo(f"{subject_type} {subject_id}: {found['score']} ({found['level']})"
               + (f", {found['restriction']}" if found["restriction"] else ""))
    for record in found["records"]:
        typer.echo(f"  {record['at']:%Y-%m-%d} {record['points']:+d} {record['reason'][:80]}")


@credit_app.command("negative-list")
def credit_negative_list(agency: str = typer.Option(None, "--agency", help="only this agency's regions"),
                         output: Path = typer.Option(None, "--output"), db: str = DB_OPTION) -> None:
    """Publish the negative list (黑名单) as JSON."""
    from yibao.app import credit

    listed = _run(db, None, None, lambda uow: credit.negative_list(uow, agency_region=agency), write=False)
    text = json.dumps(listed, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"{len(listed['entries'])} entries written to {output}")


@reports_app.command("receive")
def report_receive(agency: str = AGENCY_OPTION, subject_type: str = typer.Option(..., "--subject-type"),
                   subject_id: str = typer.Option(..., "--subject"), content: str = typer.Option(..., "--content"),
                   reporter: str = typer.Option("", "--reporter"), contact: str = typer.Option("", "--contact"),
                   operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Receive a report; the reporter is kept masked."""
    from yibao.app import credit

    row = _run(db, now, operator, lambda uow: credit.receive_report(
        uow, admdvs=agency, subject_type=subject_type, subject_id=subject_id, content=content, reporter_name=reporter,
        reporter_contact=contact))
    typer.echo(f"{row['report_id']} received from {row['reporter']}")


@reports_app.command("reward")
def report_reward(report_id: str, case_id: str = typer.Option(..., "--case"), agency: str = AGENCY_OPTION,
                  operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Pay the reward on the confirmed case by the region's rule (once, through the ledger)."""
    from yibao.app import credit

    row = _run(db, now, operator, lambda uow: credit.pay_reward(uow, report_id, case_id=case_id, agency_region=agency))
    typer.echo(f"{report_id}: reward {row['amount']} yuan on {row['recovered']} yuan recovered")
