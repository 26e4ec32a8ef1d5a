"""monthly partitions of the request log and the ledger postings (PostgreSQL)

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-28 09:00:00

On PostgreSQL the request log becomes a table partitioned by month of ``received_at`` and the
ledger postings one partitioned by month of the new ``posted_on`` (the day written; existing
postings take their entry's day). The request log's key (institution, msgid) moves to the
non-partitioned ``request_keys`` table, filled by a trigger, so a msgid stays unique across
months (a partitioned table's unique keys must contain the partition key). SQLite only gains
``posted_on``. See store/partitions.py and docs/partitions.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0023'
branch_labels = None
depends_on = None

REQUEST_KEY_TRIGGER = """
CREATE FUNCTION yibao_request_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- the global key: a second (institution, msgid) fails here as it failed on the old primary key
    INSERT INTO request_keys (fixmedins_code, msgid) VALUES (NEW.fixmedins_code, NEW.msgid);
    RETURN NEW;
END $$;
CREATE TRIGGER request_log_key BEFORE INSERT ON request_log FOR EACH ROW EXECUTE FUNCTION yibao_request_key();
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        with op.batch_alter_table('ledger_postings', recreate='always') as batch_op:
            batch_op.add_column(sa.Column('posted_on', sa.Date(), nullable=False, server_default=sa.text('CURRENT_DATE')))
        op.execute("UPDATE ledger_postings SET posted_on = (SELECT date(e.created_at) FROM ledger_entries e "
                   "WHERE e.entry_id = ledger_postings.entry_id) WHERE entry_id IN (SELECT entry_id FROM ledger_entries)")
        return
    from yibao.store.partitions import create_for_existing_rows

    _partition_request_log()
    _partition_ledger_postings()
    for table in ("request_log", "ledger_postings"):
        create_for_existing_rows(bind, table)


def _partition_request_log() -> None:
    op.execute("ALTER TABLE request_log RENAME TO request_log_unpartitioned")
    op.execute("ALTER TABLE request_log_unpartitioned RENAME CONSTRAINT pk_request_log TO pk_request_log_unpartitioned")
    op.execute("CREATE TABLE request_keys (fixmedins_code VARCHAR(30) NOT NULL, msgid VARCHAR(40) NOT NULL, "
               "CONSTRAINT pk_request_keys PRIMARY KEY (fixmedins_code, msgid))")
    op.execute("INSERT INTO request_keys SELECT fixmedins_code, msgid FROM request_log_unpartitioned")
    op.execute("CREATE TABLE request_log (LIKE request_log_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
               "CONSTRAINT pk_request_log PRIMARY KEY (fixmedins_code, msgid, received_at)) PARTITION BY RANGE (received_at)")
    op.execute("CREATE TABLE request_log_default PARTITION OF request_log DEFAULT")
    op.execute("INSERT INTO request_log SELECT * FROM request_log_unpartitioned")
    op.execute("DROP TABLE request_log_unpartitioned")
    op.execute(REQUEST_KEY_TRIGGER)


def _partition_ledger_postings() -> None:
    op.execute("ALTER TABLE ledger_postings RENAME TO ledger_postings_unpartitioned")
    op.execute("ALTER TABLE ledger_postings_unpartitioned RENAME CONSTRAINT pk_ledger_postings TO pk_ledger_postings_unpartitioned")
    op.execute("ALTER INDEX ix_ledger_postings_account RENAME TO ix_ledger_postings_unpartitioned_account")
    op.execute("ALTER INDEX ix_ledger_postings_entry RENAME TO ix_ledger_postings_unpartitioned_entry")
    # the ids keep coming from the same sequence; it must outlive the old table
    op.execute("ALTER SEQUENCE ledger_postings_posting_id_seq OWNED BY NONE")
    op.execute("CREATE TABLE ledger_postings (posting_id INTEGER NOT NULL DEFAULT nextval('ledger_postings_posting_id_seq'), "
               "entry_id INTEGER NOT NULL, account VARCHAR(80) NOT NULL, amount_fen BIGINT NOT NULL, "
               "posted_on DATE NOT NULL DEFAULT CURRENT_DATE, "
               "CONSTRAINT pk_ledger_postings PRIMARY KEY (posting_id, posted_on)) PARTITION BY RANGE (posted_on)")
    op.execute("CREATE TABLE ledger_postings_default PARTITION OF ledger_postings DEFAULT")
    op.execute("INSERT INTO ledger_postings (posting_id, entry_id, account, amount_fen, posted_on) "
               "SELECT p.posting_id, p.entry_id, p.account, p.amount_fen, COALESCE(e.created_at::date, CURRENT_DATE) "
               "FROM ledger_postings_unpartitioned p LEFT JOIN ledger_entries e ON e.entry_id = p.entry_id")
    op.execute("DROP TABLE ledger_postings_unpartitioned")
    op.execute("ALTER SEQUENCE ledger_postings_posting_id_seq OWNED BY ledger_postings.posting_id")
    op.execute("CREATE INDEX ix_ledger_postings_account ON ledger_postings (account)")
    op.execute("CREATE INDEX ix_ledger_postings_entry ON ledger_postings (entry_id)")


def downgrade() -> None:
    raise NotImplementedError("0026 is not reversible: restore from a backup taken before `yibao db upgrade`")
