"""exchanged files, catalogue row versions, national code lists, institutions' list mappings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00

- ``exchange_files``: what 9101 uploads and 13xx downloads produce, fetched once with 9102
  before it expires.
- ``ver`` on hilist, lmtpric and selfpay: the catalogue version of the import that last wrote
  the row, so a 13xx download answers the rows written after the version a HIS has. Rows
  present before this revision get one new version (the counter is bumped once here), so a
  HIS asking from version 0 receives them.
- ``code_lists``: the diagnosis (1307) and procedure (1308) catalogues and the other national
  code lists (1309–1315).
- ``list_mappings``: an institution's list codes mapped to national codes (3301/3302), with a
  cache version ``mappings`` bumped by trigger, as migration 0008 does for policies, so a
  worker's remembered mappings are used only while no mapping changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CATALOGUE_TABLES = ('hilist', 'lmtpric', 'selfpay')


def _versions_of_existing_rows() -> None:
    for table in CATALOGUE_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('ver', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE cache_versions SET version = version + 1 WHERE name = 'catalogue'")
    for table in CATALOGUE_TABLES:
        op.execute(f"UPDATE {table} SET ver = (SELECT version FROM cache_versions WHERE name = 'catalogue')")
    op.create_index('ix_hilist_ver', 'hilist', ['ver'], unique=False)


def _code_lists() -> None:
    op.create_table(
        'code_lists',
        sa.Column('list_kind', sa.String(length=20), nullable=False),
        sa.Column('code', sa.String(length=50), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('cgy_code', sa.String(length=50), server_default='', nullable=False),
        sa.Column('vali_flag', sa.String(length=1), server_default='1', nullable=False),
        sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
        sa.Column('ver', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('list_kind', 'code', name='pk_code_lists'),
    )
    op.create_index('ix_code_lists_ver', 'code_lists', ['list_kind', 'ver'], unique=False)


def _exchange_files() -> None:
    op.create_table(
        'exchange_files',
        sa.Column('file_qury_no', sa.String(length=30), nullable=False),
        sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('origin', sa.String(length=12), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_msgid', sa.String(length=40), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('downloaded_at', sa.DateTime(), nullable=True),
        sa.Column('downloaded_msgid', sa.String(length=40), nullable=True),
        sa.Column('purged_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('(downloaded_at IS NULL) = (downloaded_msgid IS NULL)', name='ck_exchange_files_download'),
        sa.CheckConstraint('expires_at > created_at', name='ck_exchange_files_expiry'),
        sa.PrimaryKeyConstraint('file_qury_no', name='pk_exchange_files'),
    )
    op.create_index('ix_exchange_files_inst', 'exchange_files', ['fixmedins_code'], unique=False)


def _list_mappings() -> None:
    op.create_table(
        'list_mappings',
        sa.Column('map_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
        sa.Column('medins_list_codg', sa.String(length=150), nullable=False),
        sa.Column('medins_list_name', sa.String(length=200), nullable=False),
        sa.Column('list_type', sa.String(length=30), nullable=False),
        sa.Column('med_list_codg', sa.String(length=50), nullable=False),
        sa.Column('begndate', sa.Date(), nullable=False),
        sa.Column('enddate', sa.Date(), nullable=True),
        sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_msgid', sa.String(length=40), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_msgid', sa.String(length=40), nullable=True),
        sa.CheckConstraint('(revoked_at IS NULL) = (revoked_msgid IS NULL)', name='ck_list_mappings_revoked'),
        sa.PrimaryKeyConstraint('map_id', name='pk_list_mappings'),
    )
    op.create_index('uq_list_mappings_active', 'list_mappings', ['fixmedins_code', 'medins_list_codg'], unique=True,
                    sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))


def _mapping_version() -> None:
    versions = sa.table('cache_versions', sa.column('name', sa.String), sa.column('version', sa.BigInteger))
    op.bulk_insert(versions, [{'name': 'mappings', 'version': 0}])
    if op.get_bind().dialect.name == 'postgresql':
        # bump_cache_version() is migration 0008's
        op.execute("CREATE TRIGGER list_mappings_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON list_mappings "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version('mappings')")
    else:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER list_mappings_bump_version_{event.lower()} AFTER {event} ON list_mappings "
                       "BEGIN UPDATE cache_versions SET version = version + 1 WHERE name = 'mappings'; END")


def upgrade() -> None:
    _versions_of_existing_rows()
    _code_lists()
    _exchange_files()
    _list_mappings()
    _mapping_version()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER list_mappings_bump_version ON list_mappings")
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER list_mappings_bump_version_{event}")
    op.execute("DELETE FROM cache_versions WHERE name = 'mappings'")
    op.drop_table('list_mappings')
    op.drop_table('exchange_files')
    op.drop_table('code_lists')
    op.drop_index('ix_hilist_ver', table_name='hilist')
    for table in CATALOGUE_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('ver')
