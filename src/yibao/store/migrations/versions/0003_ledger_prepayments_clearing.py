"""ledger, prepayments, clearing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 07:13:39.786703
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('clearing_applications',
    sa.Column('clr_appy_evt_id', sa.String(length=30), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('clr_type', sa.String(length=6), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=False),
    sa.Column('setl_cnt', sa.Integer(), nullable=False),
    sa.Column('medfee_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_pay_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('clr_appy_evt_id', name=op.f('pk_clearing_applications'))
    )
    op.create_table('clearing_items',
    sa.Column('setl_id', sa.String(length=30), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('insuplc_admdvs', sa.String(length=6), nullable=False),
    sa.Column('mdtrtarea_admvs', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('setl_id', name=op.f('pk_clearing_items'))
    )
    with op.batch_alter_table('clearing_items', schema=None) as batch_op:
        batch_op.create_index('ix_clearing_items_month', ['month', 'insuplc_admdvs', 'mdtrtarea_admvs'], unique=False)

    op.create_table('clearing_statements',
    sa.Column('statement_id', sa.String(length=30), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('insuplc_admdvs', sa.String(length=6), nullable=False),
    sa.Column('mdtrtarea_admvs', sa.String(length=6), nullable=False),
    sa.Column('setl_cnt', sa.Integer(), nullable=False),
    sa.Column('medfee_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_pay_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('psn_cash_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('clearing_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('insured_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('treatment_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('statement_id', name=op.f('pk_clearing_statements')),
    sa.UniqueConstraint('month', 'insuplc_admdvs', 'mdtrtarea_admvs', name='uq_clearing_statements_pair')
    )
    op.create_table('ledger_entries',
    sa.Column('entry_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_ref', ['ref'], unique=False)

    op.create_table('ledger_postings',
    sa.Column('posting_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('posting_id', name=op.f('pk_ledger_postings'))
    )
    with op.batch_alter_table('ledger_postings', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_postings_account', ['account'], unique=False)
        batch_op.create_index('ix_ledger_postings_entry', ['entry_id'], unique=False)

    op.create_table('prepayments',
    sa.Column('prepay_id', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('insured_admdvs', sa.String(length=6), nullable=False),
    sa.Column('treatment_prov', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('basis_fen', sa.BigInteger(), nullable=False),
    sa.Column('months', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('prepay_id', name=op.f('pk_prepayments'))
    )
    with op.batch_alter_table('prepayments', schema=None) as batch_op:
        batch_op.create_index('ix_prepayments_pair', ['insured_admdvs', 'treatment_prov', 'year'], unique=False)

    _backfill_ledger()


def _backfill_ledger() -> None:
    """Settlements and account imports made before the ledger existed get their entries."""
    import datetime as dt

    from yibao.app.ledger import account_movement_entry, settlement_entry_for

    bind = op.get_bind()
    meta = sa.MetaData()
    settlements = sa.Table("settlements", meta, autoload_with=bind)
    accounts = sa.Table("account_entries", meta, autoload_with=bind)
    insurances = sa.Table("insurances", meta, autoload_with=bind)
    entries = sa.Table("ledger_entries", meta, autoload_with=bind)
    postings = sa.Table("ledger_postings", meta, autoload_with=bind)
    now = dt.datetime.now().replace(microsecond=0)

    def write(entry):
        if not entry.postings:
            return
        entry_id = bind.execute(sa.insert(entries).values(kind=entry.kind, ref=entry.ref, created_at=now)).inserted_primary_key[0]
        bind.execute(sa.insert(postings), [{"entry_id": entry_id, "account": p.account, "amount_fen": p.amount_fen}
                                           for p in entry.postings])

    for row in bind.execute(sa.select(settlements).order_by(settlements.c.setl_time)).mappings().all():
        write(settlement_entry_for(dict(row)))
    region = {r.psn_no: r.insuplc_admdvs for r in bind.execute(sa.select(insurances.c.psn_no, insurances.c.insuplc_admdvs))}
    for row in bind.execute(sa.select(accounts).where(accounts.c.setl_id.is_(None))).mappings().all():
        write(account_movement_entry(row["psn_no"], region.get(row["psn_no"], "000000"), row["amount_fen"],
                                     f"import:{row['psn_no']}"))


def downgrade() -> None:

    with op.batch_alter_table('prepayments', schema=None) as batch_op:
        batch_op.drop_index('ix_prepayments_pair')

    op.drop_table('prepayments')
    with op.batch_alter_table('ledger_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_postings_entry')
        batch_op.drop_index('ix_ledger_postings_account')

    op.drop_table('ledger_postings')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_ref')

    op.drop_table('ledger_entries')
    op.drop_table('clearing_statements')
    with op.batch_alter_table('clearing_items', schema=None) as batch_op:
        batch_op.drop_index('ix_clearing_items_month')

    op.drop_table('clearing_items')
    op.drop_table('clearing_applications')

