"""joint supervision between regions, the expert pool, reports and the credit policy

Revision ID: 0025
Revises: 0023
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

from yibao.store import tables as t

revision = '0025'
down_revision = '0023'
branch_labels = None
depends_on = None

NEW_TABLES = ('check_requests', 'check_request_steps', 'inspections', 'inspection_steps', 'inspection_members',
              'experts', 'expert_availability', 'expert_assignments', 'expert_request_answers',
              'supervision_policies', 'reports', 'report_rewards')
APPEND_ONLY = ('check_request_steps', 'inspection_steps', 'inspection_members', 'expert_availability',
               'expert_assignments', 'expert_request_answers', 'supervision_policies', 'report_rewards', 'check_requests', 'inspections')
BUMPS_SANCTIONS = ('credit_records', 'supervision_policies')


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
        t.metadata.tables[name].create(bind)
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
