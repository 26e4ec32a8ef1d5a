"""integrity constraints: chained account entries, one active settlement per visit,
one open clearing application per period, msgid-sized columns

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00

The account entries are rebuilt as a chain (docs/locking.md): each entry names the one
before it and carries the balance before and after, so the database refuses a balance
below zero and two writers that both think they are next. Existing rows are chained in
entry order; a history whose running balance ever went below zero stops the upgrade with
the person named (run ``yibao check`` on the old version and correct it first).
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _account_entries_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column('entry_id', sa.Integer(), nullable=False, autoincrement=True),
        sa.Column('psn_no', sa.String(length=30), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('prev_seq', sa.Integer(), nullable=True),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('balance_before_fen', sa.BigInteger(), nullable=False),
        sa.Column('balance_after_fen', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('setl_id', sa.String(length=30), nullable=True),
        sa.Column('actor', sa.String(length=200), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('entry_id', name='pk_account_entries'),
        sa.UniqueConstraint('psn_no', 'seq', name='uq_account_entries_seq'),
        sa.UniqueConstraint('psn_no', 'seq', 'balance_after_fen', name='uq_account_entries_chain'),
        sa.ForeignKeyConstraint(['psn_no', 'prev_seq', 'balance_before_fen'],
                                [f'{name}.psn_no', f'{name}.seq', f'{name}.balance_after_fen'],
                                name='fk_account_entries_prev'),
        sa.CheckConstraint('balance_after_fen >= 0', name='ck_account_entries_not_negative'),
        sa.CheckConstraint('balance_after_fen = balance_before_fen + amount_fen', name='ck_account_entries_adds_up'),
        sa.CheckConstraint('(prev_seq IS NULL AND seq = 1 AND balance_before_fen = 0) OR '
                           '(prev_seq IS NOT NULL AND prev_seq = seq - 1)', name='ck_account_entries_chain'),
    )


def _chain_account_entries() -> None:
    bind = op.get_bind()
    is_postgresql = bind.dialect.name == 'postgresql'
    op.drop_index('ix_account_entries_psn', table_name='account_entries')
    op.rename_table('account_entries', 'account_entries_unchained')
    if is_postgresql:
        op.execute('ALTER TABLE account_entries_unchained RENAME CONSTRAINT pk_account_entries '
                   'TO pk_account_entries_unchained')
    _account_entries_table('account_entries')
    old = sa.table('account_entries_unchained', sa.column('entry_id'), sa.column('psn_no'), sa.column('amount_fen'),
                   sa.column('kind'), sa.column('setl_id'), sa.column('created_at'))
    new = sa.table('account_entries', *(sa.column(name) for name in (
        'entry_id', 'psn_no', 'seq', 'prev_seq', 'amount_fen', 'balance_before_fen', 'balance_after_fen', 'kind',
        'setl_id', 'actor', 'created_at')))
    last: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    batch = []
    for row in bind.execute(sa.select(old).order_by(old.c.entry_id)).mappings():
        seq, balance = last[row['psn_no']]
        after = balance + int(row['amount_fen'])
        if after < 0:
            raise RuntimeError(f"account of person {row['psn_no'][:4]}… goes below zero at entry {row['entry_id']}; "
                               "correct it before upgrading")
        batch.append(dict(entry_id=row['entry_id'], psn_no=row['psn_no'], seq=seq + 1, prev_seq=seq or None,
                          amount_fen=row['amount_fen'], balance_before_fen=balance, balance_after_fen=after,
                          kind=row['kind'], setl_id=row['setl_id'], actor='', created_at=row['created_at']))
        last[row['psn_no']] = (seq + 1, after)
        if len(batch) >= 5000:
            bind.execute(sa.insert(new), batch)
            batch = []
    if batch:
        bind.execute(sa.insert(new), batch)
    op.drop_table('account_entries_unchained')
    if is_postgresql:
        op.execute("SELECT setval(pg_get_serial_sequence('account_entries', 'entry_id'), "
                   "COALESCE((SELECT MAX(entry_id) FROM account_entries), 0) + 1, false)")


def _chain_settlements() -> None:
    """Each later settlement of a visit follows the reversal of the settlement before it."""
    bind = op.get_bind()
    op.add_column('settlements', sa.Column('follows_reversal_id', sa.String(length=30), nullable=True))
    s = sa.table('settlements', sa.column('setl_id'), sa.column('mdtrt_id'), sa.column('kind'),
                 sa.column('reverses_setl_id'), sa.column('setl_time'), sa.column('follows_reversal_id'))
    repeated = sa.select(s.c.mdtrt_id).where(s.c.kind == 'settlement').group_by(s.c.mdtrt_id).having(sa.func.count() > 1)
    rows = bind.execute(sa.select(s).where(s.c.mdtrt_id.in_(repeated)).order_by(s.c.mdtrt_id, s.c.setl_time, s.c.setl_id)
                        ).mappings().all()
    by_visit: dict[str, list] = defaultdict(list)
    for row in rows:
        by_visit[row['mdtrt_id']].append(row)
    for visit_rows in by_visit.values():
        reversal_of = {row['reverses_setl_id']: row['setl_id'] for row in visit_rows if row['kind'] == 'reversal'}
        previous = None
        for row in visit_rows:
            if row['kind'] != 'settlement':
                continue
            if previous is not None:
                follows = reversal_of.get(previous)
                if follows is None:
                    raise RuntimeError(f"visit {row['mdtrt_id']} has two active settlements; run yibao check and "
                                       "reverse one before upgrading")
                bind.execute(sa.update(s).where(s.c.setl_id == row['setl_id']).values(follows_reversal_id=follows))
            previous = row['setl_id']
    where = sa.text("kind = 'settlement' AND follows_reversal_id IS NULL")
    op.create_index('uq_settlements_first', 'settlements', ['mdtrt_id'], unique=True,
                    sqlite_where=where, postgresql_where=where)
    op.create_index('uq_settlements_follows', 'settlements', ['follows_reversal_id'], unique=True)


def _one_open_clearing_application() -> None:
    """Applications created twice by the old race are cancelled (the earliest stays), then the
    partial unique index keeps it so."""
    bind = op.get_bind()
    a = sa.table('clearing_applications', sa.column('clr_appy_evt_id'), sa.column('fixmedins_code'),
                 sa.column('clr_type'), sa.column('begndate'), sa.column('status'), sa.column('created_at'),
                 sa.column('cancelled_at'))
    seen = set()
    for row in bind.execute(sa.select(a).where(a.c.status == 'applied')
                            .order_by(a.c.created_at, a.c.clr_appy_evt_id)).mappings():
        key = (row['fixmedins_code'], row['clr_type'], row['begndate'])
        if key in seen:
            bind.execute(sa.update(a).where(a.c.clr_appy_evt_id == row['clr_appy_evt_id'])
                         .values(status='cancelled', cancelled_at=row['created_at']))
        seen.add(key)
    where = sa.text("status = 'applied'")
    op.create_index('uq_clearing_applications_open', 'clearing_applications', ['fixmedins_code', 'clr_type', 'begndate'],
                    unique=True, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    _chain_account_entries()
    _chain_settlements()
    _one_open_clearing_application()
    if op.get_bind().dialect.name == 'postgresql':
        # msgid is up to 40 characters (nhsa-interface §1); SQLite does not enforce lengths.
        op.alter_column('visits', 'ipt_otp_no', type_=sa.String(length=40), existing_nullable=False)
        op.alter_column('audit_findings', 'run_id', type_=sa.String(length=40), existing_nullable=False)


def downgrade() -> None:
    raise NotImplementedError("0005 is not reversible: restore the backup taken before the upgrade")
