"""fund supervision

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 07:36:58.111280
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_findings',
    sa.Column('finding_id', sa.String(length=30), nullable=False),
    sa.Column('stage', sa.String(length=6), nullable=False),
    sa.Column('run_id', sa.String(length=30), nullable=False),
    sa.Column('rule_id', sa.String(length=40), nullable=False),
    sa.Column('rule_type', sa.String(length=20), nullable=False),
    sa.Column('result_type', sa.String(length=10), nullable=False),
    sa.Column('sev_deg', sa.String(length=6), nullable=False),
    sa.Column('mdtrt_id', sa.String(length=30), nullable=False),
    sa.Column('setl_id', sa.String(length=30), server_default='', nullable=False),
    sa.Column('feedetl_sn', sa.String(length=30), server_default='', nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('vola_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('vola_cont', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('finding_id', name=op.f('pk_audit_findings'))
    )
    with op.batch_alter_table('audit_findings', schema=None) as batch_op:
        batch_op.create_index('ix_audit_findings_inst', ['fixmedins_code'], unique=False)
        batch_op.create_index('ix_audit_findings_setl', ['setl_id'], unique=False)

    op.create_table('case_events',
    sa.Column('event_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case', ['case_id'], unique=False)

    op.create_table('cases',
    sa.Column('case_id', sa.String(length=30), nullable=False),
    sa.Column('admdvs', sa.String(length=6), nullable=False),
    sa.Column('subject_type', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('credit_records',
    sa.Column('record_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subject_type', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=30), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('case_id', sa.String(length=30), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_credit_records'))
    )
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.create_index('ix_credit_records_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('deaths',
    sa.Column('certno', sa.String(length=50), nullable=False),
    sa.Column('die_date', sa.Date(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('certno', name=op.f('pk_deaths'))
    )
    op.create_table('rule_packages',
    sa.Column('package_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('admdvs', sa.String(length=6), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('refuse_definite', sa.Boolean(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('package_id', name=op.f('pk_rule_packages')),
    sa.UniqueConstraint('admdvs', 'version', name='uq_rule_packages_version')
    )
    op.create_table('sanctions',
    sa.Column('sanction_id', sa.String(length=30), nullable=False),
    sa.Column('subject_type', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('case_id', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('sanction_id', name=op.f('pk_sanctions'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index('ix_sanctions_subject', ['subject_type', 'subject_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_sanctions_subject')

    op.drop_table('sanctions')
    op.drop_table('rule_packages')
    op.drop_table('deaths')
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_records_subject')

    op.drop_table('credit_records')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_subject')

    op.drop_table('cases')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_case')

    op.drop_table('case_events')
    with op.batch_alter_table('audit_findings', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_findings_setl')
        batch_op.drop_index('ix_audit_findings_inst')

    op.drop_table('audit_findings')

