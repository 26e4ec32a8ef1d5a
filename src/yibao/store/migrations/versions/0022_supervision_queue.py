"""supervision queue: post-event audit runs by key, the findings' state transitions

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-20 09:00:00

A post-event audit run has a key (region, period, package version). Running it again
supersedes the earlier run (``supersedes_run_id``, unique: one successor per run; a partial
unique index allows one first run per key), so the queue shows one set of findings while the
earlier findings stay as history. A finding's states (new → checking → confirmed / dismissed,
appealed → re-reviewed) are dated rows with their actor in ``finding_transitions``, keyed by
(finding, seq). Both tables are append-only (triggers), as is the rest of supervision's history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0019'
branch_labels = None
depends_on = None

FIRST_RUN = "supersedes_run_id IS NULL"
APPEND_ONLY = ('audit_runs', 'finding_transitions')


def _tables() -> None:
    op.create_table(
        'audit_runs',
        sa.Column('run_id', sa.String(40), primary_key=True),
        sa.Column('run_key', sa.String(120), nullable=False),
        sa.Column('admdvs', sa.String(6), nullable=False),
        sa.Column('begndate', sa.Date(), nullable=False),
        sa.Column('enddate', sa.Date(), nullable=False),
        sa.Column('package_version', sa.String(60), nullable=False),
        sa.Column('supersedes_run_id', sa.String(40), nullable=True),
        sa.Column('findings', sa.Integer(), nullable=False),
        sa.Column('ran_at', sa.DateTime(), nullable=False),
        sa.Column('ran_by', sa.String(200), nullable=False),
        sa.UniqueConstraint('supersedes_run_id', name='uq_audit_runs_supersedes'),
    )
    op.create_index('uq_audit_runs_first', 'audit_runs', ['run_key'], unique=True,
                    sqlite_where=sa.text(FIRST_RUN), postgresql_where=sa.text(FIRST_RUN))
    op.create_table(
        'finding_transitions',
        sa.Column('finding_id', sa.String(30), primary_key=True),
        sa.Column('seq', sa.Integer(), primary_key=True),
        sa.Column('from_status', sa.String(12), nullable=False),
        sa.Column('to_status', sa.String(12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('by', sa.String(200), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('seq >= 1', name='ck_finding_transitions_seq'),
        sa.CheckConstraint("to_status IN ('checking', 'confirmed', 'dismissed', 'appealed')",
                           name='ck_finding_transitions_status'),
    )
    op.create_index('ix_audit_findings_run', 'audit_findings', ['run_id'])


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION supervision_history_fixed() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'supervision history is never changed or deleted'; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION supervision_history_fixed()")
        return
    for table in APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, 'supervision history is never changed or deleted'); END")


def upgrade() -> None:
    _tables()
    _append_only()


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table in APPEND_ONLY:
        if postgresql:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_delete')
    if postgresql:
        op.execute('DROP FUNCTION supervision_history_fixed()')
    op.drop_index('ix_audit_findings_run', table_name='audit_findings')
    op.drop_table('finding_transitions')
    op.drop_index('uq_audit_runs_first', table_name='audit_runs')
    op.drop_table('audit_runs')
