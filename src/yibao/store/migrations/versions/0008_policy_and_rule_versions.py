"""cache versions of policies, rule packages and sanctions, bumped by the database itself

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 15:00:00

Every worker keeps the policy in force, the audit rule packages and the sanctions in force it last
read, keyed by these
versions, which the gateway reads with each request's authentication (one round trip). Triggers
bump them on any change to ``policies`` or ``rule_packages``, so no import path, present or
future, can forget to: a new policy, rule package or sanction holds on every worker from the next request.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

VERSIONED = {'policies': 'policies', 'rule_packages': 'rules', 'sanctions': 'sanctions'}  # table -> cache_versions.name


def upgrade() -> None:
    versions = sa.table('cache_versions', sa.column('name', sa.String), sa.column('version', sa.BigInteger))
    op.bulk_insert(versions, [{'name': name, 'version': 0} for name in VERSIONED.values()])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION bump_cache_version() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN UPDATE cache_versions SET version = version + 1 WHERE name = TG_ARGV[0]; RETURN NULL; END $$")
        for table, name in VERSIONED.items():
            op.execute(f"CREATE TRIGGER {table}_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version('{name}')")
    else:
        for table, name in VERSIONED.items():
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER {table}_bump_version_{event.lower()} AFTER {event} ON {table} "
                           f"BEGIN UPDATE cache_versions SET version = version + 1 WHERE name = '{name}'; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in VERSIONED:
            op.execute(f"DROP TRIGGER {table}_bump_version ON {table}")
        op.execute("DROP FUNCTION bump_cache_version()")
    else:
        for table in VERSIONED:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER {table}_bump_version_{event}")
    op.execute("DELETE FROM cache_versions WHERE name IN ('policies', 'rules', 'sanctions')")
