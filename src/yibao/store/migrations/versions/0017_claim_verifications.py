"""claim verifications (协查): requests between agencies about a manual claim, and their steps

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-15 09:00:00

The insured place's agency asks the treatment place's agency to verify a claim (items to check,
a due date); the treatment agency answers once, the insured agency closes once. The request and
each step are rows of their own with their date and actor; the primary key (verification_id,
step) allows one answer and one close; CHECKs tie an outcome to an answer and a text to
discrepancies; triggers make both tables append-only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0018'
branch_labels = None
depends_on = None

APPEND_ONLY = ('claim_verifications', 'claim_verification_steps')


def _requests() -> None:
    op.create_table(
        'claim_verifications',
        sa.Column('verification_id', sa.String(30), nullable=False),
        sa.Column('claim_id', sa.String(30), nullable=False),
        sa.Column('insuplc_admdvs', sa.String(6), nullable=False),
        sa.Column('mdtrtarea_admvs', sa.String(6), nullable=False),
        sa.Column('items', sa.Text(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('requested_by', sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.claim_id'],
                                name=op.f('fk_claim_verifications_claim_id_claims')),
        sa.PrimaryKeyConstraint('verification_id', name=op.f('pk_claim_verifications')),
    )
    op.create_index('ix_claim_verifications_claim', 'claim_verifications', ['claim_id'])
    op.create_index('ix_claim_verifications_treatment', 'claim_verifications', ['mdtrtarea_admvs', 'requested_at'])
    op.create_index('ix_claim_verifications_insured', 'claim_verifications', ['insuplc_admdvs', 'requested_at'])


def _steps() -> None:
    op.create_table(
        'claim_verification_steps',
        sa.Column('verification_id', sa.String(30), nullable=False),
        sa.Column('step', sa.String(8), nullable=False),
        sa.Column('outcome', sa.String(14)),
        sa.Column('text', sa.String(2000), server_default='', nullable=False),
        sa.Column('line_findings', sa.Text(), server_default='[]', nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(200), nullable=False),
        sa.CheckConstraint("step IN ('answer', 'close')", name='ck_claim_verification_steps_step'),
        sa.CheckConstraint("(step = 'answer') = (outcome IS NOT NULL)", name='ck_claim_verification_steps_outcome'),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('confirmed', 'discrepancies')",
                           name='ck_claim_verification_steps_outcomes'),
        sa.CheckConstraint("outcome IS NULL OR outcome <> 'discrepancies' OR text <> ''",
                           name='ck_claim_verification_steps_text'),
        sa.ForeignKeyConstraint(['verification_id'], ['claim_verifications.verification_id'],
                                name=op.f('fk_claim_verification_steps_verification_id_claim_verifications')),
        sa.PrimaryKeyConstraint('verification_id', 'step', name=op.f('pk_claim_verification_steps')),
    )


def _append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION claim_verifications_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION claim_verifications_append_only()")
        return
    for table in APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def upgrade() -> None:
    _requests()
    _steps()
    _append_only()


def downgrade() -> None:
    # verification records are the agencies' correspondence; they hold no money, so they may go
    op.drop_table('claim_verification_steps')
    op.drop_table('claim_verifications')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION claim_verifications_append_only()')
