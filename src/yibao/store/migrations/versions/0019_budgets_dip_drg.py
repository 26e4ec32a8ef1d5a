"""payment methods: the method per institution and year, total budgets and their advances, the
year-end settlements of budgets, DIP and DRG, and the regions' DIP/DRG tables

Revision ID: 0019
Revises: 0021
Create Date: 2026-12-20 09:00:00

Every table is appended to, never rewritten: triggers refuse UPDATE and DELETE. A month's
advance is paid once (unique institution, year, month); a year is settled once per institution
(partial unique index on the first settlement), a correction is a new opposite row and a later
settlement follows it (docs/payment-methods.md, docs/locking.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0021'
branch_labels = None
depends_on = None

METHODS = "'total_budget', 'dip', 'drg', 'per_diem', 'fee_for_service'"
TABLES = ('payment_method_records', 'budgets', 'budget_advances', 'payment_results', 'payment_tables')
FIRST = "kind = 'settlement' AND follows_correction_id IS NULL"


def _fk(table: str, column: str, target: str = 'institutions', target_column: str = 'fixmedins_code'):
    return sa.ForeignKeyConstraint([column], [f'{target}.{target_column}'], name=op.f(f'fk_{table}_{column}_{target}'))


def _recorded() -> list:
    return [sa.Column('actor', sa.String(200), nullable=False), sa.Column('recorded_at', sa.DateTime(), nullable=False)]


def _method_records_and_budgets() -> None:
    op.create_table(
        'payment_method_records',
        sa.Column('record_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('fixmedins_code', sa.String(30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(20), nullable=False),
        sa.Column('reason', sa.Text(), server_default='', nullable=False),
        *_recorded(),
        sa.CheckConstraint(f'method IN ({METHODS})', name='ck_payment_method_records_method'),
        _fk('payment_method_records', 'fixmedins_code'),
        sa.PrimaryKeyConstraint('record_id', name=op.f('pk_payment_method_records')),
    )
    op.create_index('ix_payment_method_records_key', 'payment_method_records', ['fixmedins_code', 'year'])
    op.create_table(
        'budgets',
        sa.Column('budget_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('fixmedins_code', sa.String(30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.Text(), server_default='', nullable=False),
        *_recorded(),
        sa.CheckConstraint('amount_fen >= 0', name='ck_budgets_amount'),
        _fk('budgets', 'fixmedins_code'),
        sa.PrimaryKeyConstraint('budget_id', name=op.f('pk_budgets')),
    )
    op.create_index('ix_budgets_key', 'budgets', ['fixmedins_code', 'year'])


def _advances() -> None:
    op.create_table(
        'budget_advances',
        sa.Column('advance_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('fixmedins_code', sa.String(30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('budget_id', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('withheld_fen', sa.BigInteger(), nullable=False),
        *_recorded(),
        sa.CheckConstraint('month BETWEEN 1 AND 12', name='ck_budget_advances_month'),
        sa.CheckConstraint('withheld_fen BETWEEN 0 AND amount_fen', name='ck_budget_advances_withheld'),
        _fk('budget_advances', 'fixmedins_code'),
        _fk('budget_advances', 'budget_id', 'budgets', 'budget_id'),
        sa.PrimaryKeyConstraint('advance_id', name=op.f('pk_budget_advances')),
        sa.UniqueConstraint('fixmedins_code', 'year', 'month', name='uq_budget_advances_month'),
    )


def _results() -> None:
    op.create_table(
        'payment_results',
        sa.Column('result_id', sa.String(30), nullable=False),
        sa.Column('fixmedins_code', sa.String(30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(20), nullable=False),
        sa.Column('kind', sa.String(12), nullable=False),
        sa.Column('corrects_id', sa.String(30), nullable=True),
        sa.Column('follows_correction_id', sa.String(30), nullable=True),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), server_default='', nullable=False),
        *_recorded(),
        sa.CheckConstraint(f'method IN ({METHODS})', name='ck_payment_results_method'),
        sa.CheckConstraint("kind IN ('settlement', 'correction')", name='ck_payment_results_kind'),
        sa.CheckConstraint("(kind = 'correction') = (corrects_id IS NOT NULL)", name='ck_payment_results_corrects'),
        _fk('payment_results', 'fixmedins_code'),
        _fk('payment_results', 'corrects_id', 'payment_results', 'result_id'),
        _fk('payment_results', 'follows_correction_id', 'payment_results', 'result_id'),
        sa.PrimaryKeyConstraint('result_id', name=op.f('pk_payment_results')),
        sa.UniqueConstraint('corrects_id', name=op.f('uq_payment_results_corrects_id')),
        sa.UniqueConstraint('follows_correction_id', name=op.f('uq_payment_results_follows_correction_id')),
    )
    op.create_index('uq_payment_results_first', 'payment_results', ['fixmedins_code', 'year'], unique=True,
                    sqlite_where=sa.text(FIRST), postgresql_where=sa.text(FIRST))
    op.create_index('ix_payment_results_key', 'payment_results', ['fixmedins_code', 'year'])


def _tables() -> None:
    op.create_table(
        'payment_tables',
        sa.Column('table_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('admdvs', sa.String(6), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(8), nullable=False),
        sa.Column('source', sa.String(60), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        *_recorded(),
        sa.CheckConstraint("method IN ('dip', 'drg')", name='ck_payment_tables_method'),
        sa.PrimaryKeyConstraint('table_id', name=op.f('pk_payment_tables')),
    )
    op.create_index('ix_payment_tables_key', 'payment_tables', ['admdvs', 'year', 'method'])


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION payment_methods_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION payment_methods_append_only()")
        return
    for table in TABLES:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _method_records_and_budgets()
    _advances()
    _results()
    _tables()
    _append_only()


def downgrade() -> None:
    bind = op.get_bind()
    moved = bind.execute(sa.text('SELECT COUNT(*) FROM budget_advances')).scalar_one()
    moved += bind.execute(sa.text('SELECT COUNT(*) FROM payment_results')).scalar_one()
    if moved:
        raise RuntimeError('payment-method money was posted; refusing to drop its tables')
    for table in reversed(TABLES):
        op.drop_table(table)
    if bind.dialect.name == 'postgresql':
        op.execute('DROP FUNCTION payment_methods_append_only()')
