"""institution authentication modes, sealed secrets and the signed-request replay key

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

Each institution authenticates at the gateway in one mode (nhsa-interface.md §1.1 and the
appendix): ``apikey`` (the secret in a header, checked against its salted hash; every existing
institution stays in it), ``x-tif`` (the provincial signature), ``api`` (the Jiangxi-style
``_api_*`` HMAC) or ``none`` (a front-end processor on a trusted network). The signature modes
never send the secret, so the server keeps it encrypted under the platform key
(``secret_sealed``). ``auth_nonces`` holds each accepted signed request's (timestamp, nonce,
signature) under a primary key: the same three again inside the timestamp window is a replay,
and the key refuses it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

MODES = "auth_mode IN ('apikey', 'x-tif', 'api', 'none')"


def upgrade() -> None:
    with op.batch_alter_table('institutions') as batch:
        batch.add_column(sa.Column('auth_mode', sa.String(length=8), nullable=False, server_default='apikey'))
        batch.add_column(sa.Column('secret_sealed', sa.String(length=255), nullable=True))
        batch.create_check_constraint('ck_institutions_auth_mode', MODES)
        # a signature mode cannot work without the secret it signs with
        batch.create_check_constraint(
            'ck_institutions_sealed_secret', "auth_mode NOT IN ('x-tif', 'api') OR secret_sealed IS NOT NULL")
    op.create_table(
        'auth_nonces',
        sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),  # the timestamp as signed (seconds, or ms for _api_)
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=128), nullable=False),
        sa.Column('expires_at', sa.BigInteger(), nullable=False),  # epoch seconds: outside the window from then on
        sa.ForeignKeyConstraint(['fixmedins_code'], ['institutions.fixmedins_code'],
                                name='fk_auth_nonces_fixmedins_code_institutions'),
        sa.PrimaryKeyConstraint('fixmedins_code', 'stamp', 'nonce', 'signature', name='pk_auth_nonces'),
    )
    op.create_index('ix_auth_nonces_expires_at', 'auth_nonces', ['fixmedins_code', 'expires_at'])


def downgrade() -> None:
    op.drop_index('ix_auth_nonces_expires_at', table_name='auth_nonces')
    op.drop_table('auth_nonces')
    with op.batch_alter_table('institutions') as batch:
        batch.drop_constraint('ck_institutions_sealed_secret', type_='check')
        batch.drop_constraint('ck_institutions_auth_mode', type_='check')
        batch.drop_column('secret_sealed')
        batch.drop_column('auth_mode')
