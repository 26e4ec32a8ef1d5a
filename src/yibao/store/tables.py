"""The schema (SQLAlchemy 2 Core). Change it only together with an Alembic migration.

Person-scoped tables carry ``psn_no`` in their keys or indexes so the schema can later be
distributed by insured person (architecture.md, "Growing past one machine").
Nothing financial is updated in place: settlements, reversals, account and accumulator
movements are appended; balances and year-to-date values are sums over history.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    LargeBinary,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

regions = Table(
    "regions",
    metadata,
    Column("admdvs", String(6), primary_key=True),
    Column("name", String(100), nullable=False),
)

policies = Table(
    "policies",
    metadata,
    Column("policy_id", Integer, primary_key=True, autoincrement=True),
    Column("admdvs", String(6), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("name", String(200), nullable=False),
    Column("document", Text, nullable=False),  # the policy document as imported (JSON)
    Column("imported_at", DateTime, nullable=False),
    UniqueConstraint("admdvs", "insutype", "valid_from", name="uq_policies_key"),
)

# The treatment place's catalogue, in the national shapes of 1312 / 1318 / 1319.
hilist = Table(
    "hilist",
    metadata,
    Column("hilist_code", String(50), primary_key=True),
    Column("insu_admdvs", String(6), primary_key=True),
    Column("begndate", Date, primary_key=True),
    Column("enddate", Date),
    Column("hilist_name", String(200), nullable=False),
    Column("med_chrgitm_type", String(6), nullable=False, default=""),
    Column("chrgitm_lv", String(3), nullable=False),
    Column("lmt_used_flag", String(1), nullable=False, default="0"),
    Column("list_type", String(3), nullable=False, default=""),
    Column("vali_flag", String(1), nullable=False, default="1"),
    # The catalogue version of the import that last wrote the row (migration 0010): 13xx
    # downloads answer the rows written after the version a HIS already has.
    Column("ver", BigInteger, nullable=False, server_default="0"),
    Index("ix_hilist_region_code", "insu_admdvs", "hilist_code"),
    Index("ix_hilist_ver", "ver"),
)

lmtpric = Table(
    "lmtpric",
    metadata,
    Column("hilist_code", String(50), primary_key=True),
    Column("insu_admdvs", String(6), primary_key=True),
    Column("begndate", Date, primary_key=True),
    Column("enddate", Date),
    Column("hilist_pric_uplmt_amt", String(24), nullable=False),  # exact decimal text (16,6)
    Column("hilist_lmtpric_type", String(6), nullable=False, default=""),
    Column("overlmt_dspo_way", String(6), nullable=False, default=""),
    Column("vali_flag", String(1), nullable=False, default="1"),
    Column("ver", BigInteger, nullable=False, server_default="0"),
)

selfpay = Table(
    "selfpay",
    metadata,
    Column("hilist_code", String(50), primary_key=True),
    Column("insu_admdvs", String(6), primary_key=True),
    Column("begndate", Date, primary_key=True),
    Column("selfpay_prop_psn_type", String(6), primary_key=True, default=""),
    Column("enddate", Date),
    Column("selfpay_prop", String(12), nullable=False),  # exact decimal text (5,4)
    Column("selfpay_prop_type", String(6), nullable=False, default=""),
    Column("vali_flag", String(1), nullable=False, default="1"),
    Column("ver", BigInteger, nullable=False, server_default="0"),
)

institutions = Table(
    "institutions",
    metadata,
    Column("fixmedins_code", String(30), primary_key=True),
    Column("fixmedins_name", String(200), nullable=False),
    Column("fixmedins_type", String(1), nullable=False),
    Column("medins_lv", String(1), nullable=False, default=""),
    Column("admdvs", String(6), nullable=False),
    Column("secret_salt", String(32), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    # How the institution authenticates at the gateway (migration 0009, gateway/auth.py); the
    # signature modes keep the secret sealed under the platform key (app/secret_box.py).
    Column("auth_mode", String(8), nullable=False, server_default="apikey"),
    Column("secret_sealed", String(255)),
    CheckConstraint("auth_mode IN ('apikey', 'x-tif', 'api', 'none')", name="ck_institutions_auth_mode"),
    CheckConstraint("auth_mode NOT IN ('x-tif', 'api') OR secret_sealed IS NOT NULL",
                    name="ck_institutions_sealed_secret"),
)

# Every accepted signed request's (timestamp, nonce, signature): the same three again within
# the timestamp window is a replay, refused by this key (gateway/dispatch.py). Rows past
# ``expires_at`` can go: their timestamp is refused as stale anyway.
auth_nonces = Table(
    "auth_nonces",
    metadata,
    Column("fixmedins_code", String(30), ForeignKey("institutions.fixmedins_code"), primary_key=True),
    Column("stamp", BigInteger, primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("signature", String(128), primary_key=True),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_auth_nonces_expires_at", "fixmedins_code", "expires_at"),
)

persons = Table(
    "persons",
    metadata,
    Column("psn_no", String(30), primary_key=True),
    Column("psn_cert_type", String(6), nullable=False, default="01"),
    Column("certno", String(50), nullable=False),
    Column("psn_name", String(50), nullable=False),
    Column("gend", String(1), nullable=False),
    Column("brdy", Date, nullable=False),
    Column("card_no", String(50), nullable=False, default=""),
    Column("family_psn_no", String(30)),  # 家庭共济: whose account this person may use
    Index("ix_persons_certno", "certno"),
    Index("ix_persons_card_no", "card_no"),
)

insurances = Table(
    "insurances",
    metadata,
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), primary_key=True),
    Column("insutype", String(3), primary_key=True),
    Column("psn_type", String(6), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("cvlserv_flag", Boolean, nullable=False, default=False),
    Column("assistance_group", String(30)),
    Column("psn_insu_stas", String(1), nullable=False, default="1"),
    # enrollment (migration 0020, docs/enrollment.md): NULL = enrolled and entitled as imported
    Column("enroll_date", Date),
    Column("benefit_begndate", Date),  # the first day a visit is paid
    Column("insu_enddate", Date),  # the last day of cover (ended or transferred out)
)

# Personal account movements, chained per person (docs/locking.md): entry ``seq`` names the
# entry before it (``prev_seq`` and that entry's ``balance_after_fen``), so the database itself
# refuses a balance below zero, two movements that both think they are next, and a chain that
# does not add up. The balance is the last entry's ``balance_after_fen`` (= the sum of amounts).
account_entries = Table(
    "account_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("prev_seq", Integer),
    Column("amount_fen", BigInteger, nullable=False),
    Column("balance_before_fen", BigInteger, nullable=False),
    Column("balance_after_fen", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False),  # opening | acct_pay | mutual_aid_pay | reversal | adjustment
    Column("setl_id", String(30)),
    Column("actor", String(200), nullable=False, server_default=""),  # who moved it (msgid, operator)
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("psn_no", "seq", name="uq_account_entries_seq"),
    UniqueConstraint("psn_no", "seq", "balance_after_fen", name="uq_account_entries_chain"),
    ForeignKeyConstraint(
        ["psn_no", "prev_seq", "balance_before_fen"],
        ["account_entries.psn_no", "account_entries.seq", "account_entries.balance_after_fen"],
        name="fk_account_entries_prev",
    ),
    CheckConstraint("balance_after_fen >= 0", name="ck_account_entries_not_negative"),
    CheckConstraint("balance_after_fen = balance_before_fen + amount_fen", name="ck_account_entries_adds_up"),
    CheckConstraint(
        "(prev_seq IS NULL AND seq = 1 AND balance_before_fen = 0) OR (prev_seq IS NOT NULL AND prev_seq = seq - 1)",
        name="ck_account_entries_chain",
    ),
)

sign_ins = Table(
    "sign_ins",
    metadata,
    Column("sign_no", String(32), primary_key=True),
    Column("fixmedins_code", String(30), nullable=False),
    Column("opter_no", String(30), nullable=False, default=""),
    Column("sign_time", DateTime, nullable=False),
    Column("sign_out_time", DateTime),
)

visits = Table(
    "visits",
    metadata,
    Column("mdtrt_id", String(30), primary_key=True),
    Column("fixmedins_code", String(30), nullable=False),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("med_type", String(6), nullable=False),
    Column("kind", String(12), nullable=False),  # outpatient | inpatient | pharmacy
    Column("ipt_otp_no", String(40), nullable=False),  # a pharmacy sale's is its msgid (≤ 40)
    Column("begntime", DateTime, nullable=False),
    Column("endtime", DateTime),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("mdtrtarea_admvs", String(6), nullable=False),
    Column("dise_codg", String(30), nullable=False, default=""),
    Column("dise_name", String(200), nullable=False, default=""),
    Column("status", String(12), nullable=False),  # registered | discharged | cancelled
    Column("created_at", DateTime, nullable=False),
    Column("emergency", Boolean, nullable=False, server_default="0"),  # 急诊: treated as filed
    # 生育 (migration 0021): 2203/2401/2403 matn_type 生育类别 and birctrl_type 计划生育手术类别,
    # which select a maternity policy's delivery benefit (domain/maternity.py)
    Column("matn_type", String(6)),
    Column("birctrl_type", String(6)),
    UniqueConstraint("fixmedins_code", "ipt_otp_no", name="uq_visits_ipt_otp_no"),
    Index("ix_visits_psn", "psn_no"),
)

diagnoses = Table(
    "diagnoses",
    metadata,
    Column("diag_id", Integer, primary_key=True, autoincrement=True),
    Column("mdtrt_id", String(30), nullable=False),
    Column("stage", String(6), nullable=False),  # otp | adm | dscg
    Column("diag_type", String(6), nullable=False, default=""),
    Column("diag_srt_no", String(6), nullable=False, default=""),
    Column("diag_code", String(30), nullable=False),
    Column("diag_name", String(200), nullable=False, default=""),
    Column("maindiag_flag", String(1), nullable=False, default=""),
    Index("ix_diagnoses_mdtrt", "mdtrt_id"),
)

fee_lines = Table(
    "fee_lines",
    metadata,
    Column("mdtrt_id", String(30), primary_key=True),
    Column("feedetl_sn", String(30), primary_key=True),
    Column("init_feedetl_sn", String(30), nullable=False, default=""),  # 2301 退单: the line refunded
    Column("psn_no", String(30), nullable=False),
    Column("chrg_bchno", String(30), nullable=False, default=""),
    Column("med_list_codg", String(50), nullable=False),
    Column("medins_list_codg", String(150), nullable=False, default=""),
    Column("cnt", String(24), nullable=False),
    Column("pric", String(24), nullable=False),
    Column("det_item_fee_sumamt_fen", BigInteger, nullable=False),
    Column("fee_ocur_time", DateTime, nullable=False),
    Column("status", String(12), nullable=False),  # uploaded | cancelled
    Column("upload_msgid", String(40), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
)

settlements = Table(
    "settlements",
    metadata,
    Column("setl_id", String(30), primary_key=True),
    Column("mdtrt_id", String(30), nullable=False),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("fixmedins_code", String(30), nullable=False),
    Column("med_type", String(6), nullable=False),
    Column("kind", String(12), nullable=False),  # settlement | reversal
    Column("reverses_setl_id", String(30), unique=True),  # a settlement is reversed at most once
    # A visit's settlements form a chain: the first follows nothing, each later one follows the
    # reversal of the one before it. With the two unique indexes below, the database allows at
    # most one active (unreversed) settlement per visit (docs/locking.md).
    Column("follows_reversal_id", String(30)),
    Column("medins_setl_id", String(40), nullable=False),  # the msgid of the request
    Column("infno", String(6), nullable=False),
    Column("setl_time", DateTime, nullable=False),
    Column("year", Integer, nullable=False),  # the insured place's policy year of the accumulators
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("mdtrtarea_admvs", String(6), nullable=False),
    Column("policy_id", Integer, nullable=False),
    Column("scope", String(16), nullable=False),
    Column("filing", String(20)),
    Column("filing_no", String(30)),
    Column("adjustment", String(40), nullable=False, server_default=""),  # e.g. subtract_points 0.1
    Column("clr_type", String(6), nullable=False),
    Column("chrg_bchno", String(30), nullable=False, default=""),
    Column("medfee_sumamt_fen", BigInteger, nullable=False),
    Column("fulamt_ownpay_amt_fen", BigInteger, nullable=False),
    Column("overlmt_selfpay_fen", BigInteger, nullable=False),
    Column("preselfpay_amt_fen", BigInteger, nullable=False),
    Column("inscp_scp_amt_fen", BigInteger, nullable=False),
    Column("act_pay_dedc_fen", BigInteger, nullable=False),
    Column("hifp_pay_fen", BigInteger, nullable=False),
    Column("pool_prop_selfpay", String(12), nullable=False),
    Column("cvlserv_pay_fen", BigInteger, nullable=False),
    Column("hifes_pay_fen", BigInteger, nullable=False),
    Column("hifmi_pay_fen", BigInteger, nullable=False),
    Column("hifob_pay_fen", BigInteger, nullable=False),
    Column("maf_pay_fen", BigInteger, nullable=False),
    Column("oth_pay_fen", BigInteger, nullable=False),
    Column("fund_pay_sumamt_fen", BigInteger, nullable=False),
    Column("psn_part_amt_fen", BigInteger, nullable=False),
    Column("acct_pay_fen", BigInteger, nullable=False),
    Column("acct_mulaid_pay_fen", BigInteger, nullable=False),
    Column("psn_cash_pay_fen", BigInteger, nullable=False),
    Column("hosp_part_amt_fen", BigInteger, nullable=False),
    Column("balc_fen", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),  # setldetail, line split, accumulator delta (JSON)
    Column("trace", Text, nullable=False),  # JSON array of words
    Index("ix_settlements_mdtrt", "mdtrt_id"),
    Index("ix_settlements_psn", "psn_no"),
    Index("ix_settlements_inst_time", "fixmedins_code", "setl_time"),
    Index("uq_settlements_first", "mdtrt_id", unique=True,
          sqlite_where=text("kind = 'settlement' AND follows_reversal_id IS NULL"),
          postgresql_where=text("kind = 'settlement' AND follows_reversal_id IS NULL")),
    Index("uq_settlements_follows", "follows_reversal_id", unique=True),
)

# Year-to-date accumulators as movements; a person's ytd is the sum per (category, key).
accumulator_entries = Table(
    "accumulator_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("year", Integer, nullable=False),
    Column("category", String(20), nullable=False),  # visits | inscp | deductible_paid | fund_paid | layer_base
    Column("key", String(50), nullable=False),
    Column("amount", BigInteger, nullable=False),  # fen, or a count for visits
    Column("setl_id", String(30), nullable=False),
    Index("ix_accumulator_entries_psn_year", "psn_no", "insutype", "year"),
)

# Cross-region filings (备案) by the insured place's agency, a HIS (2501) or an import.
# A change is a new filing that replaces the old one; cancelling ends a filing, it is not deleted.
filings = Table(
    "filings",
    metadata,
    Column("filing_id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), nullable=False),
    Column("filing_type", String(20), nullable=False),  # long_term | referral | emergency | temporary_other
    Column("dest_admdvs", String(6), nullable=False),  # a province xx0000 or a city
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("created_at", DateTime, nullable=False),
    Column("filing_no", String(30), unique=True),  # trt_dcla_detl_sn
    Column("subtype", String(30), nullable=False, server_default=""),
    Column("commitment_letter", Boolean, nullable=False, server_default="0"),
    Column("locked_until", Date),
    Column("status", String(12), nullable=False, server_default="active"),  # active | cancelled
    Column("ended_at", DateTime),
    Column("end_reason", String(200), nullable=False, server_default=""),
    Column("replaces_filing_no", String(30)),
    Column("source", String(12), nullable=False, server_default="import"),  # agency | his | import
    Column("created_by", String(30), nullable=False, server_default=""),
    Index("ix_filings_psn", "psn_no"),
)

# 门慢特 qualifications (资格认定) by the insured place: agency, a HIS of the insured
# province (2503) or an import.
qualifications = Table(
    "qualifications",
    metadata,
    Column("qual_no", String(30), primary_key=True),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("opsp_dise_code", String(30), nullable=False),
    Column("opsp_dise_name", String(100), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("status", String(12), nullable=False),  # active | cancelled
    Column("ended_at", DateTime),
    Column("source", String(12), nullable=False),
    Column("created_by", String(30), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_qualifications_psn", "psn_no"),
)

# Insurance agencies (经办机构) using the admin API, by region; the token is stored hashed.
agencies = Table(
    "agencies",
    metadata,
    Column("agency_code", String(6), primary_key=True),  # the region it administers
    Column("agency_name", String(100), nullable=False),
    Column("token_salt", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("role", String(20), nullable=False),  # agency
)

# Every state-changing request by the sender's msgid: a retry gets the stored answer.
# On PostgreSQL (migration 0026) partitioned by month of received_at; its key (institution, msgid)
# is kept global by the non-partitioned request_keys table and a trigger (store/partitions.py).
request_log = Table(
    "request_log",
    metadata,
    Column("fixmedins_code", String(30), primary_key=True),
    Column("msgid", String(40), primary_key=True),
    Column("infno", String(6), nullable=False),
    Column("request_sha256", String(64), nullable=False),  # the input, to tell a retry from a reuse
    Column("received_at", DateTime, nullable=False),
    Column("infcode", Integer, nullable=False),
    Column("output", Text, nullable=False),  # the response output (JSON)
    Column("err_msg", Text, nullable=False, default=""),
)


# --- fund flows: ledger, prepayment, clearing, institution applications ---------------------

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    Column("ref", String(40), nullable=False),  # setl_id, prepayment id, statement id …
    Column("created_at", DateTime, nullable=False),
    Index("ix_ledger_entries_ref", "ref"),
)

ledger_postings = Table(
    "ledger_postings",
    metadata,
    Column("posting_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, nullable=False),
    Column("account", String(80), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    # the day written: the monthly partition key on PostgreSQL (migration 0026, store/partitions.py)
    Column("posted_on", Date, nullable=False, server_default=text("CURRENT_DATE")),
    Index("ix_ledger_postings_account", "account"),
    Index("ix_ledger_postings_entry", "entry_id"),
)

prepayments = Table(
    "prepayments",
    metadata,
    Column("prepay_id", String(30), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("insured_admdvs", String(6), nullable=False),
    Column("treatment_prov", String(6), nullable=False),
    Column("kind", String(12), nullable=False),  # annual | top_up
    Column("amount_fen", BigInteger, nullable=False),
    Column("basis_fen", BigInteger, nullable=False),  # prior-year cross-region fund payments
    Column("months", String(8), nullable=False),  # sizing: months' worth of the basis
    Column("status", String(12), nullable=False),  # approved | paid | received
    Column("approved_at", DateTime, nullable=False),
    Column("paid_at", DateTime),
    Column("received_at", DateTime),
    Index("ix_prepayments_pair", "insured_admdvs", "treatment_prov", "year"),
)

clearing_statements = Table(
    "clearing_statements",
    metadata,
    Column("statement_id", String(30), primary_key=True),
    Column("month", String(7), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("mdtrtarea_admvs", String(6), nullable=False),
    Column("setl_cnt", Integer, nullable=False),
    Column("medfee_sumamt_fen", BigInteger, nullable=False),
    Column("fund_pay_sumamt_fen", BigInteger, nullable=False),
    Column("acct_pay_fen", BigInteger, nullable=False),  # own account and family mutual aid
    Column("psn_cash_pay_fen", BigInteger, nullable=False),
    Column("clearing_amount_fen", BigInteger, nullable=False),  # what the insured region owes: funds + accounts
    Column("status", String(12), nullable=False),  # generated | confirmed | paid | superseded
    Column("generated_at", DateTime, nullable=False),
    Column("insured_confirmed_at", DateTime),
    Column("treatment_confirmed_at", DateTime),
    Column("paid_at", DateTime),
    # 0016: 0 is the month's statement, 1, 2 … its supplementary statements (late settlements)
    Column("sequence", Integer, nullable=False, server_default="0"),
    # a re-run before confirmation writes version n+1 and marks version n superseded
    Column("version", Integer, nullable=False, server_default="1"),
    Column("supersedes", String(30)),
    Column("provisional", Boolean, nullable=False, server_default=false()),  # run before the month ended
    Column("superseded_at", DateTime),
    Column("insured_confirmed_by", String(200)),  # actor labels (app/actors.Actor.label)
    Column("treatment_confirmed_by", String(200)),
    Column("paid_by", String(200)),
    UniqueConstraint("month", "insuplc_admdvs", "mdtrtarea_admvs", "sequence", "version",
                     name="uq_clearing_statements_version"),
    CheckConstraint("status IN ('generated', 'confirmed', 'paid', 'superseded')", name="ck_clearing_statements_status"),
    Index("uq_clearing_statements_live", "month", "insuplc_admdvs", "mdtrtarea_admvs", "sequence", unique=True,
          sqlite_where=text("status <> 'superseded'"), postgresql_where=text("status <> 'superseded'")),
    Index("uq_clearing_statements_open", "month", "insuplc_admdvs", "mdtrtarea_admvs", unique=True,
          sqlite_where=text("status = 'generated'"), postgresql_where=text("status = 'generated'")),
)

# Which statement cleared each cross-region settlement: the primary key clears a fen once.
clearing_items = Table(
    "clearing_items",
    metadata,
    Column("setl_id", String(30), primary_key=True),
    Column("month", String(7), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("mdtrtarea_admvs", String(6), nullable=False),
    Index("ix_clearing_items_month", "month", "insuplc_admdvs", "mdtrtarea_admvs"),
)

clearing_applications = Table(
    "clearing_applications",
    metadata,
    Column("clr_appy_evt_id", String(30), primary_key=True),
    Column("fixmedins_code", String(30), nullable=False),
    Column("clr_type", String(6), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=False),
    Column("setl_cnt", Integer, nullable=False),
    Column("medfee_sumamt_fen", BigInteger, nullable=False),
    Column("fund_pay_sumamt_fen", BigInteger, nullable=False),
    Column("acct_pay_fen", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),  # applied | cancelled
    Column("created_at", DateTime, nullable=False),
    Column("cancelled_at", DateTime),
    # The last line behind the lock of docs/locking.md: one open application per institution,
    # clearing type and period start.
    Index("uq_clearing_applications_open", "fixmedins_code", "clr_type", "begndate", unique=True,
          sqlite_where=text("status = 'applied'"), postgresql_where=text("status = 'applied'")),
)


# --- fund supervision: rule packages, death registry, findings, cases and sanctions -----------

rule_packages = Table(
    "rule_packages",
    metadata,
    Column("package_id", Integer, primary_key=True, autoincrement=True),
    Column("admdvs", String(6), nullable=False),  # the region whose package it is
    Column("version", String(40), nullable=False),
    Column("document", Text, nullable=False),  # rules + knowledge base (JSON)
    Column("source", String(100), nullable=False),  # who made it, or which region shared it
    Column("imported_at", DateTime, nullable=False),
    Column("refuse_definite", Boolean, nullable=False, server_default="0"),  # definite violations refuse settlement
    UniqueConstraint("admdvs", "version", name="uq_rule_packages_version"),
)

deaths = Table(
    "deaths",
    metadata,
    Column("certno", String(50), primary_key=True),
    Column("die_date", Date, nullable=False),
    Column("imported_at", DateTime, nullable=False),
)

audit_findings = Table(
    "audit_findings",
    metadata,
    Column("finding_id", String(30), primary_key=True),
    Column("stage", String(6), nullable=False),  # 事前 | 事中 | 事后
    Column("run_id", String(40), nullable=False),  # a msgid (≤ 40) or a batch run id
    Column("rule_id", String(40), nullable=False),
    Column("rule_type", String(20), nullable=False),
    Column("result_type", String(10), nullable=False),  # 明确违规 | 可疑
    Column("sev_deg", String(6), nullable=False),
    Column("mdtrt_id", String(30), nullable=False),
    Column("setl_id", String(30), nullable=False, server_default=""),
    Column("feedetl_sn", String(30), nullable=False, server_default=""),
    Column("psn_no", String(30), nullable=False),
    Column("fixmedins_code", String(30), nullable=False),
    Column("vola_amt_fen", BigInteger, nullable=False),
    Column("vola_cont", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("found_at", DateTime, nullable=False),
    Index("ix_audit_findings_setl", "setl_id"),
    Index("ix_audit_findings_inst", "fixmedins_code"),
    Index("ix_audit_findings_run", "run_id"),  # migration 0022: a run's findings, the queue's live set
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(30), primary_key=True),
    Column("admdvs", String(6), nullable=False),  # the supervising agency's region
    Column("subject_type", String(12), nullable=False),  # institution | person
    Column("subject_id", String(30), nullable=False),
    Column("status", String(14), nullable=False),  # suspected | investigating | confirmed | dismissed
    Column("summary", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),  # the amount at stake
    Column("source", String(20), nullable=False),  # audit | notice:<region> | manual
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
    Index("ix_cases_subject", "subject_type", "subject_id"),
)

case_events = Table(  # append-only history of a case: status changes, money, notes, linked findings
    "case_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(30), nullable=False),
    Column("kind", String(14), nullable=False),  # status | recovery | refund | penalty | finding | note | police
    Column("amount_fen", BigInteger, nullable=False, server_default="0"),
    Column("detail", Text, nullable=False),
    Column("by", String(30), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_case_events_case", "case_id"),
)

sanctions = Table(  # agreement actions on institutions and direct-settlement suspensions of persons
    "sanctions",
    metadata,
    Column("sanction_id", String(30), primary_key=True),
    Column("subject_type", String(12), nullable=False),  # institution | person
    Column("subject_id", String(30), nullable=False),
    Column("kind", String(12), nullable=False),  # suspend | terminate
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),  # open for a termination
    Column("reason", Text, nullable=False),
    Column("case_id", String(30)),
    Column("created_at", DateTime, nullable=False),
    Column("lifted_at", DateTime),
    Index("ix_sanctions_subject", "subject_type", "subject_id"),
)

credit_records = Table(
    "credit_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("subject_type", String(12), nullable=False),
    Column("subject_id", String(30), nullable=False),
    Column("points", Integer, nullable=False),  # deducted credit points (negative) or restored
    Column("reason", Text, nullable=False),
    Column("case_id", String(30)),
    Column("at", DateTime, nullable=False),
    Index("ix_credit_records_subject", "subject_type", "subject_id"),
)

action_log = Table(  # append-only: who did what, one row per write action, in the action's transaction
    "action_log",
    metadata,
    Column("action_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor_kind", String(12), nullable=False),  # institution | agency | operator | system
    Column("actor_party", String(100), nullable=False),  # fixmedins_code | agency code | operator name
    Column("actor_ref", String(60), nullable=False, server_default=""),  # msgid:… | token:<fingerprint> | ""
    Column("action", String(40), nullable=False),  # clearing.confirm | prepayment.paid | case.money | …
    Column("subject", String(60), nullable=False),  # statement_id | prepay_id | psn_no | case_id | …
    Column("detail", Text, nullable=False, server_default="{}"),  # JSON text
    CheckConstraint("actor_kind IN ('institution', 'agency', 'operator', 'system')", name="ck_action_log_actor_kind"),
    Index("ix_action_log_subject", "subject"),
    Index("ix_action_log_at", "at"),
)


# A version per cache that workers keep (the treatment places' catalogues): an import bumps it
# in its own transaction, and every request reads it with its authentication, so a worker's
# cached entries are never used after an import committed (docs/locking.md, "No cached
# security decisions", and issue: caches correct across worker processes).
cache_versions = Table(
    "cache_versions",
    metadata,
    Column("name", String(30), primary_key=True),
    Column("version", BigInteger, nullable=False),
)


# --- files, national code lists, institutions' list mappings (migration 0010) ----------------

# National code lists that are not priced: the diagnosis (ICD-10 医保版, 1307) and procedure
# (ICD-9-CM-3 医保版, 1308) catalogues and the other code lists of 1309–1315, one row per
# (list, code). ``detail`` keeps the list's other national columns (JSON); ``ver`` is the
# catalogue version of the import that last wrote the row, as on hilist.
code_lists = Table(
    "code_lists",
    metadata,
    Column("list_kind", String(20), primary_key=True),  # diagnosis | procedure | chronic_disease | …
    Column("code", String(50), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("cgy_code", String(50), nullable=False, server_default=""),  # 类目代码: the grouping key
    Column("vali_flag", String(1), nullable=False, server_default="1"),
    Column("detail", Text, nullable=False, server_default="{}"),
    Column("ver", BigInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_code_lists_ver", "list_kind", "ver"),
)

# Files exchanged with institutions (9101 upload, 13xx catalogue downloads, fetched with 9102).
# A file is fetched once (downloaded_msgid, set once; a retry of that msgid is served again)
# and not after expires_at. Not financial: the content of an expired file may be purged.
exchange_files = Table(
    "exchange_files",
    metadata,
    Column("file_qury_no", String(30), primary_key=True),
    Column("fixmedins_code", String(30), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("origin", String(12), nullable=False),  # 9101 | 1301 … 1315 (what made it)
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_msgid", String(40), nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("downloaded_at", DateTime),
    Column("downloaded_msgid", String(40)),
    Column("purged_at", DateTime),
    CheckConstraint("(downloaded_at IS NULL) = (downloaded_msgid IS NULL)", name="ck_exchange_files_download"),
    CheckConstraint("expires_at > created_at", name="ck_exchange_files_expiry"),
    Index("ix_exchange_files_inst", "fixmedins_code"),
)

# An institution's own list codes mapped to national codes (3301 upload, 3302 revoke; 1317
# answers them). A revoked mapping stays, with who revoked it and when; at most one mapping of
# a code is active per institution (partial unique index).
list_mappings = Table(
    "list_mappings",
    metadata,
    Column("map_id", Integer, primary_key=True, autoincrement=True),
    Column("fixmedins_code", String(30), nullable=False),
    Column("medins_list_codg", String(150), nullable=False),  # fixmedins_hilist_id of 3301
    Column("medins_list_name", String(200), nullable=False),
    Column("list_type", String(30), nullable=False),
    Column("med_list_codg", String(50), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("detail", Text, nullable=False, server_default="{}"),  # aprvno, dosform, spec … as sent
    Column("created_at", DateTime, nullable=False),
    Column("created_msgid", String(40), nullable=False),
    Column("revoked_at", DateTime),
    Column("revoked_msgid", String(40)),
    CheckConstraint("(revoked_at IS NULL) = (revoked_msgid IS NULL)", name="ck_list_mappings_revoked"),
    Index("uq_list_mappings_active", "fixmedins_code", "medins_list_codg", unique=True,
          sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
)


# --- migration 0011: departments, practitioners, 人员定点备案, settlement lists, 病案首页 -------

# 科室 (3401–3403). An upload, a change and a revocation are each a new row naming the row it
# replaces: a department's current state is the tip of its chain (the row nothing replaces), and
# the database allows one chain per (institution, hosp_dept_codg) — one first row (partial unique
# index) and one successor per row (unique replaces_dept_id).
departments = Table(
    "departments",
    metadata,
    Column("dept_id", Integer, primary_key=True, autoincrement=True),
    Column("fixmedins_code", String(30), nullable=False),
    Column("hosp_dept_codg", String(30), nullable=False),
    Column("hosp_dept_name", String(100), nullable=False),
    Column("caty", String(6), nullable=False),
    Column("begntime", DateTime, nullable=False),
    Column("endtime", DateTime),
    Column("itro", String(500), nullable=False, server_default=""),
    Column("dept_resper_name", String(50), nullable=False, server_default=""),
    Column("dept_resper_tel", String(50), nullable=False, server_default=""),
    Column("dept_med_serv_scp", String(500), nullable=False, server_default=""),
    Column("dept_estbdat", Date),
    Column("aprv_bed_cnt", Integer, nullable=False, server_default="0"),
    Column("hi_crtf_bed_cnt", Integer, nullable=False, server_default="0"),
    Column("poolarea_no", String(6), nullable=False, server_default=""),
    Column("dr_psncnt", Integer, nullable=False, server_default="0"),
    Column("phar_psncnt", Integer, nullable=False, server_default="0"),
    Column("nurs_psncnt", Integer, nullable=False, server_default="0"),
    Column("tecn_psncnt", Integer, nullable=False, server_default="0"),
    Column("memo", String(200), nullable=False, server_default=""),
    Column("vali_flag", String(1), nullable=False),  # 1 in force, 0 revoked (3403)
    Column("action", String(8), nullable=False),  # upload | change | revoke
    Column("replaces_dept_id", Integer, ForeignKey("departments.dept_id"), unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(60), nullable=False),  # the request's msgid
    CheckConstraint("vali_flag IN ('0', '1')", name="ck_departments_vali_flag"),
    CheckConstraint("aprv_bed_cnt >= 0 AND hi_crtf_bed_cnt >= 0 AND dr_psncnt >= 0 AND phar_psncnt >= 0 "
                    "AND nurs_psncnt >= 0 AND tecn_psncnt >= 0", name="ck_departments_counts"),
    Index("ix_departments_code", "fixmedins_code", "hosp_dept_codg"),
    Index("uq_departments_first", "fixmedins_code", "hosp_dept_codg", unique=True,
          sqlite_where=text("replaces_dept_id IS NULL"), postgresql_where=text("replaces_dept_id IS NULL")),
)

# 医执人员 (5102): the practitioners registered with an institution, imported by the agency
# (`yibao import practitioners`), keyed by the national practitioner code.
practitioners = Table(
    "practitioners",
    metadata,
    Column("fixmedins_code", String(30), primary_key=True),
    Column("prac_psn_code", String(20), primary_key=True),
    Column("prac_psn_type", String(6), nullable=False),  # 1 医师 2 护士 3 药师 4 医技人员
    Column("psn_cert_type", String(6), nullable=False, server_default="01"),
    Column("certno", String(50), nullable=False),
    Column("prac_psn_name", String(50), nullable=False),
    Column("prac_psn_no", String(20), nullable=False, server_default=""),
    Column("prac_psn_cert", String(30), nullable=False, server_default=""),
    Column("prac_cert_no", String(30), nullable=False, server_default=""),
    Column("hi_dr_flag", String(3), nullable=False, server_default="1"),
    Column("hosp_dept_codg", String(30), nullable=False, server_default=""),
    Column("begntime", DateTime, nullable=False),
    Column("endtime", DateTime),
    Column("chg_rea", String(200), nullable=False, server_default=""),
)

# 人员定点备案 (2505/2506): a person's designated institutions (选定点), by the insured place.
# Like the other filings, a revocation ends the filing (status, time, reason); it is not deleted.
designated_filings = Table(
    "designated_filings",
    metadata,
    Column("trt_dcla_detl_sn", String(30), primary_key=True),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("biz_appy_type", String(3), nullable=False),
    Column("fix_srt_no", String(3), nullable=False),
    Column("fixmedins_code", String(30), nullable=False),
    Column("fixmedins_name", String(200), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("memo", String(200), nullable=False, server_default=""),
    Column("status", String(12), nullable=False),  # active | cancelled
    Column("ended_at", DateTime),
    Column("end_reason", String(200), nullable=False, server_default=""),
    Column("created_by", String(30), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_designated_filings_psn", "psn_no"),
)

# 医疗保障基金结算清单 (4101/4101A), one row per upload: a re-upload is a new row that names the
# list it supersedes (never an update). The database allows one chain per settlement: one first
# upload (partial unique index) and one successor per list (unique supersedes_list_id). Rows are
# append-only (triggers, migration 0011). Diagnoses and operations are rows of coded_diagnoses /
# coded_operations (DIP/DRG grouping reads them); the other nodes are kept as JSON text.
setl_lists = Table(
    "setl_lists",
    metadata,
    Column("setl_list_id", String(30), primary_key=True),
    Column("setl_id", String(30), nullable=False),
    Column("mdtrt_id", String(30), nullable=False),
    Column("psn_no", String(30), nullable=False),
    Column("fixmedins_code", String(30), nullable=False),
    Column("infno", String(6), nullable=False),  # 4101 | 4101A
    Column("supersedes_list_id", String(30), ForeignKey("setl_lists.setl_list_id"), unique=True),
    Column("medcasno", String(40), nullable=False, server_default=""),
    Column("hi_paymtd", String(6), nullable=False, server_default=""),
    Column("psn_selfpay_fen", BigInteger, nullable=False),
    Column("psn_ownpay_fen", BigInteger, nullable=False),
    Column("acct_pay_fen", BigInteger, nullable=False),
    Column("psn_cashpay_fen", BigInteger, nullable=False),
    Column("setlinfo", Text, nullable=False),  # JSON, national names, as validated
    Column("payinfo", Text, nullable=False),  # JSON array
    Column("iteminfo", Text, nullable=False),  # JSON array
    Column("icuinfo", Text, nullable=False),  # JSON array
    Column("qc_problems", Text, nullable=False),  # JSON array: the quality findings 4104 answers
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(60), nullable=False),  # the request's msgid
    Index("ix_setl_lists_setl", "setl_id"),
    Index("uq_setl_lists_first", "setl_id", unique=True,
          sqlite_where=text("supersedes_list_id IS NULL"), postgresql_where=text("supersedes_list_id IS NULL")),
)

# 4102: a list's status changes, appended; its status is the last row's (none: the upload's).
setl_list_statuses = Table(
    "setl_list_statuses",
    metadata,
    Column("status_id", Integer, primary_key=True, autoincrement=True),
    Column("setl_list_id", String(30), ForeignKey("setl_lists.setl_list_id"), nullable=False),
    Column("stas_type", String(1), nullable=False),  # 0 未提交 (editable) | 1 已提交
    Column("changed_at", DateTime, nullable=False),
    Column("changed_by", String(60), nullable=False),
    CheckConstraint("stas_type IN ('0', '1')", name="ck_setl_list_statuses_stas_type"),
    Index("ix_setl_list_statuses_list", "setl_list_id"),
)

# 住院病案首页 (4401), one row per upload, superseding like the settlement list, per visit.
medical_records = Table(
    "medical_records",
    metadata,
    Column("record_id", String(30), primary_key=True),
    Column("mdtrt_id", String(30), nullable=False),
    Column("psn_no", String(30), nullable=False),
    Column("fixmedins_code", String(30), nullable=False),
    Column("supersedes_record_id", String(30), ForeignKey("medical_records.record_id"), unique=True),
    Column("baseinfo", Text, nullable=False),  # JSON, national names
    Column("icuinfo", Text, nullable=False),  # JSON array
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(60), nullable=False),
    Index("ix_medical_records_mdtrt", "mdtrt_id"),
    Index("uq_medical_records_first", "mdtrt_id", unique=True,
          sqlite_where=text("supersedes_record_id IS NULL"), postgresql_where=text("supersedes_record_id IS NULL")),
)

# The coded diagnoses (ICD-10 医保版) and operations (ICD-9-CM-3 医保版) of a settlement list
# (doc_kind 'setl_list') or a 病案首页 (doc_kind 'medcas'), one row each, for DIP/DRG grouping.
coded_diagnoses = Table(
    "coded_diagnoses",
    metadata,
    Column("diag_row_id", Integer, primary_key=True, autoincrement=True),
    Column("doc_kind", String(10), nullable=False),
    Column("doc_id", String(30), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("source", String(10), nullable=False),  # diseinfo | opspdise
    Column("diag_type", String(6), nullable=False, server_default=""),
    Column("diag_code", String(30), nullable=False),
    Column("diag_name", String(200), nullable=False, server_default=""),
    Column("maindiag_flag", String(1), nullable=False, server_default=""),
    Column("adm_cond_type", String(6), nullable=False, server_default=""),
    CheckConstraint("doc_kind IN ('setl_list', 'medcas')", name="ck_coded_diagnoses_doc_kind"),
    Index("ix_coded_diagnoses_doc", "doc_id"),
    Index("ix_coded_diagnoses_code", "diag_code"),
)

coded_operations = Table(
    "coded_operations",
    metadata,
    Column("oprn_row_id", Integer, primary_key=True, autoincrement=True),
    Column("doc_kind", String(10), nullable=False),
    Column("doc_id", String(30), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("oprn_oprt_type", String(6), nullable=False, server_default=""),
    Column("oprn_oprt_code", String(30), nullable=False),
    Column("oprn_oprt_name", String(200), nullable=False, server_default=""),
    Column("oprn_oprt_date", DateTime),
    Column("anst_way", String(6), nullable=False, server_default=""),
    Column("oper_dr_code", String(30), nullable=False, server_default=""),
    Column("oper_dr_name", String(50), nullable=False, server_default=""),
    Column("anst_dr_code", String(30), nullable=False, server_default=""),
    Column("anst_dr_name", String(50), nullable=False, server_default=""),
    CheckConstraint("doc_kind IN ('setl_list', 'medcas')", name="ck_coded_operations_doc_kind"),
    Index("ix_coded_operations_doc", "doc_id"),
    Index("ix_coded_operations_code", "oprn_oprt_code"),
)


# --- manual claims (零星报销 / 手工报销): visits the insured paid in full and claim afterwards ------
# A claim is taken, reviewed line by line and paid by the agency of the insured place. Its payment
# is a settlement computed by the same engine but kept in ``claim_payments``, not ``settlements``:
# the insured place pays the person, so clearing between regions (which reads ``settlements``)
# never sees it (docs/architecture-notes.md, "Manual claims").
claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(30), primary_key=True),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),  # the insured place, read at intake
    Column("fixmedins_code", String(30)),  # None for an institution not in the register
    Column("fixmedins_name", String(200), nullable=False),
    Column("mdtrtarea_admvs", String(6), nullable=False),
    Column("medins_lv", String(1), nullable=False, server_default=""),
    Column("catalogue_admdvs", String(6), nullable=False),  # whose catalogue classifies the lines
    Column("med_type", String(6), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=False),
    Column("dise_codg", String(30), nullable=False, server_default=""),
    Column("invoice_issuer", String(240), nullable=False),  # fixmedins_code, or "admdvs:name" off the register
    Column("invoice_no", String(60), nullable=False),
    Column("mdtrt_id", String(30)),  # the visit registered at the counter, when there was one
    Column("reason", String(20), nullable=False),  # not_filed | not_networked | outage | emergency | other
    Column("reason_text", String(200), nullable=False, server_default=""),
    Column("medfee_sumamt_fen", BigInteger, nullable=False),  # what the invoice billed
    Column("status", String(12), nullable=False),  # submitted | reviewed | paid | rejected | reversed
    Column("review_round", Integer, nullable=False, server_default="0"),
    Column("precheck", Text, nullable=False),  # the automatic pre-check at intake (JSON)
    Column("review", Text, nullable=False, server_default=""),  # the settlement computed at review (JSON)
    Column("submitted_at", DateTime, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("closed_at", DateTime),  # paid, rejected or reversed
    Column("closed_by", String(200), nullable=False, server_default=""),
    Column("close_reason", String(200), nullable=False, server_default=""),
    CheckConstraint("status IN ('submitted', 'reviewed', 'paid', 'rejected', 'reversed')", name="ck_claims_status"),
    CheckConstraint("enddate >= begndate", name="ck_claims_dates"),
    CheckConstraint("medfee_sumamt_fen > 0", name="ck_claims_amount"),
    # An invoice and a registered visit are claimed once while a claim of them is alive.
    Index("uq_claims_invoice_live", "invoice_issuer", "invoice_no", unique=True,
          sqlite_where=text("status NOT IN ('rejected', 'reversed')"),
          postgresql_where=text("status NOT IN ('rejected', 'reversed')")),
    Index("uq_claims_visit_live", "mdtrt_id", unique=True,
          sqlite_where=text("mdtrt_id IS NOT NULL AND status NOT IN ('rejected', 'reversed')"),
          postgresql_where=text("mdtrt_id IS NOT NULL AND status NOT IN ('rejected', 'reversed')")),
    Index("ix_claims_psn", "psn_no"),
    Index("ix_claims_status", "insuplc_admdvs", "status", "submitted_at"),
)

claim_lines = Table(  # the invoice's fee lines as billed, never changed
    "claim_lines",
    metadata,
    Column("claim_id", String(30), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("med_list_codg", String(50), nullable=False),
    Column("cnt", String(24), nullable=False),  # exact decimal text
    Column("pric", String(24), nullable=False),
    Column("det_item_fee_sumamt_fen", BigInteger, nullable=False),
    CheckConstraint("det_item_fee_sumamt_fen > 0", name="ck_claim_lines_amount"),
)

claim_decisions = Table(  # the reviewer's line decisions, one round per review, append-only
    "claim_decisions",
    metadata,
    Column("claim_id", String(30), primary_key=True),
    Column("review_round", Integer, primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("decision", String(8), nullable=False),  # approve | reduce | reject
    Column("approved_amt_fen", BigInteger, nullable=False),
    Column("billed_amt_fen", BigInteger, nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime, nullable=False),
    CheckConstraint("decision IN ('approve', 'reduce', 'reject')", name="ck_claim_decisions_decision"),
    # the reviewer cannot approve more than was billed
    CheckConstraint("approved_amt_fen >= 0 AND approved_amt_fen <= billed_amt_fen", name="ck_claim_decisions_billed"),
)

claim_payments = Table(  # a paid claim's settlement, and its correction as an opposite row
    "claim_payments",
    metadata,
    Column("payment_id", String(30), primary_key=True),
    Column("claim_id", String(30), nullable=False),
    Column("kind", String(12), nullable=False),  # payment | reversal
    Column("reverses_payment_id", String(30), unique=True),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("year", Integer, nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("mdtrtarea_admvs", String(6), nullable=False),
    Column("policy_id", Integer, nullable=False),
    Column("scope", String(16), nullable=False),
    Column("filing", String(20)),
    Column("adjustment", String(40), nullable=False, server_default=""),
    Column("medfee_sumamt_fen", BigInteger, nullable=False),
    Column("fulamt_ownpay_amt_fen", BigInteger, nullable=False),
    Column("overlmt_selfpay_fen", BigInteger, nullable=False),
    Column("preselfpay_amt_fen", BigInteger, nullable=False),
    Column("inscp_scp_amt_fen", BigInteger, nullable=False),
    Column("act_pay_dedc_fen", BigInteger, nullable=False),
    Column("hifp_pay_fen", BigInteger, nullable=False),
    Column("pool_prop_selfpay", String(12), nullable=False),
    Column("cvlserv_pay_fen", BigInteger, nullable=False),
    Column("hifes_pay_fen", BigInteger, nullable=False),
    Column("hifmi_pay_fen", BigInteger, nullable=False),
    Column("hifob_pay_fen", BigInteger, nullable=False),
    Column("maf_pay_fen", BigInteger, nullable=False),
    Column("oth_pay_fen", BigInteger, nullable=False),
    Column("fund_pay_sumamt_fen", BigInteger, nullable=False),
    Column("psn_part_amt_fen", BigInteger, nullable=False),
    Column("acct_pay_fen", BigInteger, nullable=False),
    Column("acct_mulaid_pay_fen", BigInteger, nullable=False),
    Column("psn_cash_pay_fen", BigInteger, nullable=False),
    Column("hosp_part_amt_fen", BigInteger, nullable=False),
    Column("balc_fen", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),  # setldetail, line split, accumulator delta (JSON)
    Column("trace", Text, nullable=False),
    Column("paid_at", DateTime, nullable=False),
    Column("paid_by", String(200), nullable=False),
    CheckConstraint("kind IN ('payment', 'reversal')", name="ck_claim_payments_kind"),
    # a claim is paid once (its correction is the reversal row, which names the payment)
    Index("uq_claim_payments_paid_once", "claim_id", unique=True,
          sqlite_where=text("kind = 'payment'"), postgresql_where=text("kind = 'payment'")),
    Index("ix_claim_payments_paid_at", "paid_at"),
)

# --- 医保电子凭证 (migration 0013; docs/evoucher.md) ---------------------------------------------

evouchers = Table(  # one voucher per person, issued at activation; append-only
    "evouchers",
    metadata,
    Column("voucher_id", String(30), primary_key=True),
    Column("psn_no", String(30), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),  # the insured place at activation (counts by region)
    Column("activated_at", DateTime, nullable=False),
    Column("activated_by", String(200), nullable=False),
    UniqueConstraint("psn_no", name="uq_evouchers_psn_no"),
    Index("ix_evouchers_region", "insuplc_admdvs"),
)

evoucher_states = Table(  # suspensions and resumptions: a chain per voucher (seq 1, 2, …), append-only
    "evoucher_states",
    metadata,
    Column("voucher_id", String(30), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("state", String(10), nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("changed_at", DateTime, nullable=False),
    Column("changed_by", String(200), nullable=False),
    CheckConstraint("state IN ('active', 'suspended')", name="ck_evoucher_states_state"),
    CheckConstraint("seq >= 1", name="ck_evoucher_states_seq"),
)

evoucher_keys = Table(  # without YIBAO_SECRET_KEY only: the database's random token key (one row)
    "evoucher_keys",
    metadata,
    Column("key_id", Integer, primary_key=True, autoincrement=False),
    Column("key_b64", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    CheckConstraint("key_id = 1", name="ck_evoucher_keys_one"),
)


# --- agreements (协议管理, migration 0014) ------------------------------------------------------

# Every step of an institution's agreement with its agency, as a new row: the application, the
# evaluation (checklist and score), the signature with its period and services, renewals,
# suspensions (and their early end), terminations. Nothing is updated or deleted (triggers); the
# state on a day is folded from the rows (domain/agreements.py). An Internet+ supplementary
# agreement (``kind = 'internet'``) names the physical institution's designation agreement it
# depends on (seed 003 §三: its period follows that agreement). The gateway reads the rows from a
# per-worker copy kept under the ``agreements`` cache version the triggers bump.
agreement_records = Table(
    "agreement_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),  # also the order of the steps
    Column("agreement_id", String(30), nullable=False),
    Column("fixmedins_code", String(30), ForeignKey("institutions.fixmedins_code"), nullable=False),
    Column("kind", String(12), nullable=False),  # designation | internet
    Column("parent_agreement_id", String(30)),  # internet: the physical designation agreement
    Column("step", String(12), nullable=False),
    Column("begndate", Date),
    Column("enddate", Date),
    Column("services", String(200), nullable=False, server_default=""),  # ';'-separated SERVICES
    Column("score", Integer),  # evaluate
    Column("checklist", Text, nullable=False, server_default="{}"),  # evaluate: item -> passed (JSON)
    Column("prices", Text, nullable=False, server_default="[]"),  # internet: [{item, price (yuan text)}]
    Column("refers_to", Integer),  # resume: the suspension it ends; cascade: the step that caused it
    Column("reason", Text, nullable=False, server_default=""),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("kind IN ('designation', 'internet')", name="ck_agreement_records_kind"),
    CheckConstraint("step IN ('apply', 'evaluate', 'sign', 'renew', 'suspend', 'resume', 'terminate')",
                    name="ck_agreement_records_step"),
    CheckConstraint("(kind = 'internet') = (parent_agreement_id IS NOT NULL)", name="ck_agreement_records_parent"),
    CheckConstraint("enddate IS NULL OR begndate IS NULL OR enddate >= begndate", name="ck_agreement_records_period"),
    CheckConstraint("step NOT IN ('sign', 'suspend', 'resume', 'terminate') OR begndate IS NOT NULL",
                    name="ck_agreement_records_dated"),
    CheckConstraint("step <> 'suspend' OR enddate IS NOT NULL", name="ck_agreement_records_suspension_end"),
    CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="ck_agreement_records_score"),
    # an agreement is signed once, a suspension ended early once
    Index("uq_agreement_records_signed_once", "agreement_id", unique=True,
          sqlite_where=text("step = 'sign'"), postgresql_where=text("step = 'sign'")),
    Index("uq_agreement_records_resumed_once", "refers_to", unique=True,
          sqlite_where=text("step = 'resume'"), postgresql_where=text("step = 'resume'")),
    Index("ix_agreement_records_institution", "fixmedins_code"),
    Index("ix_agreement_records_agreement", "agreement_id"),
)


# --- enrollment, contributions, transfers, account crediting (migration 0020; docs/enrollment.md) ----

# Every step of a person's insurance as a dated, append-only row: an enrollment (or a transfer-in)
# opens a period, suspension and resumption mark it, an end closes it (``refers_to`` the period).
# A person's periods of one insutype form one chain: one first period, and each later one follows
# the end of the one before (``follows_end_id``, once) with that end's date (``prev_enddate``,
# composite foreign key), a transfer-in beginning exactly the day after it. So a person is never
# insured twice in one insutype, and a transfer leaves no day uninsured.
enrollment_records = Table(
    "enrollment_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("step", String(12), nullable=False),  # enroll | transfer_in | suspend | resume | end
    Column("enroll_kind", String(10)),  # employee | resident | student | newborn | imported
    Column("psn_type", String(6)),
    Column("emp_no", String(30)),  # the employer (单位编号) of an employee
    Column("begndate", Date, nullable=False),  # the period's first day; the step's date
    Column("enddate", Date),  # end: the last day of cover
    Column("benefit_begndate", Date),  # periods: the first day a visit is paid
    Column("refers_to", Integer),  # suspend/resume/end: the period
    Column("follows_end_id", Integer),  # a later period: the end of the one before
    Column("prev_enddate", Date),
    Column("transfer_id", String(30)),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("step IN ('enroll', 'transfer_in', 'suspend', 'resume', 'end')", name="ck_enrollment_records_step"),
    CheckConstraint("(step IN ('enroll', 'transfer_in')) = (refers_to IS NULL)", name="ck_enrollment_records_refers"),
    CheckConstraint("(step = 'end') = (enddate IS NOT NULL)", name="ck_enrollment_records_enddate"),
    CheckConstraint("(follows_end_id IS NULL) = (prev_enddate IS NULL)", name="ck_enrollment_records_follows"),
    CheckConstraint("step <> 'transfer_in' OR follows_end_id IS NOT NULL", name="ck_enrollment_records_transfer"),
    CheckConstraint("prev_enddate IS NULL OR begndate > prev_enddate", name="ck_enrollment_records_after"),
    CheckConstraint("step <> 'transfer_in' OR begndate = date(prev_enddate, '+1 day')",
                    name="ck_enrollment_records_next_day").ddl_if(dialect="sqlite"),
    CheckConstraint("step <> 'transfer_in' OR begndate = prev_enddate + 1",
                    name="ck_enrollment_records_next_day").ddl_if(dialect="postgresql"),
    UniqueConstraint("record_id", "psn_no", "insutype", "enddate", name="uq_enrollment_records_end_key"),
    UniqueConstraint("follows_end_id", name="uq_enrollment_records_follows_end_id"),
    ForeignKeyConstraint(["follows_end_id", "psn_no", "insutype", "prev_enddate"],
                         ["enrollment_records.record_id", "enrollment_records.psn_no", "enrollment_records.insutype",
                          "enrollment_records.enddate"], name="fk_enrollment_records_follows"),
    Index("uq_enrollment_records_first", "psn_no", "insutype", unique=True,
          sqlite_where=text("step IN ('enroll', 'transfer_in') AND follows_end_id IS NULL"),
          postgresql_where=text("step IN ('enroll', 'transfer_in') AND follows_end_id IS NULL")),
    Index("uq_enrollment_records_ended_once", "refers_to", unique=True,
          sqlite_where=text("step = 'end'"), postgresql_where=text("step = 'end'")),
    Index("ix_enrollment_records_psn", "psn_no", "insutype"),
)

contributions = Table(  # 缴费: one row per person, insutype and month; append-only
    "contributions",
    metadata,
    Column("contribution_id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM, the period paid for
    Column("base_fen", BigInteger),  # 缴费基数 (employees)
    Column("emp_amt_fen", BigInteger, nullable=False),  # the employer's (or government's) part
    Column("psn_amt_fen", BigInteger, nullable=False),  # the person's own part
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("emp_amt_fen >= 0 AND psn_amt_fen >= 0", name="ck_contributions_amounts"),
    UniqueConstraint("psn_no", "insutype", "month", name="uq_contributions_month"),
    Index("ix_contributions_month", "month"),
)

transfers = Table(  # 参保关系转移: the transfer-out region's information record; append-only
    "transfers",
    metadata,
    Column("transfer_id", String(30), primary_key=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("from_admdvs", String(6), nullable=False),
    Column("to_admdvs", String(6), nullable=False),
    Column("psn_type", String(6), nullable=False),
    Column("contribution_months", Integer, nullable=False),  # recognised months, carried ones included
    Column("last_contribution_month", String(7)),
    Column("acct_balance_fen", BigInteger, nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("issued_by", String(200), nullable=False),
    CheckConstraint("from_admdvs <> to_admdvs", name="ck_transfers_regions"),
    CheckConstraint("acct_balance_fen >= 0 AND contribution_months >= 0", name="ck_transfers_amounts"),
    Index("ix_transfers_psn", "psn_no"),
)

transfer_acceptances = Table(  # the transfer-in region's acceptance, once per transfer; append-only
    "transfer_acceptances",
    metadata,
    Column("transfer_id", String(30), ForeignKey("transfers.transfer_id"), primary_key=True),
    Column("begndate", Date, nullable=False),  # cover in the new region from this day
    Column("benefit_begndate", Date, nullable=False),
    Column("enrollment_record_id", Integer, nullable=False),
    Column("acct_moved_fen", BigInteger, nullable=False),
    Column("pooled_fund_fen", BigInteger, nullable=False, server_default="0"),  # 统筹基金划转 (regional rule)
    Column("accepted_at", DateTime, nullable=False),
    Column("accepted_by", String(200), nullable=False),
    UniqueConstraint("enrollment_record_id", name="uq_transfer_acceptances_enrollment_record_id"),
)

account_credits = Table(  # 个人账户划入: once per person and month; append-only
    "account_credits",
    metadata,
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("basis", String(12), nullable=False),  # share (of the person's contribution) | retiree
    Column("amount_fen", BigInteger, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("credited_at", DateTime, nullable=False),
    CheckConstraint("basis IN ('share', 'retiree')", name="ck_account_credits_basis"),
    CheckConstraint("amount_fen > 0", name="ck_account_credits_amount"),
)


# E-prescriptions (电子处方流转, migration 0018; app/prescriptions.py, docs/internet-plus.md). A
# prescription is kept as uploaded (7101); its later steps (7102 sign, 7103 upload, 7104 revoke)
# are rows of their own, each once; a pharmacy's 2102 is a dispensing, its reversal an opposite
# ``return`` row that puts the quantities back. One live dispensing per prescription: the first has
# no ``follows_return_id``, a later one follows the return of the one before. All append-only.
prescriptions = Table(
    "prescriptions",
    metadata,
    Column("hi_rxno", String(30), primary_key=True),  # 医保处方编号, ours
    Column("rx_trace_code", String(40), nullable=False),  # 处方追溯码, ours
    Column("hosp_rxno", String(40), nullable=False),  # the HIS's own number
    Column("fixmedins_code", String(30), ForeignKey("institutions.fixmedins_code"), nullable=False),
    Column("admdvs", String(6), nullable=False),  # the prescribing institution's region
    Column("mdtrt_id", String(30), nullable=False, server_default=""),
    Column("psn_no", String(30), nullable=False),
    Column("rx_type_code", String(6), nullable=False, server_default=""),
    Column("prsc_time", DateTime, nullable=False),
    Column("valid_days", Integer, nullable=False),
    Column("valid_end_time", DateTime, nullable=False),
    Column("maindiag_code", String(30), nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),  # mdtrtinfo, diseinfo and the rest, as sent
    Column("msgid", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    CheckConstraint("valid_days BETWEEN 1 AND 30", name="ck_prescriptions_valid_days"),
    CheckConstraint("valid_end_time > prsc_time", name="ck_prescriptions_valid_end"),
    UniqueConstraint("rx_trace_code", name="uq_prescriptions_rx_trace_code"),
    UniqueConstraint("fixmedins_code", "hosp_rxno", name="uq_prescriptions_hosp_rxno"),
    Index("ix_prescriptions_psn", "psn_no"),
)

prescription_lines = Table(
    "prescription_lines",
    metadata,
    Column("hi_rxno", String(30), ForeignKey("prescriptions.hi_rxno"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("med_list_codg", String(50), nullable=False),
    Column("drug_genname", String(200), nullable=False, server_default=""),
    Column("cnt", String(24), nullable=False),  # drug_totlcnt, decimal text as fee_lines.cnt
    Column("drug_sumamt_fen", BigInteger, nullable=False, server_default="0"),
)

prescription_steps = Table(
    "prescription_steps",
    metadata,
    Column("step_id", Integer, primary_key=True, autoincrement=True),
    Column("hi_rxno", String(30), ForeignKey("prescriptions.hi_rxno"), nullable=False),
    Column("step", String(8), nullable=False),  # sign | upload | revoke
    Column("detail", Text, nullable=False, server_default="{}"),
    Column("msgid", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("step IN ('sign', 'upload', 'revoke')", name="ck_prescription_steps_step"),
    UniqueConstraint("hi_rxno", "step", name="uq_prescription_steps_once"),
)

prescription_dispensings = Table(
    "prescription_dispensings",
    metadata,
    Column("dispensing_id", String(30), primary_key=True),
    Column("hi_rxno", String(30), ForeignKey("prescriptions.hi_rxno"), nullable=False),
    Column("kind", String(8), nullable=False),  # dispense | return
    Column("fixmedins_code", String(30), nullable=False),  # the pharmacy
    Column("mdtrt_id", String(30), nullable=False),
    Column("setl_id", String(30), nullable=False),  # the 2102 settlement, or its reversal
    Column("returns_dispensing_id", String(30)),
    Column("follows_return_id", String(30)),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("kind IN ('dispense', 'return')", name="ck_prescription_dispensings_kind"),
    CheckConstraint("(kind = 'return') = (returns_dispensing_id IS NOT NULL)", name="ck_prescription_dispensings_return"),
    CheckConstraint("kind = 'dispense' OR follows_return_id IS NULL", name="ck_prescription_dispensings_follows"),
    UniqueConstraint("returns_dispensing_id", name="uq_prescription_dispensings_returned_once"),
    UniqueConstraint("follows_return_id", name="uq_prescription_dispensings_follows"),
    Index("uq_prescription_dispensings_first", "hi_rxno", unique=True,
          sqlite_where=text("kind = 'dispense' AND follows_return_id IS NULL"),
          postgresql_where=text("kind = 'dispense' AND follows_return_id IS NULL")),
    Index("ix_prescription_dispensings_setl", "setl_id"),
)

prescription_dispensed_lines = Table(
    "prescription_dispensed_lines",
    metadata,
    Column("dispensing_id", String(30), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("hi_rxno", String(30), nullable=False),
    Column("cnt", String(24), nullable=False),  # taken (positive) or put back (negative)
    ForeignKeyConstraint(["dispensing_id"], ["prescription_dispensings.dispensing_id"],
                         name="fk_rx_dispensed_lines_dispensing"),
)

# Per pair of prescribing and dispensing region: whether the dispensing region recognises the
# prescriptions, and whether 7103 is required before dispensing; the latest row of a pair holds
# (no row: recognised within a province, upload required; docs/internet-plus.md).
rx_region_settings = Table(
    "rx_region_settings",
    metadata,
    Column("setting_id", Integer, primary_key=True, autoincrement=True),
    Column("prescribing_admdvs", String(6), nullable=False),
    Column("dispensing_admdvs", String(6), nullable=False),
    Column("recognised", Boolean, nullable=False),
    Column("upload_required", Boolean, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_rx_region_settings_pair", "prescribing_admdvs", "dispensing_admdvs"),
)


# --- claim verifications (协查, migration 0017; app/claim_verifications.py) ---------------------
# The insured place's agency asks the treatment place's agency to verify a manual claim; the
# request and each later step (the answer, the close) are rows of their own, dated, with their
# actor, never changed (triggers). Its state is folded from the steps (domain/claim_verifications.py).
claim_verifications = Table(
    "claim_verifications",
    metadata,
    Column("verification_id", String(30), primary_key=True),
    Column("claim_id", String(30), ForeignKey("claims.claim_id"), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),  # the asking side (the claim's insured region)
    Column("mdtrtarea_admvs", String(6), nullable=False),  # the side asked (the claim's treatment region)
    Column("items", Text, nullable=False),  # [{line_no or null, question}] (JSON)
    Column("due_date", Date, nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Index("ix_claim_verifications_claim", "claim_id"),
    Index("ix_claim_verifications_treatment", "mdtrtarea_admvs", "requested_at"),
    Index("ix_claim_verifications_insured", "insuplc_admdvs", "requested_at"),
)

claim_verification_steps = Table(  # a request is answered once and closed once (primary key)
    "claim_verification_steps",
    metadata,
    Column("verification_id", String(30), ForeignKey("claim_verifications.verification_id"), primary_key=True),
    Column("step", String(8), primary_key=True),  # answer | close
    Column("outcome", String(14)),  # answer: confirmed | discrepancies
    Column("text", String(2000), nullable=False, server_default=""),
    Column("line_findings", Text, nullable=False, server_default="[]"),  # answer: [{line_no, finding}] (JSON)
    Column("recorded_at", DateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    CheckConstraint("step IN ('answer', 'close')", name="ck_claim_verification_steps_step"),
    CheckConstraint("(step = 'answer') = (outcome IS NOT NULL)", name="ck_claim_verification_steps_outcome"),
    CheckConstraint("outcome IS NULL OR outcome IN ('confirmed', 'discrepancies')",
                    name="ck_claim_verification_steps_outcomes"),
    CheckConstraint("outcome IS NULL OR outcome <> 'discrepancies' OR text <> ''",
                    name="ck_claim_verification_steps_text"),
)


# 亲情账户 (domain-rules §2.3, migration 0021): bindings of a close relative to an employee's
# personal account, and their ends, as dated records (an unbinding is a new row naming the
# binding it ends). ``binding_id`` orders the bindings: with several binders the earliest pays
# first. Append-only (triggers).
FAMILY_RELATIONS = ("spouse", "parent", "child", "sibling", "grandparent", "grandchild")
family_bindings = Table(
    "family_bindings",
    metadata,
    Column("binding_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(6), nullable=False),  # bind | unbind
    Column("owner_psn_no", String(30), ForeignKey("persons.psn_no", name="fk_family_bindings_owner"), nullable=False),
    Column("relative_psn_no", String(30), ForeignKey("persons.psn_no", name="fk_family_bindings_relative"),
           nullable=False),
    Column("relation", String(12), nullable=False),  # FAMILY_RELATIONS, or unstated (the import's link)
    Column("unbinds", Integer, ForeignKey("family_bindings.binding_id", name="fk_family_bindings_unbinds"),
           unique=True),
    Column("begndate", Date),
    Column("source", String(12), nullable=False),  # admin | cli | import
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("kind IN ('bind', 'unbind')", name="ck_family_bindings_kind"),
    CheckConstraint("relation IN ('spouse', 'parent', 'child', 'sibling', 'grandparent', 'grandchild', 'unstated')",
                    name="ck_family_bindings_relation"),
    CheckConstraint("owner_psn_no <> relative_psn_no", name="ck_family_bindings_not_self"),
    CheckConstraint("(kind = 'unbind') = (unbinds IS NOT NULL)", name="ck_family_bindings_unbinds"),
    Index("ix_family_bindings_relative", "relative_psn_no"),
    Index("ix_family_bindings_owner", "owner_psn_no"),
)

# 生育津贴 (docs/maternity.md, migration 0021): one per person and delivery, with the figures it
# was computed from; the money is a ledger entry. Append-only (triggers).
maternity_allowances = Table(
    "maternity_allowances",
    metadata,
    Column("allowance_id", String(30), primary_key=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no", name="fk_maternity_allowances_psn_no"), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("policy_id", Integer, nullable=False),
    Column("delivery_date", Date, nullable=False),
    Column("delivery_type", String(20), nullable=False),
    Column("days", Integer, nullable=False),
    Column("avg_monthly_wage_fen", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("days > 0 AND amount_fen >= 0 AND avg_monthly_wage_fen >= 0", name="ck_maternity_allowances_amounts"),
    UniqueConstraint("psn_no", "delivery_date", name="uq_maternity_allowances_delivery"),
)

# 生育登记 (docs/maternity.md, migration 0021): a person's maternity visits settle from begndate
# to enddate where the policy requires a filing. Append-only (triggers).
maternity_filings = Table(
    "maternity_filings",
    metadata,
    Column("filing_id", String(30), primary_key=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no", name="fk_maternity_filings_psn_no"), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("enddate >= begndate", name="ck_maternity_filings_period"),
    Index("ix_maternity_filings_psn_no", "psn_no"),
)


# --- payment methods (docs/payment-methods.md, migration 0019): every row appended, never
# rewritten (triggers refuse UPDATE and DELETE); the latest row of a key is the one in force.
PAYMENT_METHODS = "'total_budget', 'dip', 'drg', 'per_diem', 'fee_for_service'"

# The region's payment method for an institution and year, set by the agency (history kept).
payment_method_records = Table(
    "payment_method_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("fixmedins_code", String(30), ForeignKey("institutions.fixmedins_code"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("method", String(20), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint(f"method IN ({PAYMENT_METHODS})", name="ck_payment_method_records_method"),
    Index("ix_payment_method_records_key", "fixmedins_code", "year"),
)

# A total budget (总额预算) per institution and year; a new amount is a new row.
budgets = Table(
    "budgets",
    metadata,
    Column("budget_id", Integer, primary_key=True, autoincrement=True),
    Column("fixmedins_code", String(30), ForeignKey("institutions.fixmedins_code"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("amount_fen >= 0", name="ck_budgets_amount"),
    Index("ix_budgets_key", "fixmedins_code", "year"),
)

# A month's advance (预拨) of a budget: once per institution, year and month.
budget_advances = Table(
    "budget_advances",
    metadata,
    Column("advance_id", Integer, primary_key=True, autoincrement=True),
    Column("fixmedins_code", String(30), ForeignKey("institutions.fixmedins_code"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("budget_id", Integer, ForeignKey("budgets.budget_id"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("withheld_fen", BigInteger, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("month BETWEEN 1 AND 12", name="ck_budget_advances_month"),
    CheckConstraint("withheld_fen BETWEEN 0 AND amount_fen", name="ck_budget_advances_withheld"),
    UniqueConstraint("fixmedins_code", "year", "month", name="uq_budget_advances_month"),
)

# A year-end settlement of a payment method per institution and year, and its corrections: a
# chain like the settlements' (one first settlement per institution and year, each later one
# follows the correction of the one before it, a settlement is corrected at most once).
payment_results = Table(
    "payment_results",
    metadata,
    Column("result_id", String(30), primary_key=True),
    Column("fixmedins_code", String(30), ForeignKey("institutions.fixmedins_code"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("method", String(20), nullable=False),
    Column("kind", String(12), nullable=False),  # settlement | correction
    Column("corrects_id", String(30), ForeignKey("payment_results.result_id"), unique=True),
    Column("follows_correction_id", String(30), ForeignKey("payment_results.result_id"), unique=True),
    Column("amount_fen", BigInteger, nullable=False),  # the year-end payment (negative: owed back)
    Column("detail", Text, nullable=False),  # the figures (JSON, fen as integers)
    Column("reason", Text, nullable=False, server_default=""),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint(f"method IN ({PAYMENT_METHODS})", name="ck_payment_results_method"),
    CheckConstraint("kind IN ('settlement', 'correction')", name="ck_payment_results_kind"),
    CheckConstraint("(kind = 'correction') = (corrects_id IS NOT NULL)", name="ck_payment_results_corrects"),
    Index("uq_payment_results_first", "fixmedins_code", "year", unique=True,
          sqlite_where=text("kind = 'settlement' AND follows_correction_id IS NULL"),
          postgresql_where=text("kind = 'settlement' AND follows_correction_id IS NULL")),
    Index("ix_payment_results_key", "fixmedins_code", "year"),
)

# A region's DIP groups and point value or DRG weights for a year, built here or imported from
# another region (JSON, the export's shape); the latest row of (admdvs, year, method) is in force.
payment_tables = Table(
    "payment_tables",
    metadata,
    Column("table_id", Integer, primary_key=True, autoincrement=True),
    Column("admdvs", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("method", String(8), nullable=False),  # dip | drg
    Column("source", String(60), nullable=False),  # built | imported from {admdvs}
    Column("content", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("method IN ('dip', 'drg')", name="ck_payment_tables_method"),
    Index("ix_payment_tables_key", "admdvs", "year", "method"),
)


# --- the findings queue (migration 0022, issue #17 item 3) ----------------------------------------

FINDING_STATUSES = ("new", "checking", "confirmed", "dismissed", "appealed")

audit_runs = Table(  # one post-event audit run; a re-run of the same key supersedes the one before
    "audit_runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("run_key", String(120), nullable=False),  # region|begin|end|package region:version
    Column("admdvs", String(6), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=False),
    Column("package_version", String(60), nullable=False),
    Column("supersedes_run_id", String(40)),
    Column("findings", Integer, nullable=False),
    Column("ran_at", DateTime, nullable=False),
    Column("ran_by", String(200), nullable=False),
    UniqueConstraint("supersedes_run_id", name="uq_audit_runs_supersedes"),
    Index("uq_audit_runs_first", "run_key", unique=True,
          sqlite_where=text("supersedes_run_id IS NULL"), postgresql_where=text("supersedes_run_id IS NULL")),
)

finding_transitions = Table(  # append-only: a finding's states, each a dated record with its actor
    "finding_transitions",
    metadata,
    Column("finding_id", String(30), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("from_status", String(12), nullable=False),
    Column("to_status", String(12), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("seq >= 1", name="ck_finding_transitions_seq"),
    CheckConstraint("to_status IN ('checking', 'confirmed', 'dismissed', 'appealed')",
                    name="ck_finding_transitions_status"),
)


# Agencies' users (经办人员) with roles, and their API tokens (migration 0023, docs/users-and-roles.md).
# A password is kept only as its scrypt hash with the parameters it was made with; a token only
# as a salted SHA-256 (it is random and long). ``session_epoch`` grows at each sign-out and
# password change: dashboard sessions are signed with it, so they all end at once.
agency_users = Table(
    "agency_users",
    metadata,
    Column("user_id", String(12), primary_key=True),
    Column("agency_code", String(6), ForeignKey("agencies.agency_code"), nullable=False),
    Column("username", String(32), nullable=False),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("roles", String(60), nullable=False),  # ','-separated: clerk, auditor, accountant, administrator
    Column("password_hash", String(200), nullable=False),  # scrypt$n$r$p$salt$hash (app/passwords.py)
    Column("session_epoch", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("disabled_at", DateTime),
    Column("disabled_by", String(200)),
    CheckConstraint("roles <> ''", name="ck_agency_users_roles"),
    UniqueConstraint("agency_code", "username", name="uq_agency_users_name"),
)

agency_user_tokens = Table(
    "agency_user_tokens",
    metadata,
    Column("token_id", String(12), primary_key=True),
    Column("user_id", String(12), ForeignKey("agency_users.user_id"), nullable=False),
    Column("token_salt", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Index("ix_agency_user_tokens_user", "user_id"),
)


# --- joint supervision, experts, reports and credit policy (migration 0025; docs/joint-supervision.md) ---

JOINT_STEPS_SQL = "step IN ('request', 'assign', 'result', 'conclude')"

check_requests = Table(  # 异地协查: one agency asks another to check on site; its steps below
    "check_requests",
    metadata,
    Column("request_id", String(30), primary_key=True),
    Column("from_admdvs", String(6), nullable=False),  # the requesting agency
    Column("to_admdvs", String(6), nullable=False),  # the addressed agency, the only one that answers
    Column("fixmedins_code", String(30), nullable=False),  # the institution to check
    Column("items", Text, nullable=False),  # JSON list of the items to check
    Column("case_id", String(30)),  # the requesting agency's case, if any
    Column("requested_at", DateTime, nullable=False),
    CheckConstraint("from_admdvs <> to_admdvs", name="ck_check_requests_other_region"),
    Index("ix_check_requests_to", "to_admdvs"),
)

check_request_steps = Table(  # append-only; each step once, numbered in order
    "check_request_steps",
    metadata,
    Column("request_id", String(30), ForeignKey("check_requests.request_id"), primary_key=True),
    Column("step", String(10), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("inspector", String(100), nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),
    Column("evidence", Text, nullable=False, server_default="[]"),  # JSON [{name, sha256}]
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint(JOINT_STEPS_SQL, name="ck_check_request_steps_step"),
    UniqueConstraint("request_id", "seq", name="uq_check_request_steps_seq"),
)

inspections = Table(  # 联合检查
    "inspections",
    metadata,
    Column("inspection_id", String(30), primary_key=True),
    Column("lead_admdvs", String(6), nullable=False),
    Column("title", String(200), nullable=False),
    Column("fixmedins_code", String(30), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

inspection_steps = Table(  # append-only: plan, start, close, each once
    "inspection_steps",
    metadata,
    Column("inspection_id", String(30), ForeignKey("inspections.inspection_id"), primary_key=True),
    Column("step", String(10), primary_key=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("step IN ('plan', 'start', 'close')", name="ck_inspection_steps_step"),
)

inspection_members = Table(  # append-only: the agencies and experts of an inspection
    "inspection_members",
    metadata,
    Column("inspection_id", String(30), ForeignKey("inspections.inspection_id"), primary_key=True),
    Column("member_type", String(10), primary_key=True),  # agency | expert
    Column("member_id", String(30), primary_key=True),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("member_type IN ('agency', 'expert')", name="ck_inspection_members_type"),
)

experts = Table(  # 专家库: shared by every region
    "experts",
    metadata,
    Column("expert_id", String(30), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("specialties", String(400), nullable=False),  # 、-separated
    Column("home_admdvs", String(6), nullable=False),
    Column("employer_code", String(30)),  # the institution the expert works for, if any (回避)
    Column("added_at", DateTime, nullable=False),
    Column("added_by", String(200), nullable=False),
)

expert_availability = Table(  # append-only dated records; the latest covering a day decides
    "expert_availability",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("expert_id", String(30), ForeignKey("experts.expert_id"), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("available", Boolean, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("enddate IS NULL OR enddate >= begndate", name="ck_expert_availability_dates"),
    Index("ix_expert_availability_expert", "expert_id"),
)

expert_assignments = Table(  # append-only: an expert on an inspection, case, review or check request
    "expert_assignments",
    metadata,
    Column("assignment_id", String(30), primary_key=True),
    Column("expert_id", String(30), ForeignKey("experts.expert_id"), nullable=False),
    Column("target_type", String(14), nullable=False),
    Column("target_id", String(30), nullable=False),
    Column("admdvs", String(6), nullable=False),  # the agency that asked for the expert
    Column("day", Date, nullable=False),
    # 'assigned' by the expert's home agency (or one over it); 'requested' by another region,
    # effective once the home agency accepts (expert_request_answers)
    Column("state", String(10), nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("target_type IN ('inspection', 'case', 'review', 'check_request')",
                    name="ck_expert_assignments_target"),
    CheckConstraint("state IN ('assigned', 'requested')", name="ck_expert_assignments_state"),
    UniqueConstraint("expert_id", "target_type", "target_id", name="uq_expert_assignments_once"),
)

expert_request_answers = Table(  # append-only: the home agency's answer to another region's request
    "expert_request_answers",
    metadata,
    Column("assignment_id", String(30), ForeignKey("expert_assignments.assignment_id"), primary_key=True),
    Column("accepted", Boolean, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
)

supervision_policies = Table(  # a region's credit and report-reward rules from a date; append-only
    "supervision_policies",
    metadata,
    Column("admdvs", String(6), primary_key=True),
    Column("begndate", Date, primary_key=True),
    Column("strict_audit_below", Integer, nullable=False),
    Column("no_direct_below", Integer, nullable=False),
    Column("negative_list_below", Integer, nullable=False),
    Column("points_per_case", Integer, nullable=False),
    Column("points_per_10k_yuan", Integer, nullable=False),
    Column("reward_share", String(10), nullable=False),  # exact decimal text, 0 ≤ share ≤ 1
    Column("reward_floor_fen", BigInteger, nullable=False),
    Column("reward_cap_fen", BigInteger, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("no_direct_below <= strict_audit_below", name="ck_supervision_policies_thresholds"),
    CheckConstraint("0 <= reward_floor_fen AND reward_floor_fen <= reward_cap_fen", name="ck_supervision_policies_reward"),
)

reports = Table(  # 举报: intake, then the case it led to and the reward paid (report_rewards)
    "reports",
    metadata,
    Column("report_id", String(30), primary_key=True),
    Column("admdvs", String(6), nullable=False),
    Column("subject_type", String(12), nullable=False),
    Column("subject_id", String(30), nullable=False),
    Column("content", Text, nullable=False),
    Column("reporter", String(60), nullable=False),  # masked name and contact
    Column("case_id", String(30)),
    Column("received_at", DateTime, nullable=False),
    Column("by", String(200), nullable=False),
)

report_rewards = Table(  # append-only; a report is rewarded once
    "report_rewards",
    metadata,
    Column("report_id", String(30), ForeignKey("reports.report_id"), primary_key=True),
    Column("case_id", String(30), nullable=False),
    Column("recovered_fen", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    CheckConstraint("amount_fen > 0", name="ck_report_rewards_amount"),
)

# a confirmed case deducts a subject's credit once (migration 0025)
Index("uq_credit_records_case_subject", credit_records.c.case_id, credit_records.c.subject_type,
      credit_records.c.subject_id, unique=True, sqlite_where=text("case_id IS NOT NULL"),
      postgresql_where=text("case_id IS NOT NULL"))

# Listing prices and procurement (migration 0027, docs/prices.md). Append-only: a new price is a
# new listing with a later date; a shared list is copied as the receiving region's own rows.
listed_prices = Table(
    "listed_prices",
    metadata,
    Column("listing_id", Integer, primary_key=True, autoincrement=True),
    Column("admdvs", String(6), nullable=False),
    Column("national_code", String(50), nullable=False),
    Column("spec", String(200), nullable=False, server_default=""),
    Column("maker", String(200), nullable=False, server_default=""),
    Column("price", String(24), nullable=False),  # exact decimal text, yuan (up to 4 places)
    Column("listed_on", Date, nullable=False),
    Column("source", String(60), nullable=False),  # listed | shared from {admdvs}
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("national_code <> ''", name="ck_listed_prices_code"),
    Index("ix_listed_prices_region_code", "admdvs", "national_code"),
)

procurement_batches = Table(
    "procurement_batches",
    metadata,
    Column("batch_no", String(40), primary_key=True),
    Column("level", String(12), nullable=False),  # national | provincial | alliance
    Column("name", String(200), nullable=False),
    Column("admdvs", String(6), nullable=False),  # the region applying the batch's results
    Column("begndate", Date, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("level IN ('national', 'provincial', 'alliance')", name="ck_procurement_batches_level"),
)

procurement_items = Table(
    "procurement_items",
    metadata,
    Column("batch_no", String(40), ForeignKey("procurement_batches.batch_no"), primary_key=True),
    Column("national_code", String(50), primary_key=True),
    Column("agreed_price", String(24), nullable=False),
    Column("agreed_volume", String(24), nullable=False),
)

# Catalogue recognition between two regions (目录互认, migration 0027): ``to_admdvs`` recognises
# ``from_admdvs``'s entry for a code from ``begndate``, proposed by one of them, in force once the
# other agreed and until either withdrew. Steps once each (primary key); append-only.
recognitions = Table(
    "recognitions",
    metadata,
    Column("recognition_id", String(20), primary_key=True),
    Column("from_admdvs", String(6), nullable=False),
    Column("to_admdvs", String(6), nullable=False),
    Column("hilist_code", String(50), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("proposed_by", String(6), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("from_admdvs <> to_admdvs", name="ck_recognitions_two_regions"),
    CheckConstraint("proposed_by IN (from_admdvs, to_admdvs)", name="ck_recognitions_party"),
    Index("ix_recognitions_to", "to_admdvs", "hilist_code"),
)

recognition_steps = Table(
    "recognition_steps",
    metadata,
    Column("recognition_id", String(20), ForeignKey("recognitions.recognition_id"), primary_key=True),
    Column("step", String(10), primary_key=True),  # agree | withdraw
    Column("by_admdvs", String(6), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    CheckConstraint("step IN ('agree', 'withdraw')", name="ck_recognition_steps_step"),
)
