"""Alembic environment: the URL and connection come from yibao's own configuration."""

from __future__ import annotations

from alembic import context

from yibao.store.tables import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from yibao.store.database import Database

    database = Database(config.get_main_option("sqlalchemy.url"))
    with database.engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run_migrations_online()
