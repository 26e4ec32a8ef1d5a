"""departments, practitioners, 人员定点备案, settlement lists (结算清单) and 病案首页

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 09:00:00

3401–3403 departments as chains of rows (an upload, change or revocation is a new row naming
the row it replaces); the practitioners 5102 answers; 2505/2506 designated-institution filings;
4101/4101A settlement lists and 4401 病案首页 as one row per upload superseding the one before
(append-only: triggers refuse UPDATE and DELETE), their coded diagnoses and operations as rows
for DIP/DRG grouping, and the 4102 status changes appended.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

APPEND_ONLY = ('setl_lists', 'setl_list_statuses', 'medical_records')


def _departments() -> None:
    op.create_table('departments',
    sa.Column('dept_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('hosp_dept_codg', sa.String(length=30), nullable=False),
    sa.Column('hosp_dept_name', sa.String(length=100), nullable=False),
    sa.Column('caty', sa.String(length=6), nullable=False),
    sa.Column('begntime', sa.DateTime(), nullable=False),
    sa.Column('endtime', sa.DateTime(), nullable=True),
    sa.Column('itro', sa.String(length=500), server_default='', nullable=False),
    sa.Column('dept_resper_name', sa.String(length=50), server_default='', nullable=False),
    sa.Column('dept_resper_tel', sa.String(length=50), server_default='', nullable=False),
    sa.Column('dept_med_serv_scp', sa.String(length=500), server_default='', nullable=False),
    sa.Column('dept_estbdat', sa.Date(), nullable=True),
    sa.Column('aprv_bed_cnt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('hi_crtf_bed_cnt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('poolarea_no', sa.String(length=6), server_default='', nullable=False),
    sa.Column('dr_psncnt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('phar_psncnt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('nurs_psncnt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('tecn_psncnt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('memo', sa.String(length=200), server_default='', nullable=False),
    sa.Column('vali_flag', sa.String(length=1), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('replaces_dept_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.CheckConstraint("vali_flag IN ('0', '1')", name='ck_departments_vali_flag'),
    sa.CheckConstraint('aprv_bed_cnt >= 0 AND hi_crtf_bed_cnt >= 0 AND dr_psncnt >= 0 AND phar_psncnt >= 0 '
                       'AND nurs_psncnt >= 0 AND tecn_psncnt >= 0', name='ck_departments_counts'),
    sa.ForeignKeyConstraint(['replaces_dept_id'], ['departments.dept_id'],
                            name=op.f('fk_departments_replaces_dept_id_departments')),
    sa.PrimaryKeyConstraint('dept_id', name=op.f('pk_departments')),
    sa.UniqueConstraint('replaces_dept_id', name=op.f('uq_departments_replaces_dept_id'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index('ix_departments_code', ['fixmedins_code', 'hosp_dept_codg'], unique=False)
        batch_op.create_index('uq_departments_first', ['fixmedins_code', 'hosp_dept_codg'], unique=True,
                              sqlite_where=sa.text('replaces_dept_id IS NULL'),
                              postgresql_where=sa.text('replaces_dept_id IS NULL'))


def _practitioners_and_designations() -> None:
    op.create_table('practitioners',
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('prac_psn_code', sa.String(length=20), nullable=False),
    sa.Column('prac_psn_type', sa.String(length=6), nullable=False),
    sa.Column('psn_cert_type', sa.String(length=6), server_default='01', nullable=False),
    sa.Column('certno', sa.String(length=50), nullable=False),
    sa.Column('prac_psn_name', sa.String(length=50), nullable=False),
    sa.Column('prac_psn_no', sa.String(length=20), server_default='', nullable=False),
    sa.Column('prac_psn_cert', sa.String(length=30), server_default='', nullable=False),
    sa.Column('prac_cert_no', sa.String(length=30), server_default='', nullable=False),
    sa.Column('hi_dr_flag', sa.String(length=3), server_default='1', nullable=False),
    sa.Column('hosp_dept_codg', sa.String(length=30), server_default='', nullable=False),
    sa.Column('begntime', sa.DateTime(), nullable=False),
    sa.Column('endtime', sa.DateTime(), nullable=True),
    sa.Column('chg_rea', sa.String(length=200), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('fixmedins_code', 'prac_psn_code', name=op.f('pk_practitioners'))
    )
    op.create_table('designated_filings',
    sa.Column('trt_dcla_detl_sn', sa.String(length=30), nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('insutype', sa.String(length=3), nullable=False),
    sa.Column('biz_appy_type', sa.String(length=3), nullable=False),
    sa.Column('fix_srt_no', sa.String(length=3), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('fixmedins_name', sa.String(length=200), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=True),
    sa.Column('memo', sa.String(length=200), server_default='', nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_by', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('trt_dcla_detl_sn', name=op.f('pk_designated_filings'))
    )
    with op.batch_alter_table('designated_filings', schema=None) as batch_op:
        batch_op.create_index('ix_designated_filings_psn', ['psn_no'], unique=False)


def _setl_lists() -> None:
    op.create_table('setl_lists',
    sa.Column('setl_list_id', sa.String(length=30), nullable=False),
    sa.Column('setl_id', sa.String(length=30), nullable=False),
    sa.Column('mdtrt_id', sa.String(length=30), nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('infno', sa.String(length=6), nullable=False),
    sa.Column('supersedes_list_id', sa.String(length=30), nullable=True),
    sa.Column('medcasno', sa.String(length=40), server_default='', nullable=False),
    sa.Column('hi_paymtd', sa.String(length=6), server_default='', nullable=False),
    sa.Column('psn_selfpay_fen', sa.BigInteger(), nullable=False),
    sa.Column('psn_ownpay_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('psn_cashpay_fen', sa.BigInteger(), nullable=False),
    sa.Column('setlinfo', sa.Text(), nullable=False),
    sa.Column('payinfo', sa.Text(), nullable=False),
    sa.Column('iteminfo', sa.Text(), nullable=False),
    sa.Column('icuinfo', sa.Text(), nullable=False),
    sa.Column('qc_problems', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['supersedes_list_id'], ['setl_lists.setl_list_id'],
                            name=op.f('fk_setl_lists_supersedes_list_id_setl_lists')),
    sa.PrimaryKeyConstraint('setl_list_id', name=op.f('pk_setl_lists')),
    sa.UniqueConstraint('supersedes_list_id', name=op.f('uq_setl_lists_supersedes_list_id'))
    )
    with op.batch_alter_table('setl_lists', schema=None) as batch_op:
        batch_op.create_index('ix_setl_lists_setl', ['setl_id'], unique=False)
        batch_op.create_index('uq_setl_lists_first', ['setl_id'], unique=True,
                              sqlite_where=sa.text('supersedes_list_id IS NULL'),
                              postgresql_where=sa.text('supersedes_list_id IS NULL'))
    op.create_table('setl_list_statuses',
    sa.Column('status_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('setl_list_id', sa.String(length=30), nullable=False),
    sa.Column('stas_type', sa.String(length=1), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.String(length=60), nullable=False),
    sa.CheckConstraint("stas_type IN ('0', '1')", name='ck_setl_list_statuses_stas_type'),
    sa.ForeignKeyConstraint(['setl_list_id'], ['setl_lists.setl_list_id'],
                            name=op.f('fk_setl_list_statuses_setl_list_id_setl_lists')),
    sa.PrimaryKeyConstraint('status_id', name=op.f('pk_setl_list_statuses'))
    )
    with op.batch_alter_table('setl_list_statuses', schema=None) as batch_op:
        batch_op.create_index('ix_setl_list_statuses_list', ['setl_list_id'], unique=False)


def _medical_records() -> None:
    op.create_table('medical_records',
    sa.Column('record_id', sa.String(length=30), nullable=False),
    sa.Column('mdtrt_id', sa.String(length=30), nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('supersedes_record_id', sa.String(length=30), nullable=True),
    sa.Column('baseinfo', sa.Text(), nullable=False),
    sa.Column('icuinfo', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['supersedes_record_id'], ['medical_records.record_id'],
                            name=op.f('fk_medical_records_supersedes_record_id_medical_records')),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_medical_records')),
    sa.UniqueConstraint('supersedes_record_id', name=op.f('uq_medical_records_supersedes_record_id'))
    )
    with op.batch_alter_table('medical_records', schema=None) as batch_op:
        batch_op.create_index('ix_medical_records_mdtrt', ['mdtrt_id'], unique=False)
        batch_op.create_index('uq_medical_records_first', ['mdtrt_id'], unique=True,
                              sqlite_where=sa.text('supersedes_record_id IS NULL'),
                              postgresql_where=sa.text('supersedes_record_id IS NULL'))


def _coded_rows() -> None:
    op.create_table('coded_diagnoses',
    sa.Column('diag_row_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('doc_kind', sa.String(length=10), nullable=False),
    sa.Column('doc_id', sa.String(length=30), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('diag_type', sa.String(length=6), server_default='', nullable=False),
    sa.Column('diag_code', sa.String(length=30), nullable=False),
    sa.Column('diag_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('maindiag_flag', sa.String(length=1), server_default='', nullable=False),
    sa.Column('adm_cond_type', sa.String(length=6), server_default='', nullable=False),
    sa.CheckConstraint("doc_kind IN ('setl_list', 'medcas')", name='ck_coded_diagnoses_doc_kind'),
    sa.PrimaryKeyConstraint('diag_row_id', name=op.f('pk_coded_diagnoses'))
    )
    with op.batch_alter_table('coded_diagnoses', schema=None) as batch_op:
        batch_op.create_index('ix_coded_diagnoses_doc', ['doc_id'], unique=False)
        batch_op.create_index('ix_coded_diagnoses_code', ['diag_code'], unique=False)
    op.create_table('coded_operations',
    sa.Column('oprn_row_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('doc_kind', sa.String(length=10), nullable=False),
    sa.Column('doc_id', sa.String(length=30), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('oprn_oprt_type', sa.String(length=6), server_default='', nullable=False),
    sa.Column('oprn_oprt_code', sa.String(length=30), nullable=False),
    sa.Column('oprn_oprt_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('oprn_oprt_date', sa.DateTime(), nullable=True),
    sa.Column('anst_way', sa.String(length=6), server_default='', nullable=False),
    sa.Column('oper_dr_code', sa.String(length=30), server_default='', nullable=False),
    sa.Column('oper_dr_name', sa.String(length=50), server_default='', nullable=False),
    sa.Column('anst_dr_code', sa.String(length=30), server_default='', nullable=False),
    sa.Column('anst_dr_name', sa.String(length=50), server_default='', nullable=False),
    sa.CheckConstraint("doc_kind IN ('setl_list', 'medcas')", name='ck_coded_operations_doc_kind'),
    sa.PrimaryKeyConstraint('oprn_row_id', name=op.f('pk_coded_operations'))
    )
    with op.batch_alter_table('coded_operations', schema=None) as batch_op:
        batch_op.create_index('ix_coded_operations_doc', ['doc_id'], unique=False)
        batch_op.create_index('ix_coded_operations_code', ['oprn_oprt_code'], unique=False)


def _append_only() -> None:
    """Uploaded lists and records are superseded by new rows, never rewritten."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION uploads_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION uploads_append_only()")
        return
    for table in APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _departments()
    _practitioners_and_designations()
    _setl_lists()
    _medical_records()
    _coded_rows()
    _append_only()


def downgrade() -> None:
    for table in ('coded_operations', 'coded_diagnoses', 'medical_records', 'setl_list_statuses', 'setl_lists',
                  'designated_filings', 'practitioners', 'departments'):
        op.drop_table(table)  # indexes and triggers go with their table
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION uploads_append_only()")
