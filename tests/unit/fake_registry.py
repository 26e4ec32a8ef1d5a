"""In-memory repositories of the registry (agencies, filings, qualifications, the consistency
check's reads), set on ``tests.unit.fakes.FakeUnitOfWork`` as ``uow.agencies``, ``uow.filings``..."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeAgencies:
    rows: dict[str, dict] = field(default_factory=dict)

    def get(self, agency_code):
        row = self.rows.get(agency_code)
        return dict(row) if row else None

    def save(self, agency_code, *, agency_name, token_salt, token_hash, role):
        self.rows[agency_code] = dict(agency_code=agency_code, agency_name=agency_name, token_salt=token_salt,
                                      token_hash=token_hash, role=role)


@dataclass
class FakeFilings:
    """Persons by psn_no with their insurances; visits with a ``settled`` flag; filings and
    qualifications as the SQL repository returns them."""

    insurances: dict[str, list[dict]] = field(default_factory=dict)
    visits: list[dict] = field(default_factory=list)
    filings: list[dict] = field(default_factory=list)
    qualifications: list[dict] = field(default_factory=list)

    def insured_region(self, psn_no):
        rows = self.insurances.get(psn_no, [])
        return rows[0]["insuplc_admdvs"] if rows else None

    def insurance(self, psn_no, insutype):
        return next((dict(r) for r in self.insurances.get(psn_no, []) if r["insutype"] == insutype), None)

    def open_visits(self, psn_no):
        return [dict(v) for v in self.visits if v["psn_no"] == psn_no and v["status"] != "cancelled"]

    def settled(self, mdtrt_id):
        return any(v["mdtrt_id"] == mdtrt_id and v.get("settled") for v in self.visits)

    def filings_of(self, psn_no):
        mine = [(row["begndate"], order, row) for order, row in enumerate(self.filings) if row["psn_no"] == psn_no]
        return [dict(row) for _, _, row in sorted(mine, key=lambda item: item[:2])]

    def filing(self, filing_no):
        return next((dict(r) for r in self.filings if r["filing_no"] == filing_no), None)

    def add_filing(self, row):
        assert self.filing(row["filing_no"]) is None, "uq_filings_filing_no"
        self.filings.append(dict(row))

    def end_filing(self, filing_no, *, ended_at, end_reason):
        row = next(r for r in self.filings if r["filing_no"] == filing_no)
        row.update(status="cancelled", ended_at=ended_at, end_reason=end_reason)

    def qualifications_of(self, psn_no):
        return sorted((dict(r) for r in self.qualifications if r["psn_no"] == psn_no), key=lambda r: r["begndate"])

    def qualification(self, qual_no):
        return next((dict(r) for r in self.qualifications if r["qual_no"] == qual_no), None)

    def add_qualification(self, row):
        self.qualifications.append(dict(row))

    def cancel_qualification(self, qual_no, *, ended_at):
        row = next(r for r in self.qualifications if r["qual_no"] == qual_no)
        row.update(status="cancelled", ended_at=ended_at)


@dataclass
class FakeAccountBook:
    """Reads the entries of ``tests.unit.fakes.FakeAccounts`` (one list, as the database has one table)."""

    accounts: object

    def movements_of(self, psn_no):
        return [dict(entry_id=index, created_at=None, **entry) for index, entry in enumerate(self.accounts.entries, 1)
                if entry["psn_no"] == psn_no]


@dataclass
class FakeConsistency:
    """What ``yibao check`` reads, as plain values a test plants problems in."""

    settlement_rows: list[dict] = field(default_factory=list)
    cancelled: set[str] = field(default_factory=set)
    fees: list[tuple] = field(default_factory=list)
    chains: list[tuple] = field(default_factory=list)
    movements: dict[tuple, int] = field(default_factory=dict)
    accumulators: dict[tuple, int] = field(default_factory=dict)
    requests: dict[tuple, str] = field(default_factory=dict)
    applications: list[tuple] = field(default_factory=list)
    fund_paid: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    claim_payment_rows: list[dict] = field(default_factory=list)

    def settlements(self):
        return [dict(row) for row in self.settlement_rows]

    def cancelled_visits(self):
        return set(self.cancelled)

    def uploaded_fees(self):
        return list(self.fees)

    def account_chains(self):
        return sorted(self.chains)

    def account_movements_by_settlement(self):
        return {key: fen for key, fen in self.movements.items() if fen}

    def accumulators_by_settlement(self):
        return {key: amount for key, amount in self.accumulators.items() if amount}

    def answered_requests(self):
        return dict(self.requests)

    def open_clearing_applications(self):
        return sorted(self.applications, key=lambda row: (row[1], row[2], row[3]))

    def fund_paid_by_region(self):
        return dict(self.fund_paid)

    def claim_payments(self):
        return [dict(row) for row in self.claim_payment_rows]

    def account_totals(self):
        return dict(self.totals)


@dataclass
class FakeLedgerBook:
    """The ledger's read side (``uow.ledger.problems`` / ``balances``) as planted values."""

    accounts: dict[str, int] = field(default_factory=dict)
    planted: list[str] = field(default_factory=list)

    def problems(self):
        return list(self.planted)

    def balances(self, prefix=""):
        return {account: fen for account, fen in self.accounts.items() if account.startswith(prefix)}


@dataclass
class FakeImports:
    """Tables by name, rows keyed by their natural key; account openings beside FakeAccounts' entries."""

    accounts: object
    tables: dict[str, dict[tuple, dict]] = field(default_factory=dict)
    catalogue_version: int = 0

    def policy_document(self, admdvs, insutype, valid_from):
        row = self.tables.get("policies", {}).get((admdvs, insutype, valid_from))
        return row["document"] if row else None

    def add_policy(self, row):
        self.tables.setdefault("policies", {})[(row["admdvs"], row["insutype"], row["valid_from"])] = dict(row)

    def upsert(self, table, key_columns, rows):
        stored = self.tables.setdefault(table, {})
        for row in rows:
            key = tuple(row[column] for column in key_columns)
            stored[key] = {**stored.get(key, {}), **row}

    def insurances_with_records(self, psn_nos):
        return {key for key in self.tables.get("enrollment_records", {}) if key[0] in psn_nos}

    def upsert_many(self, table, key_columns, rows):
        self.upsert(table, key_columns, rows)

    def open_accounts(self, openings, *, actor):
        for psn_no, balance in openings:
            self.open_account(psn_no, balance, actor=actor)

    def bump_catalogue_version(self):
        self.catalogue_version += 1
        return self.catalogue_version

    def with_account_entries(self, psn_nos):
        return {e["psn_no"] for e in self.accounts.entries if e["psn_no"] in psn_nos}

    def account_balances(self, psn_nos):
        from yibao.store.repository import from_fen

        return {psn: from_fen(balance) for psn, (_, balance) in self.accounts.tips(psn_nos).items()}

    def open_account(self, psn_no, balance, *, actor):
        from yibao.store.repository import to_fen

        self.accounts.append(psn_no, to_fen(balance), "opening", setl_id=None, actor=actor, tip=(0, 0))

    def filed(self, psn_no, filing_type, dest_admdvs, begndate):
        return False


@dataclass
class FakeDesignations(FakeFilings):
    """FakeFilings with the 人员定点备案 rows and the institutions they name."""

    institutions: dict[str, str] = field(default_factory=dict)
    designations: list[dict] = field(default_factory=list)

    def institution(self, fixmedins_code):
        name = self.institutions.get(fixmedins_code)
        return {"fixmedins_code": fixmedins_code, "fixmedins_name": name} if name else None

    def designations_of(self, psn_no):
        return sorted((dict(r) for r in self.designations if r["psn_no"] == psn_no),
                      key=lambda r: (r["begndate"], r["fix_srt_no"]))

    def designation(self, trt_dcla_detl_sn):
        return next((dict(r) for r in self.designations if r["trt_dcla_detl_sn"] == trt_dcla_detl_sn), None)

    def add_designation(self, row):
        self.designations.append(dict(row))

    def end_designation(self, trt_dcla_detl_sn, *, ended_at, end_reason):
        row = next(r for r in self.designations if r["trt_dcla_detl_sn"] == trt_dcla_detl_sn)
        row.update(status="cancelled", ended_at=ended_at, end_reason=end_reason)
