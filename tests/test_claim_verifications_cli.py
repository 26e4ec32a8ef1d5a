"""`yibao claims verify-request|verifications|verify-answer|verify-close` as the two agencies'
operators run them: Linyi asks about a claim of a Beijing visit, the payment is refused while the
request is open, Beijing answers with a finding on a line, the claim shows it and is paid."""

from __future__ import annotations

import json

from .platform.test_claims_store import HOSPITAL, INSURED
from .test_claims_cli import cli  # noqa: F401  (the fixture)


def submitted_and_reviewed(cli, tmp_path) -> str:  # noqa: F811
    lines = [{"med_list_codg": code, "cnt": "1", "pric": amount}
             for code, amount in (("JIA", "25000"), ("YI-DRUG", "15000"), ("YI-CONS", "6000"), ("BING", "4000"))]
    claim = {"psn_no": "LY0001", "insutype": "310", "fixmedins_code": HOSPITAL, "med_type": "21", "begndate": "2026-11-01",
             "enddate": "2026-11-11", "invoice_no": "FP-V1", "reason": "not_filed", "lines": lines}
    (tmp_path / "claim.json").write_text(json.dumps(claim), encoding="utf-8")
    claim_id = json.loads(cli("claims", "submit", str(tmp_path / "claim.json"), "--format", "json",
                              "--operator", "王经办").stdout)["claim_id"]
    (tmp_path / "decisions.json").write_text(json.dumps([{"line_no": n, "decision": "approve"} for n in (1, 2, 3, 4)]),
                                             encoding="utf-8")
    assert cli("claims", "review", claim_id, str(tmp_path / "decisions.json"), "--operator", "李审核").exit_code == 0
    return claim_id


def test_a_verification_round_trip_from_the_command_line(cli, tmp_path):  # noqa: F811
    claim_id = submitted_and_reviewed(cli, tmp_path)
    asked = cli("claims", "verify-request", claim_id, "--item", "核实住院天数", "--item", "3:核实耗材使用数量",
                "--due", "2026-12-10", "--format", "json", "--operator", "王经办")
    assert asked.exit_code == 0, asked.output
    request = json.loads(asked.stdout)
    assert request["items"] == [{"line_no": None, "question": "核实住院天数"}, {"line_no": 3, "question": "核实耗材使用数量"}]
    assert request["requested_by"] == "operator:王经办"

    held = cli("claims", "pay", claim_id, "--operator", "张复核")
    assert held.exit_code == 2 and "[VERIFY_OPEN]" in held.output and "协查" in held.output

    incoming = json.loads(cli("claims", "verifications", "--region", "110000", "--status", "open", "--format", "json",
                              now="").stdout)
    assert [v["verification_id"] for v in incoming] == [request["verification_id"]]
    assert incoming[0]["claim"]["invoice_no"] == "FP-V1"
    bad = cli("claims", "verify-answer", request["verification_id"], "--outcome", "discrepancies", "--operator", "赵协查")
    assert bad.exit_code == 2 and "[VERIFY_TEXT_REQUIRED]" in bad.output
    answered = cli("claims", "verify-answer", request["verification_id"], "--outcome", "discrepancies",
                   "--text", "耗材数量与病历不符", "--line", "3：实际使用 8 件", "--format", "json", "--operator", "赵协查")
    assert json.loads(answered.stdout)["answer"]["lines"] == [{"line_no": 3, "finding": "实际使用 8 件"}]
    closed = cli("claims", "verify-close", request["verification_id"], "--reason", "已采纳", "--operator", "王经办")
    assert closed.exit_code == 0 and "closed by operator:王经办: 已采纳" in closed.output

    shown = cli("claims", "show", claim_id, now="")
    assert f"协查 {request['verification_id']}: closed → 110105" in shown.output and "耗材数量与病历不符" in shown.output
    assert json.loads(cli("claims", "pay", claim_id, "--format", "json", "--operator", "张复核").stdout)["status"] == "paid"
    mine = json.loads(cli("claims", "verifications", "--region", INSURED, "--role", "requested", "--format", "json",
                          now="").stdout)
    assert [v["status"] for v in mine] == ["closed"]
