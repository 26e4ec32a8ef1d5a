"""agencies' users with roles and their API tokens

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-20 09:00:00

Per-user accounts of an agency replace the one shared dashboard token (docs/users-and-roles.md):
each user has roles (clerk, auditor, accountant, administrator), a scrypt password hash and a
session epoch that ends the user's dashboard sessions; an API token belongs to a user and carries
its roles. The agencies' own tokens stay valid (deprecated).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'agency_users',
        sa.Column('user_id', sa.String(12), primary_key=True),
        sa.Column('agency_code', sa.String(6), sa.ForeignKey('agencies.agency_code'), nullable=False),
        sa.Column('username', sa.String(32), nullable=False),
        sa.Column('display_name', sa.String(100), nullable=False, server_default=''),
        sa.Column('roles', sa.String(60), nullable=False),
        sa.Column('password_hash', sa.String(200), nullable=False),
        sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(200), nullable=False),
        sa.Column('disabled_at', sa.DateTime(), nullable=True),
        sa.Column('disabled_by', sa.String(200), nullable=True),
        sa.CheckConstraint("roles <> ''", name='ck_agency_users_roles'),
        sa.UniqueConstraint('agency_code', 'username', name='uq_agency_users_name'),
    )
    op.create_table(
        'agency_user_tokens',
        sa.Column('token_id', sa.String(12), primary_key=True),
        sa.Column('user_id', sa.String(12), sa.ForeignKey('agency_users.user_id'), nullable=False),
        sa.Column('token_salt', sa.String(32), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(200), nullable=False),
    )
    op.create_index('ix_agency_user_tokens_user', 'agency_user_tokens', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_agency_user_tokens_user', table_name='agency_user_tokens')
    op.drop_table('agency_user_tokens')
    op.drop_table('agency_users')
