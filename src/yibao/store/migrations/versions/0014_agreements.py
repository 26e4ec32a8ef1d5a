"""agreements (协议管理): every step of an institution's designation and Internet+ agreements

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12 09:00:00

``agreement_records`` keeps each step (apply, evaluate, sign, renew, suspend, resume, terminate)
as a new row; triggers refuse UPDATE and DELETE and bump the ``agreements`` cache version the
gateway reads with each request's authentication (as migration 0008 does for sanctions).

Existing data: every institution gets a designation agreement covering every physical service
from 2000-01-01 with no end (what the platform allowed until now), and every institution
sanction becomes a suspension or termination step of that agreement (a lifted suspension also
gets its resume step), so the agreements are the one source of truth from this revision on.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

PHYSICAL_SERVICES = 'inpatient;outpatient;pharmacy;chronic;cross_region;account'
ACTOR = 'system:migration 0014'


def _table() -> None:
    op.create_table(
        'agreement_records',
        sa.Column('record_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('agreement_id', sa.String(30), nullable=False),
        sa.Column('fixmedins_code', sa.String(30), nullable=False),
        sa.Column('kind', sa.String(12), nullable=False),
        sa.Column('parent_agreement_id', sa.String(30)),
        sa.Column('step', sa.String(12), nullable=False),
        sa.Column('begndate', sa.Date()),
        sa.Column('enddate', sa.Date()),
        sa.Column('services', sa.String(200), server_default='', nullable=False),
        sa.Column('score', sa.Integer()),
        sa.Column('checklist', sa.Text(), server_default='{}', nullable=False),
        sa.Column('prices', sa.Text(), server_default='[]', nullable=False),
        sa.Column('refers_to', sa.Integer()),
        sa.Column('reason', sa.Text(), server_default='', nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('designation', 'internet')", name='ck_agreement_records_kind'),
        sa.CheckConstraint("step IN ('apply', 'evaluate', 'sign', 'renew', 'suspend', 'resume', 'terminate')",
                           name='ck_agreement_records_step'),
        sa.CheckConstraint("(kind = 'internet') = (parent_agreement_id IS NOT NULL)", name='ck_agreement_records_parent'),
        sa.CheckConstraint('enddate IS NULL OR begndate IS NULL OR enddate >= begndate', name='ck_agreement_records_period'),
        sa.CheckConstraint("step NOT IN ('sign', 'suspend', 'resume', 'terminate') OR begndate IS NOT NULL",
                           name='ck_agreement_records_dated'),
        sa.CheckConstraint("step <> 'suspend' OR enddate IS NOT NULL", name='ck_agreement_records_suspension_end'),
        sa.CheckConstraint('score IS NULL OR score BETWEEN 0 AND 100', name='ck_agreement_records_score'),
        sa.ForeignKeyConstraint(['fixmedins_code'], ['institutions.fixmedins_code'],
                                name=op.f('fk_agreement_records_fixmedins_code_institutions')),
        sa.PrimaryKeyConstraint('record_id', name=op.f('pk_agreement_records')),
    )
    with op.batch_alter_table('agreement_records', schema=None) as batch_op:
        batch_op.create_index('uq_agreement_records_signed_once', ['agreement_id'], unique=True,
                              sqlite_where=sa.text("step = 'sign'"), postgresql_where=sa.text("step = 'sign'"))
        batch_op.create_index('uq_agreement_records_resumed_once', ['refers_to'], unique=True,
                              sqlite_where=sa.text("step = 'resume'"), postgresql_where=sa.text("step = 'resume'"))
        batch_op.create_index('ix_agreement_records_institution', ['fixmedins_code'], unique=False)
        batch_op.create_index('ix_agreement_records_agreement', ['agreement_id'], unique=False)


def _triggers() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION agreements_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        op.execute("CREATE TRIGGER agreement_records_no_change BEFORE UPDATE OR DELETE ON agreement_records "
                   "FOR EACH ROW EXECUTE FUNCTION agreements_append_only()")
        # bump_cache_version() is migration 0008's
        op.execute("CREATE TRIGGER agreement_records_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   "ON agreement_records FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version('agreements')")
        return
    for event in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER agreement_records_no_{event.lower()} BEFORE {event} ON agreement_records "
                   "BEGIN SELECT RAISE(ABORT, 'agreement_records is append-only'); END")
    op.execute("CREATE TRIGGER agreement_records_bump_version_insert AFTER INSERT ON agreement_records "
               "BEGIN UPDATE cache_versions SET version = version + 1 WHERE name = 'agreements'; END")


def _existing_agreements() -> None:
    """A default agreement per institution; institution sanctions become its steps."""
    conn = op.get_bind()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    records = sa.table('agreement_records', *[sa.column(name) for name in (
        'agreement_id', 'fixmedins_code', 'kind', 'step', 'begndate', 'enddate', 'services', 'refers_to', 'reason',
        'actor', 'recorded_at')])
    agreement_of = {}
    for (code,) in conn.execute(sa.text('SELECT fixmedins_code FROM institutions ORDER BY fixmedins_code')):
        agreement_of[code] = f'AG{secrets.randbelow(10 ** 10):010d}'
        conn.execute(records.insert().values(
            agreement_id=agreement_of[code], fixmedins_code=code, kind='designation', step='sign',
            begndate=dt.date(2000, 1, 1), services=PHYSICAL_SERVICES, reason='既有定点机构（迁移 0014）',
            actor=ACTOR, recorded_at=now))
    sanctions = conn.execute(sa.text(
        "SELECT subject_id, kind, begndate, enddate, reason, lifted_at FROM sanctions "
        "WHERE subject_type = 'institution' ORDER BY created_at, sanction_id")).mappings().all()
    for row in sanctions:
        if row['subject_id'] not in agreement_of or (row['kind'] == 'terminate' and row['lifted_at'] is not None):
            continue  # a lifted termination no longer holds
        common = dict(agreement_id=agreement_of[row['subject_id']], fixmedins_code=row['subject_id'], kind='designation',
                      services='', actor=ACTOR, recorded_at=now)
        conn.execute(records.insert().values(
            step=row['kind'], begndate=row['begndate'], enddate=row['enddate'], reason=row['reason'], **common))
        if row['lifted_at'] is not None:
            suspension_id = conn.execute(sa.text('SELECT max(record_id) FROM agreement_records')).scalar_one()
            conn.execute(records.insert().values(
                step='resume', begndate=_as_date(row['lifted_at']), refers_to=suspension_id,
                reason='处理决定已解除（迁移 0014）', **common))


def _as_date(value) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, dt.datetime) else value


def upgrade() -> None:
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('agreements', 0)")
    _table()
    _triggers()
    _existing_agreements()


def downgrade() -> None:
    op.drop_table('agreement_records')  # indexes and triggers go with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION agreements_append_only()')
    op.execute("DELETE FROM cache_versions WHERE name = 'agreements'")
