"""医保电子凭证: vouchers, their suspensions and resumptions, the database's token key

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-12 09:00:00

A voucher is issued once per person at activation (unique psn_no); its state is a chain of
append-only rows per voucher (primary key voucher_id, seq), so two agencies suspending at once
collide instead of both writing "the next" state, and the history is never rewritten (triggers
refuse UPDATE and DELETE). evoucher_keys holds one random token key for databases run without
YIBAO_SECRET_KEY (demo, tests); with the platform key it stays empty (docs/evoucher.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

APPEND_ONLY = ('evouchers', 'evoucher_states', 'evoucher_keys')


def _tables() -> None:
    op.create_table(
        'evouchers',
        sa.Column('voucher_id', sa.String(30), nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('activated_at', sa.DateTime(), nullable=False),
        sa.Column('activated_by', sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint('voucher_id', name=op.f('pk_evouchers')),
        sa.UniqueConstraint('psn_no', name='uq_evouchers_psn_no'),
    )
    with op.batch_alter_table('evouchers', schema=None) as batch_op:
        batch_op.create_index('ix_evouchers_region', ['insuplc_admdvs'], unique=False)
    op.create_table(
        'evoucher_states',
        sa.Column('voucher_id', sa.String(30), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(10), nullable=False),
        sa.Column('reason', sa.String(200), server_default='', nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('changed_by', sa.String(200), nullable=False),
        sa.CheckConstraint("state IN ('active', 'suspended')", name='ck_evoucher_states_state'),
        sa.CheckConstraint('seq >= 1', name='ck_evoucher_states_seq'),
        sa.PrimaryKeyConstraint('voucher_id', 'seq', name=op.f('pk_evoucher_states')),
    )
    op.create_table(
        'evoucher_keys',
        sa.Column('key_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('key_b64', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('key_id = 1', name='ck_evoucher_keys_one'),
        sa.PrimaryKeyConstraint('key_id', name=op.f('pk_evoucher_keys')),
    )


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION evouchers_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION evouchers_append_only()")
        return
    for table in APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _tables()
    _append_only()


def downgrade() -> None:
    # No money moved through vouchers; dropping them loses activations, which an agency can
    # redo, and every token issued stops verifying.
    for table in ('evoucher_keys', 'evoucher_states', 'evouchers'):
        op.drop_table(table)  # indexes and triggers go with them
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION evouchers_append_only()')
