"""listing prices per region, procurement batches with their selected products, and the
catalogue recognitions two regions agree

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-22 09:00:00

Issue #18 item 3 (docs/prices.md): the products a region lists (挂网) with national code,
spec, maker, price and date, shared lists kept as the receiving region's own rows naming their
source; procurement batches (national, provincial, alliance) with their selected products,
agreed prices and volumes. Every table is appended to, never rewritten: a new price is a new
listing with a later date (triggers refuse UPDATE and DELETE). Issue #18 item 5: a recognition
(目录互认) of one region's catalogue entry by another, proposed by one agency and agreed by the
other, each step a dated row with its actor, agreed once and withdrawn once (primary key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0025'
branch_labels = None
depends_on = None

TABLES = ('listed_prices', 'procurement_batches', 'procurement_items', 'recognitions', 'recognition_steps')


def _recorded() -> list:
    return [sa.Column('actor', sa.String(200), nullable=False), sa.Column('recorded_at', sa.DateTime(), nullable=False)]


def _listings() -> None:
    op.create_table(
        'listed_prices',
        sa.Column('listing_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('admdvs', sa.String(6), nullable=False),
        sa.Column('national_code', sa.String(50), nullable=False),
        sa.Column('spec', sa.String(200), nullable=False, server_default=''),
        sa.Column('maker', sa.String(200), nullable=False, server_default=''),
        sa.Column('price', sa.String(24), nullable=False),
        sa.Column('listed_on', sa.Date(), nullable=False),
        sa.Column('source', sa.String(60), nullable=False),
        *_recorded(),
        sa.CheckConstraint("national_code <> ''", name='ck_listed_prices_code'),
        sa.PrimaryKeyConstraint('listing_id', name=op.f('pk_listed_prices')),
    )
    op.create_index('ix_listed_prices_region_code', 'listed_prices', ['admdvs', 'national_code'])


def _batches() -> None:
    op.create_table(
        'procurement_batches',
        sa.Column('batch_no', sa.String(40), nullable=False),
        sa.Column('level', sa.String(12), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('admdvs', sa.String(6), nullable=False),
        sa.Column('begndate', sa.Date(), nullable=False),
        *_recorded(),
        sa.CheckConstraint("level IN ('national', 'provincial', 'alliance')", name='ck_procurement_batches_level'),
        sa.PrimaryKeyConstraint('batch_no', name=op.f('pk_procurement_batches')),
    )
    op.create_table(
        'procurement_items',
        sa.Column('batch_no', sa.String(40), nullable=False),
        sa.Column('national_code', sa.String(50), nullable=False),
        sa.Column('agreed_price', sa.String(24), nullable=False),
        sa.Column('agreed_volume', sa.String(24), nullable=False),
        sa.ForeignKeyConstraint(['batch_no'], ['procurement_batches.batch_no'],
                                name=op.f('fk_procurement_items_batch_no_procurement_batches')),
        sa.PrimaryKeyConstraint('batch_no', 'national_code', name=op.f('pk_procurement_items')),
    )


def _recognitions() -> None:
    op.create_table(
        'recognitions',
        sa.Column('recognition_id', sa.String(20), nullable=False),
        sa.Column('from_admdvs', sa.String(6), nullable=False),
        sa.Column('to_admdvs', sa.String(6), nullable=False),
        sa.Column('hilist_code', sa.String(50), nullable=False),
        sa.Column('begndate', sa.Date(), nullable=False),
        sa.Column('proposed_by', sa.String(6), nullable=False),
        sa.Column('note', sa.Text(), nullable=False, server_default=''),
        *_recorded(),
        sa.CheckConstraint('from_admdvs <> to_admdvs', name='ck_recognitions_two_regions'),
        sa.CheckConstraint('proposed_by IN (from_admdvs, to_admdvs)', name='ck_recognitions_party'),
        sa.PrimaryKeyConstraint('recognition_id', name=op.f('pk_recognitions')),
    )
    op.create_index('ix_recognitions_to', 'recognitions', ['to_admdvs', 'hilist_code'])
    op.create_table(
        'recognition_steps',
        sa.Column('recognition_id', sa.String(20), nullable=False),
        sa.Column('step', sa.String(10), nullable=False),
        sa.Column('by_admdvs', sa.String(6), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False, server_default=''),
        *_recorded(),
        sa.CheckConstraint("step IN ('agree', 'withdraw')", name='ck_recognition_steps_step'),
        sa.ForeignKeyConstraint(['recognition_id'], ['recognitions.recognition_id'],
                                name=op.f('fk_recognition_steps_recognition_id_recognitions')),
        sa.PrimaryKeyConstraint('recognition_id', 'step', name=op.f('pk_recognition_steps')),
    )


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION prices_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION prices_append_only()")
        return
    for table in TABLES:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _listings()
    _batches()
    _recognitions()
    _append_only()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION prices_append_only()')
