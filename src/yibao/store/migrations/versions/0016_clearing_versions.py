"""clearing statements append-only: versions, supplementary statements, provisional runs, actors

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-14 09:00:00

A month may now have several statements per region pair: the month's statement (sequence 0)
and supplementary statements (1, 2 …) for settlements and reversals of the month that arrive
after an earlier statement was confirmed. A re-run before confirmation writes a new version and
marks the earlier one ``superseded`` instead of overwriting its figures, so the pair's unique
constraint becomes one live statement per (month, pair, sequence). A statement of a month not
yet ended is ``provisional`` and cannot be confirmed. Confirmations and the payment name their
actor. Triggers refuse changing a statement's figures and deleting a statement (docs/fund-flows.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None

FIGURES = ('month', 'insuplc_admdvs', 'mdtrtarea_admvs', 'setl_cnt', 'medfee_sumamt_fen', 'fund_pay_sumamt_fen',
           'acct_pay_fen', 'psn_cash_pay_fen', 'clearing_amount_fen', 'sequence', 'version', 'provisional')
LIVE = "status <> 'superseded'"


def _columns() -> None:
    with op.batch_alter_table('clearing_statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('supersedes', sa.String(30), nullable=True))
        batch_op.add_column(sa.Column('provisional', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('insured_confirmed_by', sa.String(200), nullable=True))
        batch_op.add_column(sa.Column('treatment_confirmed_by', sa.String(200), nullable=True))
        batch_op.add_column(sa.Column('paid_by', sa.String(200), nullable=True))
        batch_op.drop_constraint('uq_clearing_statements_pair', type_='unique')
        batch_op.create_unique_constraint('uq_clearing_statements_version',
                                          ['month', 'insuplc_admdvs', 'mdtrtarea_admvs', 'sequence', 'version'])
        batch_op.create_check_constraint(
            'ck_clearing_statements_status', "status IN ('generated', 'confirmed', 'paid', 'superseded')")
    op.create_index('uq_clearing_statements_live', 'clearing_statements',
                    ['month', 'insuplc_admdvs', 'mdtrtarea_admvs', 'sequence'], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    # one open (unconfirmed) statement per pair and month: a re-run supersedes it, never adds a second
    op.create_index('uq_clearing_statements_open', 'clearing_statements',
                    ['month', 'insuplc_admdvs', 'mdtrtarea_admvs'], unique=True,
                    sqlite_where=sa.text("status = 'generated'"), postgresql_where=sa.text("status = 'generated'"))


def _figures_fixed() -> None:
    columns = ', '.join(FIGURES)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION clearing_statements_fixed() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'a clearing statement''s figures are never changed or deleted'; END $$")
        op.execute(f"CREATE TRIGGER clearing_statements_no_change BEFORE UPDATE OF {columns} ON clearing_statements "
                   "FOR EACH ROW EXECUTE FUNCTION clearing_statements_fixed()")
        op.execute("CREATE TRIGGER clearing_statements_no_delete BEFORE DELETE ON clearing_statements "
                   "FOR EACH ROW EXECUTE FUNCTION clearing_statements_fixed()")
        return
    op.execute(f"CREATE TRIGGER clearing_statements_no_change BEFORE UPDATE OF {columns} ON clearing_statements "
               "BEGIN SELECT RAISE(ABORT, 'a clearing statement''s figures are never changed'); END")
    op.execute("CREATE TRIGGER clearing_statements_no_delete BEFORE DELETE ON clearing_statements "
               "BEGIN SELECT RAISE(ABORT, 'a clearing statement is never deleted'); END")


def upgrade() -> None:
    _columns()
    _figures_fixed()


def downgrade() -> None:
    several = op.get_bind().execute(sa.text(
        'SELECT count(*) FROM clearing_statements WHERE sequence > 0 OR version > 1')).scalar_one()
    if several:
        raise RuntimeError(f'{several} supplementary or superseded statements; a downgrade would lose them '
                           '(restore a backup instead)')
    op.execute('DROP TRIGGER IF EXISTS clearing_statements_no_change' + (
        ' ON clearing_statements' if op.get_bind().dialect.name == 'postgresql' else ''))
    op.execute('DROP TRIGGER IF EXISTS clearing_statements_no_delete' + (
        ' ON clearing_statements' if op.get_bind().dialect.name == 'postgresql' else ''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION clearing_statements_fixed()')
    op.drop_index('uq_clearing_statements_open', table_name='clearing_statements')
    op.drop_index('uq_clearing_statements_live', table_name='clearing_statements')
    with op.batch_alter_table('clearing_statements', schema=None) as batch_op:
        batch_op.drop_constraint('ck_clearing_statements_status', type_='check')
        batch_op.drop_constraint('uq_clearing_statements_version', type_='unique')
        batch_op.create_unique_constraint('uq_clearing_statements_pair', ['month', 'insuplc_admdvs', 'mdtrtarea_admvs'])
        for column in ('paid_by', 'treatment_confirmed_by', 'insured_confirmed_by', 'superseded_at', 'provisional',
                       'supersedes', 'version', 'sequence'):
            batch_op.drop_column(column)
