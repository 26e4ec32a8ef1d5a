"""An in-memory ``uow.claim_verifications`` (app/claim_verifications.VerificationsRepository);
the database's rules of migration 0017 are asserted here too (one answer, one close)."""

from __future__ import annotations

from dataclasses import dataclass, field

from yibao.domain.claim_verifications import status_of


@dataclass
class FakeVerifications:
    claims: object  # the FakeClaims the requests are joined with
    rows: dict[str, dict] = field(default_factory=dict)
    step_rows: list[dict] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)

    def add_request(self, row):
        assert row["claim_id"] in self.claims.rows, "fk_claim_verifications_claim_id_claims"
        self.rows[row["verification_id"]] = dict(row)

    def add_step(self, row):
        assert not any((s["verification_id"], s["step"]) == (row["verification_id"], row["step"])
                       for s in self.step_rows), "pk_claim_verification_steps"
        assert (row["step"] == "answer") == (row["outcome"] is not None), "ck_claim_verification_steps_outcome"
        self.step_rows.append(dict(row))

    def request(self, verification_id):
        row = self.rows.get(verification_id)
        return dict(row) if row else None

    def lock_request(self, verification_id):
        self.locked.append(f"verification:{verification_id}")
        self.claims.locked.append(f"verification:{verification_id}")  # one trail of the lock order
        return self.request(verification_id)

    def steps(self, verification_ids):
        return {vid: [dict(s) for s in self.step_rows if s["verification_id"] == vid] for vid in verification_ids}

    def of_claim(self, claim_id):
        return [dict(r) for r in self.rows.values() if r["claim_id"] == claim_id]

    def requests(self, *, side, regions, status, limit, offset):
        found = []
        for row in self.rows.values():
            if not any(row[side].startswith(prefix) for prefix in regions):
                continue
            if status and status_of(self.steps([row["verification_id"]])[row["verification_id"]]) != status:
                continue
            claim = self.claims.rows[row["claim_id"]]
            found.append(dict(row, **{k: claim[k] for k in ("psn_no", "fixmedins_code", "fixmedins_name", "invoice_no",
                                                             "begndate", "enddate", "medfee_sumamt_fen")},
                              claim_status=claim["status"]))
        found.sort(key=lambda r: r["verification_id"])
        found.sort(key=lambda r: r["requested_at"], reverse=True)  # newest first, then by id (as the SQL)
        return found[offset:offset + limit]
