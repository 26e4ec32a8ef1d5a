"""manual claims (零星报销): claims, their lines, the reviewers' decisions and the payments

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 09:00:00

A visit not settled on the spot is claimed afterwards at the insured place. Partial unique
indexes claim an invoice and a registered visit once while a claim of them is alive; a CHECK
keeps an approved amount within what was billed; a claim is paid once. Lines, decisions and
payments are append-only in the database (triggers refuse UPDATE and DELETE): a correction is a
new opposite payment row, a second review a new round of decisions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

APPEND_ONLY = ('claim_lines', 'claim_decisions', 'claim_payments')
LIVE = "status NOT IN ('rejected', 'reversed')"
AMOUNTS = (
    'medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_scp_amt', 'act_pay_dedc',
    'hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'oth_pay', 'fund_pay_sumamt',
    'psn_part_amt', 'acct_pay', 'acct_mulaid_pay', 'psn_cash_pay', 'hosp_part_amt', 'balc',
)


def _claims() -> None:
    op.create_table(
        'claims',
        sa.Column('claim_id', sa.String(30), nullable=False),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insutype', sa.String(3), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('fixmedins_code', sa.String(30)),
        sa.Column('fixmedins_name', sa.String(200), nullable=False),
        sa.Column('mdtrtarea_admvs', sa.String(6), nullable=False),
        sa.Column('medins_lv', sa.String(1), server_default='', nullable=False),
        sa.Column('catalogue_admdvs', sa.String(6), nullable=False),
        sa.Column('med_type', sa.String(6), nullable=False),
        sa.Column('begndate', sa.Date(), nullable=False),
        sa.Column('enddate', sa.Date(), nullable=False),
        sa.Column('dise_codg', sa.String(30), server_default='', nullable=False),
        sa.Column('invoice_issuer', sa.String(240), nullable=False),
        sa.Column('invoice_no', sa.String(60), nullable=False),
        sa.Column('mdtrt_id', sa.String(30)),
        sa.Column('reason', sa.String(20), nullable=False),
        sa.Column('reason_text', sa.String(200), server_default='', nullable=False),
        sa.Column('medfee_sumamt_fen', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('review_round', sa.Integer(), server_default='0', nullable=False),
        sa.Column('precheck', sa.Text(), nullable=False),
        sa.Column('review', sa.Text(), server_default='', nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_by', sa.String(200), nullable=False),
        sa.Column('closed_at', sa.DateTime()),
        sa.Column('closed_by', sa.String(200), server_default='', nullable=False),
        sa.Column('close_reason', sa.String(200), server_default='', nullable=False),
        sa.CheckConstraint("status IN ('submitted', 'reviewed', 'paid', 'rejected', 'reversed')", name='ck_claims_status'),
        sa.CheckConstraint('enddate >= begndate', name='ck_claims_dates'),
        sa.CheckConstraint('medfee_sumamt_fen > 0', name='ck_claims_amount'),
        sa.PrimaryKeyConstraint('claim_id', name=op.f('pk_claims')),
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('uq_claims_invoice_live', ['invoice_issuer', 'invoice_no'], unique=True,
                              sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        visit_live = f"mdtrt_id IS NOT NULL AND {LIVE}"
        batch_op.create_index('uq_claims_visit_live', ['mdtrt_id'], unique=True,
                              sqlite_where=sa.text(visit_live), postgresql_where=sa.text(visit_live))
        batch_op.create_index('ix_claims_psn', ['psn_no'], unique=False)
        batch_op.create_index('ix_claims_status', ['insuplc_admdvs', 'status', 'submitted_at'], unique=False)


def _lines_and_decisions() -> None:
    op.create_table(
        'claim_lines',
        sa.Column('claim_id', sa.String(30), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('med_list_codg', sa.String(50), nullable=False),
        sa.Column('cnt', sa.String(24), nullable=False),
        sa.Column('pric', sa.String(24), nullable=False),
        sa.Column('det_item_fee_sumamt_fen', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('det_item_fee_sumamt_fen > 0', name='ck_claim_lines_amount'),
        sa.PrimaryKeyConstraint('claim_id', 'line_no', name=op.f('pk_claim_lines')),
    )
    op.create_table(
        'claim_decisions',
        sa.Column('claim_id', sa.String(30), nullable=False),
        sa.Column('review_round', sa.Integer(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(8), nullable=False),
        sa.Column('approved_amt_fen', sa.BigInteger(), nullable=False),
        sa.Column('billed_amt_fen', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(200), server_default='', nullable=False),
        sa.Column('decided_by', sa.String(200), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("decision IN ('approve', 'reduce', 'reject')", name='ck_claim_decisions_decision'),
        sa.CheckConstraint('approved_amt_fen >= 0 AND approved_amt_fen <= billed_amt_fen', name='ck_claim_decisions_billed'),
        sa.PrimaryKeyConstraint('claim_id', 'review_round', 'line_no', name=op.f('pk_claim_decisions')),
    )


def _payments() -> None:
    amounts = [sa.Column(f'{name}_fen', sa.BigInteger(), nullable=False) for name in AMOUNTS]
    op.create_table(
        'claim_payments',
        sa.Column('payment_id', sa.String(30), nullable=False),
        sa.Column('claim_id', sa.String(30), nullable=False),
        sa.Column('kind', sa.String(12), nullable=False),
        sa.Column('reverses_payment_id', sa.String(30)),
        sa.Column('psn_no', sa.String(30), nullable=False),
        sa.Column('insutype', sa.String(3), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('mdtrtarea_admvs', sa.String(6), nullable=False),
        sa.Column('policy_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(16), nullable=False),
        sa.Column('filing', sa.String(20)),
        sa.Column('adjustment', sa.String(40), server_default='', nullable=False),
        sa.Column('pool_prop_selfpay', sa.String(12), nullable=False),
        *amounts,
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('trace', sa.Text(), nullable=False),
        sa.Column('paid_at', sa.DateTime(), nullable=False),
        sa.Column('paid_by', sa.String(200), nullable=False),
        sa.CheckConstraint("kind IN ('payment', 'reversal')", name='ck_claim_payments_kind'),
        sa.PrimaryKeyConstraint('payment_id', name=op.f('pk_claim_payments')),
        sa.UniqueConstraint('reverses_payment_id', name=op.f('uq_claim_payments_reverses_payment_id')),
    )
    with op.batch_alter_table('claim_payments', schema=None) as batch_op:
        batch_op.create_index('uq_claim_payments_paid_once', ['claim_id'], unique=True,
                              sqlite_where=sa.text("kind = 'payment'"), postgresql_where=sa.text("kind = 'payment'"))
        batch_op.create_index('ix_claim_payments_paid_at', ['paid_at'], unique=False)


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION claims_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION claims_append_only()")
        return
    for table in APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _claims()
    _lines_and_decisions()
    _payments()
    _append_only()


def downgrade() -> None:
    paid = op.get_bind().execute(sa.text('SELECT count(*) FROM claim_payments')).scalar_one()
    if paid:
        raise RuntimeError(f'{paid} claim payments moved money; a downgrade would lose them (restore a backup instead)')
    for table in ('claim_payments', 'claim_decisions', 'claim_lines', 'claims'):
        op.drop_table(table)  # indexes and triggers go with them
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION claims_append_only()')
