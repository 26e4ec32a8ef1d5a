"""Enrollment, contributions, transfers between regions, personal-account crediting

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-20 09:00:00

insurances gains the dates the settlement path checks (enroll_date, benefit_begndate,
insu_enddate; NULL keeps an imported person entitled as before). enrollment_records keeps every
step of a person's insurance as a dated row; its constraints make one chain of periods per person
and insutype, a transfer-in beginning the day after the period it follows ended
(docs/enrollment.md, docs/locking.md). contributions, transfers, transfer_acceptances and
account_credits are append-only (triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None

APPEND_ONLY = ('enrollment_records', 'contributions', 'transfers', 'transfer_acceptances', 'account_credits')
PERIOD = "step IN ('enroll', 'transfer_in') AND follows_end_id IS NULL"


def _insurance_dates() -> None:
    with op.batch_alter_table('insurances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enroll_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('benefit_begndate', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('insu_enddate', sa.Date(), nullable=True))


def _enrollment_records() -> None:
    next_day = ("begndate = date(prev_enddate, '+1 day')" if op.get_bind().dialect.name == 'sqlite'
                else 'begndate = prev_enddate + 1')
    op.create_table(
        'enrollment_records',
        sa.Column('record_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insutype', sa.String(3), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('step', sa.String(12), nullable=False),
        sa.Column('enroll_kind', sa.String(10), nullable=True),
        sa.Column('psn_type', sa.String(6), nullable=True),
        sa.Column('emp_no', sa.String(30), nullable=True),
        sa.Column('begndate', sa.Date(), nullable=False),
        sa.Column('enddate', sa.Date(), nullable=True),
        sa.Column('benefit_begndate', sa.Date(), nullable=True),
        sa.Column('refers_to', sa.Integer(), nullable=True),
        sa.Column('follows_end_id', sa.Integer(), nullable=True),
        sa.Column('prev_enddate', sa.Date(), nullable=True),
        sa.Column('transfer_id', sa.String(30), nullable=True),
        sa.Column('reason', sa.String(200), server_default='', nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("step IN ('enroll', 'transfer_in', 'suspend', 'resume', 'end')",
                           name='ck_enrollment_records_step'),
        sa.CheckConstraint("(step IN ('enroll', 'transfer_in')) = (refers_to IS NULL)",
                           name='ck_enrollment_records_refers'),
        sa.CheckConstraint("(step = 'end') = (enddate IS NOT NULL)", name='ck_enrollment_records_enddate'),
        sa.CheckConstraint('(follows_end_id IS NULL) = (prev_enddate IS NULL)', name='ck_enrollment_records_follows'),
        sa.CheckConstraint("step <> 'transfer_in' OR follows_end_id IS NOT NULL", name='ck_enrollment_records_transfer'),
        sa.CheckConstraint('prev_enddate IS NULL OR begndate > prev_enddate', name='ck_enrollment_records_after'),
        sa.CheckConstraint(f"step <> 'transfer_in' OR {next_day}", name='ck_enrollment_records_next_day'),
        sa.ForeignKeyConstraint(['psn_no'], ['persons.psn_no'], name=op.f('fk_enrollment_records_psn_no_persons')),
        sa.ForeignKeyConstraint(['follows_end_id', 'psn_no', 'insutype', 'prev_enddate'],
                                ['enrollment_records.record_id', 'enrollment_records.psn_no',
                                 'enrollment_records.insutype', 'enrollment_records.enddate'],
                                name='fk_enrollment_records_follows'),
        sa.PrimaryKeyConstraint('record_id', name=op.f('pk_enrollment_records')),
        sa.UniqueConstraint('record_id', 'psn_no', 'insutype', 'enddate', name='uq_enrollment_records_end_key'),
        sa.UniqueConstraint('follows_end_id', name='uq_enrollment_records_follows_end_id'),
    )
    with op.batch_alter_table('enrollment_records', schema=None) as batch_op:
        batch_op.create_index('uq_enrollment_records_first', ['psn_no', 'insutype'], unique=True,
                              sqlite_where=sa.text(PERIOD), postgresql_where=sa.text(PERIOD))
        batch_op.create_index('uq_enrollment_records_ended_once', ['refers_to'], unique=True,
                              sqlite_where=sa.text("step = 'end'"), postgresql_where=sa.text("step = 'end'"))
        batch_op.create_index('ix_enrollment_records_psn', ['psn_no', 'insutype'], unique=False)


def _money_tables() -> None:
    op.create_table(
        'contributions',
        sa.Column('contribution_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insutype', sa.String(3), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('base_fen', sa.BigInteger(), nullable=True),
        sa.Column('emp_amt_fen', sa.BigInteger(), nullable=False),
        sa.Column('psn_amt_fen', sa.BigInteger(), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('emp_amt_fen >= 0 AND psn_amt_fen >= 0', name='ck_contributions_amounts'),
        sa.ForeignKeyConstraint(['psn_no'], ['persons.psn_no'], name=op.f('fk_contributions_psn_no_persons')),
        sa.PrimaryKeyConstraint('contribution_id', name=op.f('pk_contributions')),
        sa.UniqueConstraint('psn_no', 'insutype', 'month', name='uq_contributions_month'),
    )
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index('ix_contributions_month', ['month'], unique=False)
    op.create_table(
        'transfers',
        sa.Column('transfer_id', sa.String(30), nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insutype', sa.String(3), nullable=False),
        sa.Column('from_admdvs', sa.String(6), nullable=False),
        sa.Column('to_admdvs', sa.String(6), nullable=False),
        sa.Column('psn_type', sa.String(6), nullable=False),
        sa.Column('contribution_months', sa.Integer(), nullable=False),
        sa.Column('last_contribution_month', sa.String(7), nullable=True),
        sa.Column('acct_balance_fen', sa.BigInteger(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('issued_by', sa.String(200), nullable=False),
        sa.CheckConstraint('from_admdvs <> to_admdvs', name='ck_transfers_regions'),
        sa.CheckConstraint('acct_balance_fen >= 0 AND contribution_months >= 0', name='ck_transfers_amounts'),
        sa.ForeignKeyConstraint(['psn_no'], ['persons.psn_no'], name=op.f('fk_transfers_psn_no_persons')),
        sa.PrimaryKeyConstraint('transfer_id', name=op.f('pk_transfers')),
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index('ix_transfers_psn', ['psn_no'], unique=False)
    op.create_table(
        'transfer_acceptances',
        sa.Column('transfer_id', sa.String(30), nullable=False),
        sa.Column('begndate', sa.Date(), nullable=False),
        sa.Column('benefit_begndate', sa.Date(), nullable=False),
        sa.Column('enrollment_record_id', sa.Integer(), nullable=False),
        sa.Column('acct_moved_fen', sa.BigInteger(), nullable=False),
        sa.Column('pooled_fund_fen', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('accepted_at', sa.DateTime(), nullable=False),
        sa.Column('accepted_by', sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(['transfer_id'], ['transfers.transfer_id'],
                                name=op.f('fk_transfer_acceptances_transfer_id_transfers')),
        sa.PrimaryKeyConstraint('transfer_id', name=op.f('pk_transfer_acceptances')),
        sa.UniqueConstraint('enrollment_record_id', name='uq_transfer_acceptances_enrollment_record_id'),
    )
    op.create_table(
        'account_credits',
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('basis', sa.String(12), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('credited_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("basis IN ('share', 'retiree')", name='ck_account_credits_basis'),
        sa.CheckConstraint('amount_fen > 0', name='ck_account_credits_amount'),
        sa.ForeignKeyConstraint(['psn_no'], ['persons.psn_no'], name=op.f('fk_account_credits_psn_no_persons')),
        sa.PrimaryKeyConstraint('psn_no', 'month', name=op.f('pk_account_credits')),
    )


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION enrollment_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION enrollment_append_only()")
        return
    for table in APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _insurance_dates()
    _enrollment_records()
    _money_tables()
    _append_only()


def downgrade() -> None:
    # Money moved (account credits, transferred balances) cannot be un-recorded by a schema change.
    bind = op.get_bind()
    moved = bind.execute(sa.text('SELECT (SELECT count(*) FROM account_credits) + '
                                 '(SELECT count(*) FROM transfer_acceptances)')).scalar()
    if moved:
        raise RuntimeError('0020: personal-account money was credited or transferred; refusing to drop it')
    for table in ('account_credits', 'transfer_acceptances', 'transfers', 'contributions', 'enrollment_records'):
        op.drop_table(table)
    if bind.dialect.name == 'postgresql':
        op.execute('DROP FUNCTION enrollment_append_only()')
    with op.batch_alter_table('insurances', schema=None) as batch_op:
        batch_op.drop_column('insu_enddate')
        batch_op.drop_column('benefit_begndate')
        batch_op.drop_column('enroll_date')
