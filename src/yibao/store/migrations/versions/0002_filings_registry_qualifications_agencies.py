"""filings registry, qualifications, agencies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:03:40.878661
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('agencies',
    sa.Column('agency_code', sa.String(length=6), nullable=False),
    sa.Column('agency_name', sa.String(length=100), nullable=False),
    sa.Column('token_salt', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('agency_code', name=op.f('pk_agencies'))
    )
    op.create_table('qualifications',
    sa.Column('qual_no', sa.String(length=30), nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('insutype', sa.String(length=3), nullable=False),
    sa.Column('opsp_dise_code', sa.String(length=30), nullable=False),
    sa.Column('opsp_dise_name', sa.String(length=100), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('qual_no', name=op.f('pk_qualifications'))
    )
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.create_index('ix_qualifications_psn', ['psn_no'], unique=False)

    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_no', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('subtype', sa.String(length=30), server_default='', nullable=False))
        batch_op.add_column(sa.Column('commitment_letter', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='active', nullable=False))
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('replaces_filing_no', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=12), server_default='import', nullable=False))
        batch_op.add_column(sa.Column('created_by', sa.String(length=30), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_filings_filing_no'), ['filing_no'])
    # filings imported before this revision get a number
    op.execute("UPDATE filings SET filing_no = 'F' || CAST(filing_id AS VARCHAR(20)) WHERE filing_no IS NULL")

    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_no', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('adjustment', sa.String(length=40), server_default='', nullable=False))

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency', sa.Boolean(), server_default='0', nullable=False))


def downgrade() -> None:

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('emergency')

    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.drop_column('adjustment')
        batch_op.drop_column('filing_no')

    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_filings_filing_no'), type_='unique')
        batch_op.drop_column('created_by')
        batch_op.drop_column('source')
        batch_op.drop_column('replaces_filing_no')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('status')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('commitment_letter')
        batch_op.drop_column('subtype')
        batch_op.drop_column('filing_no')

    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.drop_index('ix_qualifications_psn')

    op.drop_table('qualifications')
    op.drop_table('agencies')

