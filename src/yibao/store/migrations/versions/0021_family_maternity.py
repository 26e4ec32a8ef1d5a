"""family account bindings (亲情账户) and maternity allowances (生育津贴)

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-20 09:00:00

``family_bindings``: an employee (the owner) lets a close relative (近亲属) draw on the personal
account (domain-rules §2.3). A binding and its end are dated records: an unbinding is a new row
naming the binding it ends (``unbinds``, unique: a binding ends once), never a deletion. The
order of the rows (``binding_id``) is the order the binders pay in. The import's legacy
``persons.family_psn_no`` link becomes one binding each (relation ``unstated``).

``maternity_filings``: 生育登记, a dated period in which the person's maternity visits settle
where the policy requires a filing. ``visits`` gains ``matn_type`` and ``birctrl_type``.

``maternity_allowances``: one 生育津贴 per person and delivery date (unique), with the figures it
was computed from; the payment itself is a ledger entry. Both tables are append-only (triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0017'
branch_labels = None
depends_on = None

APPEND_ONLY = ('family_bindings', 'maternity_allowances', 'maternity_filings')
RELATIONS = "'spouse', 'parent', 'child', 'sibling', 'grandparent', 'grandchild', 'unstated'"


def _family_bindings() -> None:
    op.create_table(
        'family_bindings',
        sa.Column('binding_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(6), nullable=False),
        sa.Column('owner_psn_no', sa.String(30), nullable=False),
        sa.Column('relative_psn_no', sa.String(30), nullable=False),
        sa.Column('relation', sa.String(12), nullable=False),
        sa.Column('unbinds', sa.Integer(), nullable=True),
        sa.Column('begndate', sa.Date(), nullable=True),
        sa.Column('source', sa.String(12), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('bind', 'unbind')", name='ck_family_bindings_kind'),
        sa.CheckConstraint(f"relation IN ({RELATIONS})", name='ck_family_bindings_relation'),
        sa.CheckConstraint('owner_psn_no <> relative_psn_no', name='ck_family_bindings_not_self'),
        sa.CheckConstraint("(kind = 'unbind') = (unbinds IS NOT NULL)", name='ck_family_bindings_unbinds'),
        sa.ForeignKeyConstraint(['owner_psn_no'], ['persons.psn_no'], name='fk_family_bindings_owner'),
        sa.ForeignKeyConstraint(['relative_psn_no'], ['persons.psn_no'], name='fk_family_bindings_relative'),
        sa.ForeignKeyConstraint(['unbinds'], ['family_bindings.binding_id'], name='fk_family_bindings_unbinds'),
        sa.PrimaryKeyConstraint('binding_id', name=op.f('pk_family_bindings')),
        sa.UniqueConstraint('unbinds', name='uq_family_bindings_unbinds'),
    )
    op.create_index('ix_family_bindings_relative', 'family_bindings', ['relative_psn_no'])
    op.create_index('ix_family_bindings_owner', 'family_bindings', ['owner_psn_no'])
    op.execute("INSERT INTO family_bindings (kind, owner_psn_no, relative_psn_no, relation, source, actor, recorded_at) "
               "SELECT 'bind', family_psn_no, psn_no, 'unstated', 'import', 'migration 0021', CURRENT_TIMESTAMP "
               "FROM persons WHERE family_psn_no IS NOT NULL AND family_psn_no <> psn_no ORDER BY psn_no")


def _maternity_allowances() -> None:
    op.create_table(
        'maternity_allowances',
        sa.Column('allowance_id', sa.String(30), nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('policy_id', sa.Integer(), nullable=False),
        sa.Column('delivery_date', sa.Date(), nullable=False),
        sa.Column('delivery_type', sa.String(20), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('avg_monthly_wage_fen', sa.BigInteger(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('days > 0 AND amount_fen >= 0 AND avg_monthly_wage_fen >= 0',
                           name='ck_maternity_allowances_amounts'),
        sa.ForeignKeyConstraint(['psn_no'], ['persons.psn_no'], name='fk_maternity_allowances_psn_no'),
        sa.PrimaryKeyConstraint('allowance_id', name=op.f('pk_maternity_allowances')),
        sa.UniqueConstraint('psn_no', 'delivery_date', name='uq_maternity_allowances_delivery'),
    )


def _maternity_filings() -> None:
    op.create_table(
        'maternity_filings',
        sa.Column('filing_id', sa.String(30), nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('begndate', sa.Date(), nullable=False),
        sa.Column('enddate', sa.Date(), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('enddate >= begndate', name='ck_maternity_filings_period'),
        sa.ForeignKeyConstraint(['psn_no'], ['persons.psn_no'], name='fk_maternity_filings_psn_no'),
        sa.PrimaryKeyConstraint('filing_id', name=op.f('pk_maternity_filings')),
    )
    op.create_index('ix_maternity_filings_psn_no', 'maternity_filings', ['psn_no'])


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION family_maternity_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION family_maternity_append_only()")
        return
    for table in APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _visit_columns() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matn_type', sa.String(6), nullable=True))
        batch_op.add_column(sa.Column('birctrl_type', sa.String(6), nullable=True))


def upgrade() -> None:
    _visit_columns()
    _family_bindings()
    _maternity_allowances()
    _maternity_filings()
    _append_only()


def downgrade() -> None:
    # The allowances' money stays in the ledger; the bindings fall back to persons.family_psn_no.
    for table in ('maternity_filings', 'maternity_allowances', 'family_bindings'):
        op.drop_table(table)
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('birctrl_type')
        batch_op.drop_column('matn_type')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION family_maternity_append_only()')
