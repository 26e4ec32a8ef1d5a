"""action log: one row per write action, naming its actor

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 12:00:00

The table is append-only in the database too (triggers refuse UPDATE and DELETE, and
TRUNCATE on PostgreSQL): the log answers "who confirmed, who paid", so no code path, buggy
or not, may rewrite it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

REFUSAL = 'action_log is append-only'


def _append_only_sqlite() -> None:
    for event in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER action_log_no_{event.lower()} BEFORE {event} ON action_log "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def _append_only_postgresql() -> None:
    op.execute("CREATE FUNCTION action_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$")
    op.execute("CREATE TRIGGER action_log_no_change BEFORE UPDATE OR DELETE ON action_log "
               "FOR EACH ROW EXECUTE FUNCTION action_log_append_only()")
    op.execute("CREATE TRIGGER action_log_no_truncate BEFORE TRUNCATE ON action_log "
               "FOR EACH STATEMENT EXECUTE FUNCTION action_log_append_only()")


def upgrade() -> None:
    op.create_table('action_log',
    sa.Column('action_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_kind', sa.String(length=12), nullable=False),
    sa.Column('actor_party', sa.String(length=100), nullable=False),
    sa.Column('actor_ref', sa.String(length=60), server_default='', nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
    sa.CheckConstraint("actor_kind IN ('institution', 'agency', 'operator', 'system')", name='ck_action_log_actor_kind'),
    sa.PrimaryKeyConstraint('action_id', name=op.f('pk_action_log'))
    )
    with op.batch_alter_table('action_log', schema=None) as batch_op:
        batch_op.create_index('ix_action_log_subject', ['subject'], unique=False)
        batch_op.create_index('ix_action_log_at', ['at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        _append_only_postgresql()
    else:
        _append_only_sqlite()


def downgrade() -> None:
    op.drop_table('action_log')  # its indexes and triggers go with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION action_log_append_only()")
