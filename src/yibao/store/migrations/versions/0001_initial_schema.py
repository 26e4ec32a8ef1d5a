"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 06:57:41.278065
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('account_entries',
    sa.Column('entry_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('setl_id', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_account_entries'))
    )
    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.create_index('ix_account_entries_psn', ['psn_no'], unique=False)

    op.create_table('accumulator_entries',
    sa.Column('entry_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('insutype', sa.String(length=3), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('setl_id', sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_accumulator_entries'))
    )
    with op.batch_alter_table('accumulator_entries', schema=None) as batch_op:
        batch_op.create_index('ix_accumulator_entries_psn_year', ['psn_no', 'insutype', 'year'], unique=False)

    op.create_table('diagnoses',
    sa.Column('diag_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('mdtrt_id', sa.String(length=30), nullable=False),
    sa.Column('stage', sa.String(length=6), nullable=False),
    sa.Column('diag_type', sa.String(length=6), nullable=False),
    sa.Column('diag_srt_no', sa.String(length=6), nullable=False),
    sa.Column('diag_code', sa.String(length=30), nullable=False),
    sa.Column('diag_name', sa.String(length=200), nullable=False),
    sa.Column('maindiag_flag', sa.String(length=1), nullable=False),
    sa.PrimaryKeyConstraint('diag_id', name=op.f('pk_diagnoses'))
    )
    with op.batch_alter_table('diagnoses', schema=None) as batch_op:
        batch_op.create_index('ix_diagnoses_mdtrt', ['mdtrt_id'], unique=False)

    op.create_table('fee_lines',
    sa.Column('mdtrt_id', sa.String(length=30), nullable=False),
    sa.Column('feedetl_sn', sa.String(length=30), nullable=False),
    sa.Column('init_feedetl_sn', sa.String(length=30), nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('chrg_bchno', sa.String(length=30), nullable=False),
    sa.Column('med_list_codg', sa.String(length=50), nullable=False),
    sa.Column('medins_list_codg', sa.String(length=150), nullable=False),
    sa.Column('cnt', sa.String(length=24), nullable=False),
    sa.Column('pric', sa.String(length=24), nullable=False),
    sa.Column('det_item_fee_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('fee_ocur_time', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('upload_msgid', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('mdtrt_id', 'feedetl_sn', name=op.f('pk_fee_lines'))
    )
    op.create_table('filings',
    sa.Column('filing_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('filing_type', sa.String(length=20), nullable=False),
    sa.Column('dest_admdvs', sa.String(length=6), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('filing_id', name=op.f('pk_filings'))
    )
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.create_index('ix_filings_psn', ['psn_no'], unique=False)

    op.create_table('hilist',
    sa.Column('hilist_code', sa.String(length=50), nullable=False),
    sa.Column('insu_admdvs', sa.String(length=6), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=True),
    sa.Column('hilist_name', sa.String(length=200), nullable=False),
    sa.Column('med_chrgitm_type', sa.String(length=6), nullable=False),
    sa.Column('chrgitm_lv', sa.String(length=3), nullable=False),
    sa.Column('lmt_used_flag', sa.String(length=1), nullable=False),
    sa.Column('list_type', sa.String(length=3), nullable=False),
    sa.Column('vali_flag', sa.String(length=1), nullable=False),
    sa.PrimaryKeyConstraint('hilist_code', 'insu_admdvs', 'begndate', name=op.f('pk_hilist'))
    )
    with op.batch_alter_table('hilist', schema=None) as batch_op:
        batch_op.create_index('ix_hilist_region_code', ['insu_admdvs', 'hilist_code'], unique=False)

    op.create_table('institutions',
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('fixmedins_name', sa.String(length=200), nullable=False),
    sa.Column('fixmedins_type', sa.String(length=1), nullable=False),
    sa.Column('medins_lv', sa.String(length=1), nullable=False),
    sa.Column('admdvs', sa.String(length=6), nullable=False),
    sa.Column('secret_salt', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('fixmedins_code', name=op.f('pk_institutions'))
    )
    op.create_table('lmtpric',
    sa.Column('hilist_code', sa.String(length=50), nullable=False),
    sa.Column('insu_admdvs', sa.String(length=6), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=True),
    sa.Column('hilist_pric_uplmt_amt', sa.String(length=24), nullable=False),
    sa.Column('hilist_lmtpric_type', sa.String(length=6), nullable=False),
    sa.Column('overlmt_dspo_way', sa.String(length=6), nullable=False),
    sa.Column('vali_flag', sa.String(length=1), nullable=False),
    sa.PrimaryKeyConstraint('hilist_code', 'insu_admdvs', 'begndate', name=op.f('pk_lmtpric'))
    )
    op.create_table('persons',
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('psn_cert_type', sa.String(length=6), nullable=False),
    sa.Column('certno', sa.String(length=50), nullable=False),
    sa.Column('psn_name', sa.String(length=50), nullable=False),
    sa.Column('gend', sa.String(length=1), nullable=False),
    sa.Column('brdy', sa.Date(), nullable=False),
    sa.Column('card_no', sa.String(length=50), nullable=False),
    sa.Column('family_psn_no', sa.String(length=30), nullable=True),
    sa.PrimaryKeyConstraint('psn_no', name=op.f('pk_persons'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_card_no', ['card_no'], unique=False)
        batch_op.create_index('ix_persons_certno', ['certno'], unique=False)

    op.create_table('policies',
    sa.Column('policy_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('admdvs', sa.String(length=6), nullable=False),
    sa.Column('insutype', sa.String(length=3), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('policy_id', name=op.f('pk_policies')),
    sa.UniqueConstraint('admdvs', 'insutype', 'valid_from', name='uq_policies_key')
    )
    op.create_table('regions',
    sa.Column('admdvs', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('admdvs', name=op.f('pk_regions'))
    )
    op.create_table('request_log',
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('msgid', sa.String(length=40), nullable=False),
    sa.Column('infno', sa.String(length=6), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('infcode', sa.Integer(), nullable=False),
    sa.Column('output', sa.Text(), nullable=False),
    sa.Column('err_msg', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('fixmedins_code', 'msgid', name=op.f('pk_request_log'))
    )
    op.create_table('selfpay',
    sa.Column('hilist_code', sa.String(length=50), nullable=False),
    sa.Column('insu_admdvs', sa.String(length=6), nullable=False),
    sa.Column('begndate', sa.Date(), nullable=False),
    sa.Column('selfpay_prop_psn_type', sa.String(length=6), nullable=False),
    sa.Column('enddate', sa.Date(), nullable=True),
    sa.Column('selfpay_prop', sa.String(length=12), nullable=False),
    sa.Column('selfpay_prop_type', sa.String(length=6), nullable=False),
    sa.Column('vali_flag', sa.String(length=1), nullable=False),
    sa.PrimaryKeyConstraint('hilist_code', 'insu_admdvs', 'begndate', 'selfpay_prop_psn_type', name=op.f('pk_selfpay'))
    )
    op.create_table('settlements',
    sa.Column('setl_id', sa.String(length=30), nullable=False),
    sa.Column('mdtrt_id', sa.String(length=30), nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('insutype', sa.String(length=3), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('med_type', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('reverses_setl_id', sa.String(length=30), nullable=True),
    sa.Column('medins_setl_id', sa.String(length=40), nullable=False),
    sa.Column('infno', sa.String(length=6), nullable=False),
    sa.Column('setl_time', sa.DateTime(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('insuplc_admdvs', sa.String(length=6), nullable=False),
    sa.Column('mdtrtarea_admvs', sa.String(length=6), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('filing', sa.String(length=20), nullable=True),
    sa.Column('clr_type', sa.String(length=6), nullable=False),
    sa.Column('chrg_bchno', sa.String(length=30), nullable=False),
    sa.Column('medfee_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('fulamt_ownpay_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('overlmt_selfpay_fen', sa.BigInteger(), nullable=False),
    sa.Column('preselfpay_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('inscp_scp_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('act_pay_dedc_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifp_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('pool_prop_selfpay', sa.String(length=12), nullable=False),
    sa.Column('cvlserv_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifes_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifmi_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifob_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('maf_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('oth_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_pay_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('psn_part_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_mulaid_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('psn_cash_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('hosp_part_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('balc_fen', sa.BigInteger(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('trace', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('setl_id', name=op.f('pk_settlements')),
    sa.UniqueConstraint('reverses_setl_id', name=op.f('uq_settlements_reverses_setl_id'))
    )
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.create_index('ix_settlements_inst_time', ['fixmedins_code', 'setl_time'], unique=False)
        batch_op.create_index('ix_settlements_mdtrt', ['mdtrt_id'], unique=False)
        batch_op.create_index('ix_settlements_psn', ['psn_no'], unique=False)

    op.create_table('sign_ins',
    sa.Column('sign_no', sa.String(length=32), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('opter_no', sa.String(length=30), nullable=False),
    sa.Column('sign_time', sa.DateTime(), nullable=False),
    sa.Column('sign_out_time', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('sign_no', name=op.f('pk_sign_ins'))
    )
    op.create_table('visits',
    sa.Column('mdtrt_id', sa.String(length=30), nullable=False),
    sa.Column('fixmedins_code', sa.String(length=30), nullable=False),
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('insutype', sa.String(length=3), nullable=False),
    sa.Column('med_type', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('ipt_otp_no', sa.String(length=30), nullable=False),
    sa.Column('begntime', sa.DateTime(), nullable=False),
    sa.Column('endtime', sa.DateTime(), nullable=True),
    sa.Column('insuplc_admdvs', sa.String(length=6), nullable=False),
    sa.Column('mdtrtarea_admvs', sa.String(length=6), nullable=False),
    sa.Column('dise_codg', sa.String(length=30), nullable=False),
    sa.Column('dise_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('mdtrt_id', name=op.f('pk_visits')),
    sa.UniqueConstraint('fixmedins_code', 'ipt_otp_no', name='uq_visits_ipt_otp_no')
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_psn', ['psn_no'], unique=False)

    op.create_table('insurances',
    sa.Column('psn_no', sa.String(length=30), nullable=False),
    sa.Column('insutype', sa.String(length=3), nullable=False),
    sa.Column('psn_type', sa.String(length=6), nullable=False),
    sa.Column('insuplc_admdvs', sa.String(length=6), nullable=False),
    sa.Column('cvlserv_flag', sa.Boolean(), nullable=False),
    sa.Column('assistance_group', sa.String(length=30), nullable=True),
    sa.Column('psn_insu_stas', sa.String(length=1), nullable=False),
    sa.ForeignKeyConstraint(['psn_no'], ['persons.psn_no'], name=op.f('fk_insurances_psn_no_persons')),
    sa.PrimaryKeyConstraint('psn_no', 'insutype', name=op.f('pk_insurances'))
    )



def downgrade() -> None:

    op.drop_table('insurances')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_psn')

    op.drop_table('visits')
    op.drop_table('sign_ins')
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.drop_index('ix_settlements_psn')
        batch_op.drop_index('ix_settlements_mdtrt')
        batch_op.drop_index('ix_settlements_inst_time')

    op.drop_table('settlements')
    op.drop_table('selfpay')
    op.drop_table('request_log')
    op.drop_table('regions')
    op.drop_table('policies')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_certno')
        batch_op.drop_index('ix_persons_card_no')

    op.drop_table('persons')
    op.drop_table('lmtpric')
    op.drop_table('institutions')
    with op.batch_alter_table('hilist', schema=None) as batch_op:
        batch_op.drop_index('ix_hilist_region_code')

    op.drop_table('hilist')
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index('ix_filings_psn')

    op.drop_table('filings')
    op.drop_table('fee_lines')
    with op.batch_alter_table('diagnoses', schema=None) as batch_op:
        batch_op.drop_index('ix_diagnoses_mdtrt')

    op.drop_table('diagnoses')
    with op.batch_alter_table('accumulator_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_accumulator_entries_psn_year')

    op.drop_table('accumulator_entries')
    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_account_entries_psn')

    op.drop_table('account_entries')

