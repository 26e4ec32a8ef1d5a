"""joint supervision between regions, the expert pool, reports and the credit policy

Revision ID: 0025
Revises: 0026
Create Date: 2026-12-22 09:00:00

On-site check requests between agencies (异地协查) and their dated steps, joint inspections
(联合检查) with their agencies and experts, the shared expert pool (专家库) with availability and
assignments, reports (举报) and their rewards, and each region's credit and reward policy
(docs/joint-supervision.md). Every new table is append-only except the report row itself. A
confirmed case deducts a subject's credit once. New credit records and policies bump the
``sanctions`` cache version, so the gateway's copy of the credit standings is current from the
next request without a statement per settlement.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text, UniqueConstraint)

revision = '0025'
down_revision = '0026'
branch_labels = None
depends_on = None

NEW_TABLES = ('check_requests', 'check_request_steps', 'inspections', 'inspection_steps', 'inspection_members',
              'experts', 'expert_availability', 'expert_assignments', 'expert_request_answers',
              'supervision_policies', 'reports', 'report_rewards')
APPEND_ONLY = ('check_request_steps', 'inspection_steps', 'inspection_members', 'expert_availability',
               'expert_assignments', 'expert_request_answers', 'supervision_policies', 'report_rewards', 'check_requests', 'inspections')
BUMPS_SANCTIONS = ('credit_records', 'supervision_policies')

# The tables as this revision creates them (a copy of store/tables.py at this revision, frozen
# here so that a later change of tables.py comes with its own migration).
_metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"})

JOINT_STEPS_SQL = "step IN ('request', 'assign', 'result', 'conclude')"

check_requests = Table(  # 异地协查: one agency asks another to check on site; its steps below
    "check_requests",
    _metadata,
    Column("request_id", String(30), primary_key=True),
    Column("from_admdvs", String(6), nullable=False),  # the requesting agency
    Column("to_admdvs", String(6), nullable=False),  # the addressed agency, the only one that answers
    Column("fixmedins_code", String(30), nullable=False),  # the institution to check
    Column("items", Text, nullable=False),  # JSON list of the items to check
    Column("case_id", String(30)),  # the requesting agency's case, if any
    Column("requested_at", DateTime, nullable=False),
    CheckConstraint("from_admdvs <> to_admdvs", name="ck_check_requests_other_region"),
    Index("ix_check_requests_to", "to_admdvs"),
)

check_request_steps = Table(  # append-only; each step once, numbered in order
    "check_request_steps",
    _metadata,
    Column("request_id", String(30), ForeignKey("check_requests.request_id"), primary_key=True),
    Column("step", String(10), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("inspector", String(100), nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),
    Column("evidence", Text, nullable=False, server_default="[]"),  # JSON [{name, sha256}]
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint(JOINT_STEPS_SQL, name="ck_check_request_steps_step"),
    UniqueConstraint("request_id", "seq", name="uq_check_request_steps_seq"),
)

inspections = Table(  # 联合检查
    "inspections",
    _metadata,
    Column("inspection_id", String(30), primary_key=True),
    Column("lead_admdvs", String(6), nullable=False),
    Column("title", String(200), nullable=False),
    Column("fixmedins_code", String(30), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

inspection_steps = Table(  # append-only: plan, start, close, each once
    "inspection_steps",
    _metadata,
    Column("inspection_id", String(30), ForeignKey("inspections.inspection_id"), primary_key=True),
    Column("step", String(10), primary_key=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("step IN ('plan', 'start', 'close')", name="ck_inspection_steps_step"),
)

inspection_members = Table(  # append-only: the agencies and experts of an inspection
    "inspection_members",
    _metadata,
    Column("inspection_id", String(30), ForeignKey("inspections.inspection_id"), primary_key=True),
    Column("member_type", String(10), primary_key=True),  # agency | expert
    Column("member_id", String(30), primary_key=True),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("member_type IN ('agency', 'expert')", name="ck_inspection_members_type"),
)

experts = Table(  # 专家库: shared by every region
    "experts",
    _metadata,
    Column("expert_id", String(30), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("specialties", String(400), nullable=False),  # 、-separated
    Column("home_admdvs", String(6), nullable=False),
    Column("employer_code", String(30)),  # the institution the expert works for, if any (回避)
    Column("added_at", DateTime, nullable=False),
    Column("added_by", String(200), nullable=False),
)

expert_availability = Table(  # append-only dated records; the latest covering a day decides
    "expert_availability",
    _metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("expert_id", String(30), ForeignKey("experts.expert_id"), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("available", Boolean, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("enddate IS NULL OR enddate >= begndate", name="ck_expert_availability_dates"),
    Index("ix_expert_availability_expert", "expert_id"),
)

expert_assignments = Table(  # append-only: an expert on an inspection, case, review or check request
    "expert_assignments",
    _metadata,
    Column("assignment_id", String(30), primary_key=True),
    Column("expert_id", String(30), ForeignKey("experts.expert_id"), nullable=False),
    Column("target_type", String(14), nullable=False),
    Column("target_id", String(30), nullable=False),
    Column("admdvs", String(6), nullable=False),  # the agency that asked for the expert
    Column("day", Date, nullable=False),
    # 'assigned' by the expert's home agency (or one over it); 'requested' by another region,
    # effective once the home agency accepts (expert_request_answers)
    Column("state", String(10), nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("target_type IN ('inspection', 'case', 'review', 'check_request')",
                    name="ck_expert_assignments_target"),
    CheckConstraint("state IN ('assigned', 'requested')", name="ck_expert_assignments_state"),
    UniqueConstraint("expert_id", "target_type", "target_id", name="uq_expert_assignments_once"),
)

expert_request_answers = Table(  # append-only: the home agency's answer to another region's request
    "expert_request_answers",
    _metadata,
    Column("assignment_id", String(30), ForeignKey("expert_assignments.assignment_id"), primary_key=True),
    Column("accepted", Boolean, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
)

supervision_policies = Table(  # a region's credit and report-reward rules from a date; append-only
    "supervision_policies",
    _metadata,
    Column("admdvs", String(6), primary_key=True),
    Column("begndate", Date, primary_key=True),
    Column("strict_audit_below", Integer, nullable=False),
    Column("no_direct_below", Integer, nullable=False),
    Column("negative_list_below", Integer, nullable=False),
    Column("points_per_case", Integer, nullable=False),
    Column("points_per_10k_yuan", Integer, nullable=False),
    Column("reward_share", String(10), nullable=False),  # exact decimal text, 0 ≤ share ≤ 1
    Column("reward_floor_fen", BigInteger, nullable=False),
    Column("reward_cap_fen", BigInteger, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("no_direct_below <= strict_audit_below", name="ck_supervision_policies_thresholds"),
    CheckConstraint("0 <= reward_floor_fen AND reward_floor_fen <= reward_cap_fen", name="ck_supervision_policies_reward"),
)

reports = Table(  # 举报: intake, then the case it led to and the reward paid (report_rewards)
    "reports",
    _metadata,
    Column("report_id", String(30), primary_key=True),
    Column("admdvs", String(6), nullable=False),
    Column("subject_type", String(12), nullable=False),
    Column("subject_id", String(30), nullable=False),
    Column("content", Text, nullable=False),
    Column("reporter", String(60), nullable=False),  # masked name and contact
    Column("case_id", String(30)),
    Column("received_at", DateTime, nullable=False),
    Column("by", String(200), nullable=False),
)

report_rewards = Table(  # append-only; a report is rewarded once
    "report_rewards",
    _metadata,
    Column("report_id", String(30), ForeignKey("reports.report_id"), primary_key=True),
    Column("case_id", String(30), nullable=False),
    Column("recovered_fen", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("amount_fen > 0", name="ck_report_rewards_amount"),
)


def _append_only(postgresql: bool) -> None:
    if postgresql:
        op.execute("CREATE FUNCTION joint_supervision_fixed() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'joint supervision records are never changed or deleted'; END $$")
    for table in APPEND_ONLY:
        if postgresql:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION joint_supervision_fixed()")
            continue
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, 'joint supervision records are never changed or deleted'); END")


def _bump_sanctions_version(postgresql: bool) -> None:
    # bump_cache_version() exists on PostgreSQL since migration 0008
    for table in BUMPS_SANCTIONS:
        if postgresql:
            op.execute(f"CREATE TRIGGER {table}_bump_credit AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version('sanctions')")
            continue
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_bump_credit_{event.lower()} AFTER {event} ON {table} "
                       "BEGIN UPDATE cache_versions SET version = version + 1 WHERE name = 'sanctions'; END")


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    for name in NEW_TABLES:
        _metadata.tables[name].create(bind)
    op.create_index('uq_credit_records_case_subject', 'credit_records', ['case_id', 'subject_type', 'subject_id'],
                    unique=True, sqlite_where=sa.text('case_id IS NOT NULL'),
                    postgresql_where=sa.text('case_id IS NOT NULL'))
    _append_only(postgresql)
    _bump_sanctions_version(postgresql)


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if bind.execute(sa.text('SELECT count(*) FROM report_rewards')).scalar():
        raise RuntimeError('report rewards were paid: refusing to drop them')
    for table in BUMPS_SANCTIONS:
        if postgresql:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_bump_credit ON {table}')
        else:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS {table}_bump_credit_{event}')
    op.drop_index('uq_credit_records_case_subject', table_name='credit_records')
    for name in reversed(NEW_TABLES):
        op.drop_table(name)  # drops its triggers with it
    if postgresql:
        op.execute('DROP FUNCTION joint_supervision_fixed()')
