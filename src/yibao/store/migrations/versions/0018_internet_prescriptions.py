"""e-prescriptions (电子处方流转): prescriptions, their steps and dispensings; region settings

Revision ID: 0018
Revises: 0020
Create Date: 2026-12-16 09:00:00

``prescriptions`` and ``prescription_lines`` keep a prescription as the HIS uploaded it (7101);
``prescription_steps`` its later steps (7102 signature, 7103 upload, 7104 revocation), each once;
``prescription_dispensings`` and ``prescription_dispensed_lines`` what a pharmacy's 2102 took
from it and what its reversal put back (an opposite row, never an edit). A prescription is
dispensed by one live dispensing at a time: the first has ``follows_return_id`` NULL (partial
unique index on ``hi_rxno``), a later one follows the return of the one before (unique), as
settlements do (migration 0005). ``rx_region_settings`` says, per pair of prescribing and
dispensing region, whether the dispensing region recognises the prescriptions and whether an
upload (7103) is required before dispensing (docs/internet-plus.md). Every table is append-only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0020'
branch_labels = None
depends_on = None

TABLES = ('prescriptions', 'prescription_lines', 'prescription_steps', 'prescription_dispensings',
          'prescription_dispensed_lines', 'rx_region_settings')


def _prescriptions() -> None:
    op.create_table(
        'prescriptions',
        sa.Column('hi_rxno', sa.String(30), nullable=False),
        sa.Column('rx_trace_code', sa.String(40), nullable=False),
        sa.Column('hosp_rxno', sa.String(40), nullable=False),
        sa.Column('fixmedins_code', sa.String(30), nullable=False),
        sa.Column('admdvs', sa.String(6), nullable=False),
        sa.Column('mdtrt_id', sa.String(30), server_default='', nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('rx_type_code', sa.String(6), server_default='', nullable=False),
        sa.Column('prsc_time', sa.DateTime(), nullable=False),
        sa.Column('valid_days', sa.Integer(), nullable=False),
        sa.Column('valid_end_time', sa.DateTime(), nullable=False),
        sa.Column('maindiag_code', sa.String(30), server_default='', nullable=False),
        sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
        sa.Column('msgid', sa.String(40), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('valid_days BETWEEN 1 AND 30', name='ck_prescriptions_valid_days'),
        sa.CheckConstraint('valid_end_time > prsc_time', name='ck_prescriptions_valid_end'),
        sa.ForeignKeyConstraint(['fixmedins_code'], ['institutions.fixmedins_code'],
                                name=op.f('fk_prescriptions_fixmedins_code_institutions')),
        sa.PrimaryKeyConstraint('hi_rxno', name=op.f('pk_prescriptions')),
        sa.UniqueConstraint('rx_trace_code', name='uq_prescriptions_rx_trace_code'),
        sa.UniqueConstraint('fixmedins_code', 'hosp_rxno', name='uq_prescriptions_hosp_rxno'),
    )
    op.create_index('ix_prescriptions_psn', 'prescriptions', ['psn_no'], unique=False)
    op.create_table(
        'prescription_lines',
        sa.Column('hi_rxno', sa.String(30), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('med_list_codg', sa.String(50), nullable=False),
        sa.Column('drug_genname', sa.String(200), server_default='', nullable=False),
        sa.Column('cnt', sa.String(24), nullable=False),
        sa.Column('drug_sumamt_fen', sa.BigInteger(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['hi_rxno'], ['prescriptions.hi_rxno'], name=op.f('fk_prescription_lines_hi_rxno_prescriptions')),
        sa.PrimaryKeyConstraint('hi_rxno', 'line_no', name=op.f('pk_prescription_lines')),
    )
    op.create_table(
        'prescription_steps',
        sa.Column('step_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('hi_rxno', sa.String(30), nullable=False),
        sa.Column('step', sa.String(8), nullable=False),
        sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
        sa.Column('msgid', sa.String(40), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("step IN ('sign', 'upload', 'revoke')", name='ck_prescription_steps_step'),
        sa.ForeignKeyConstraint(['hi_rxno'], ['prescriptions.hi_rxno'], name=op.f('fk_prescription_steps_hi_rxno_prescriptions')),
        sa.PrimaryKeyConstraint('step_id', name=op.f('pk_prescription_steps')),
        sa.UniqueConstraint('hi_rxno', 'step', name='uq_prescription_steps_once'),
    )


def _dispensings() -> None:
    op.create_table(
        'prescription_dispensings',
        sa.Column('dispensing_id', sa.String(30), nullable=False),
        sa.Column('hi_rxno', sa.String(30), nullable=False),
        sa.Column('kind', sa.String(8), nullable=False),
        sa.Column('fixmedins_code', sa.String(30), nullable=False),
        sa.Column('mdtrt_id', sa.String(30), nullable=False),
        sa.Column('setl_id', sa.String(30), nullable=False),
        sa.Column('returns_dispensing_id', sa.String(30)),
        sa.Column('follows_return_id', sa.String(30)),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('dispense', 'return')", name='ck_prescription_dispensings_kind'),
        sa.CheckConstraint("(kind = 'return') = (returns_dispensing_id IS NOT NULL)",
                           name='ck_prescription_dispensings_return'),
        sa.CheckConstraint("kind = 'dispense' OR follows_return_id IS NULL", name='ck_prescription_dispensings_follows'),
        sa.ForeignKeyConstraint(['hi_rxno'], ['prescriptions.hi_rxno'],
                                name=op.f('fk_prescription_dispensings_hi_rxno_prescriptions')),
        sa.PrimaryKeyConstraint('dispensing_id', name=op.f('pk_prescription_dispensings')),
        sa.UniqueConstraint('returns_dispensing_id', name='uq_prescription_dispensings_returned_once'),
        sa.UniqueConstraint('follows_return_id', name='uq_prescription_dispensings_follows'),
    )
    with op.batch_alter_table('prescription_dispensings', schema=None) as batch_op:
        batch_op.create_index('uq_prescription_dispensings_first', ['hi_rxno'], unique=True,
                              sqlite_where=sa.text("kind = 'dispense' AND follows_return_id IS NULL"),
                              postgresql_where=sa.text("kind = 'dispense' AND follows_return_id IS NULL"))
        batch_op.create_index('ix_prescription_dispensings_setl', ['setl_id'], unique=False)
    op.create_table(
        'prescription_dispensed_lines',
        sa.Column('dispensing_id', sa.String(30), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('hi_rxno', sa.String(30), nullable=False),
        sa.Column('cnt', sa.String(24), nullable=False),
        sa.ForeignKeyConstraint(['dispensing_id'], ['prescription_dispensings.dispensing_id'],
                                name='fk_rx_dispensed_lines_dispensing'),
        sa.PrimaryKeyConstraint('dispensing_id', 'line_no', name=op.f('pk_prescription_dispensed_lines')),
    )
    op.create_table(
        'rx_region_settings',
        sa.Column('setting_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('prescribing_admdvs', sa.String(6), nullable=False),
        sa.Column('dispensing_admdvs', sa.String(6), nullable=False),
        sa.Column('recognised', sa.Boolean(), nullable=False),
        sa.Column('upload_required', sa.Boolean(), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('setting_id', name=op.f('pk_rx_region_settings')),
    )
    op.create_index('ix_rx_region_settings_pair', 'rx_region_settings', ['prescribing_admdvs', 'dispensing_admdvs'],
                    unique=False)


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION prescriptions_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION prescriptions_append_only()")
        return
    for table in TABLES:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _prescriptions()
    _dispensings()
    _append_only()


def downgrade() -> None:
    if op.get_bind().execute(sa.text('SELECT count(*) FROM prescription_dispensings')).scalar_one():
        raise RuntimeError('prescriptions were dispensed against settlements; not downgrading past 0018')
    for table in reversed(TABLES):
        op.drop_table(table)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION prescriptions_append_only()')
