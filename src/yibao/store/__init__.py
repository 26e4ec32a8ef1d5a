"""Persistence: SQLAlchemy Core tables, Alembic migrations, repositories.

Money is stored as integer fen (``*_fen`` columns), never as floating point; decimal
quantities and unit prices keep their exact decimal text.
"""
