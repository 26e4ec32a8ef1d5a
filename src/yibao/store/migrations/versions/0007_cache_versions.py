"""cache versions: the catalogue's, bumped by every catalogue import

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'cache_versions',
        sa.Column('name', sa.String(length=30), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_cache_versions'),
    )
    op.bulk_insert(table, [{'name': 'catalogue', 'version': 0}])


def downgrade() -> None:
    op.drop_table('cache_versions')
