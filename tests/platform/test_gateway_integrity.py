"""What the gateway guarantees: refusals change nothing, retries are safe, reversals restore
exactly, institutions see only their own data, one person's settlements serialize."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import httpx

from yibao.sim.his import DISPATCH_PATH, HisClient
from yibao.store import repository as repo

from ..refusals import answered_refusal
from .snapshot import snapshot
from .conftest import named
from .walk import walk_golden




def post_raw(http: httpx.Client, body: bytes | str, headers: dict | None = None) -> dict:
    response = http.post(DISPATCH_PATH, content=body, headers=headers or {"content-type": "application/json"})
    assert response.status_code == 200
    return response.json()


def assert_refused_and_unchanged(world, action, expected_words: str) -> dict:
    before = snapshot(world["database"])
    body = action()
    assert body["infcode"] == -1, body
    assert expected_words in body["err_msg"], body["err_msg"]
    assert body["output"] is None
    assert len(body["inf_refmsgid"]) == 30 and body["inf_refmsgid"].isdigit()
    assert snapshot(world["database"]) == before
    return body


def envelope_for(client: HisClient, infno: str, input_: dict, **extra) -> dict:
    message = {"infno": infno, "msgid": client.msgid(), "mdtrtarea_admvs": client.institution["admdvs"],
               "insuplc_admdvs": extra.pop("insuplc_admdvs", client.institution["admdvs"]), "recer_sys_code": "YBXT",
               "infver": "V1.0", "opter_type": "1", "opter": "1", "opter_name": "x", "inf_time": "2026-11-01 09:00:00",
               "fixmedins_code": client.code, "fixmedins_name": "x", "sign_no": client.sign_no, "input": input_}
    message.update(extra)
    return message


def headers_for(client: HisClient) -> dict:
    return {"content-type": "application/json", "x-tif-paasid": client.code, "apikey": client.institution["secret"]}


def test_bad_requests_are_refused_and_change_nothing(platform_world, http):
    setup = named(platform_world, "ex1a")
    client = HisClient(http, setup.institution)
    client.sign_in()
    hdr = headers_for(client)
    send = lambda message: post_raw(http, json.dumps(message), hdr)  # noqa: E731
    assert_refused_and_unchanged(platform_world, lambda: post_raw(http, b'{"infno": "2207", "msgid": ', hdr), "[ENVELOPE_NOT_JSON] 请求体不是有效的 JSON")
    assert_refused_and_unchanged(platform_world, lambda: post_raw(http, b"[1, 2]", hdr), "[ENVELOPE_NOT_OBJECT] 请求体应为 JSON 对象")
    assert_refused_and_unchanged(platform_world, lambda: send(envelope_for(client, "9999", {})), "[ENVELOPE_INFNO_UNKNOWN] 未知或不支持的交易编号 infno 9999")
    assert_refused_and_unchanged(
        platform_world, lambda: send(envelope_for(client, "2201", {"data": {"psn_no": setup.person["psn_no"]}})),
        "[INPUT_REQUIRED] input.data.ipt_otp_no 为必填项")
    assert_refused_and_unchanged(
        platform_world, lambda: send(envelope_for(client, "2207", {"data": {
            "psn_no": setup.person["psn_no"], "mdtrt_id": "319999999999", "medfee_sumamt": "1"}})),
        "[VISIT_NOT_FOUND] 就诊 319999999999 不存在或不属于本机构")
    assert_refused_and_unchanged(
        platform_world, lambda: send(envelope_for(client, "2204", {"feedetail": [{"feedetl_sn": "1"}]})),
        "[INPUT_REQUIRED] input.feedetail[0].mdtrt_id 为必填项")
    assert_refused_and_unchanged(
        platform_world, lambda: send(envelope_for(client, "2201", {"data": {"psn_no": "P"}}, insuplc_admdvs="")),
        "[ENVELOPE_INSUPLC_REQUIRED] ")
    assert_refused_and_unchanged(
        platform_world, lambda: send(envelope_for(client, "1101", "{not json")), "[ENVELOPE_INPUT_NOT_JSON] input 是字符串但不是有效的 JSON")
    # numbers given as strings and input as a JSON string are accepted
    body = send(envelope_for(client, "1101", json.dumps({"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": setup.person["certno"]}})))
    assert body["infcode"] == 0 and body["output"]["baseinfo"]["psn_no"] == setup.person["psn_no"]


def test_settling_twice_and_refused_settlement_change_nothing(platform_world, http):
    setup = named(platform_world, "ex2a")
    outputs = walk_golden(http, setup, suffix="-twice")
    client, data = outputs["client"], outputs["data"]
    assert_refused_and_unchanged(
        platform_world, lambda: post_raw(http, json.dumps(envelope_for(client, "2207", {"data": data},
                                                                         insuplc_admdvs=setup.case["visit"]["insuplc_admdvs"])),
                                         headers_for(client)),
        "[VISIT_SETTLED] 就诊 ")
    unsettled = walk_golden(http, setup, settle=False, suffix="-total")
    client = unsettled["client"]
    wrong_total = dict(unsettled["data"], medfee_sumamt="1.00")
    assert_refused_and_unchanged(
        platform_world, lambda: post_raw(http, json.dumps(envelope_for(client, "2207", {"data": wrong_total},
                                                                         insuplc_admdvs=setup.case["visit"]["insuplc_admdvs"])),
                                         headers_for(client)),
        "[FEE_SUM_MISMATCH] input.data.medfee_sumamt 1.00 与费用明细合计")


def test_retry_with_the_same_msgid_returns_the_stored_answer(platform_world, http):
    setup = named(platform_world, "ex6")
    outputs = walk_golden(http, setup, settle=False, suffix="-retry")
    client, data = outputs["client"], outputs["data"]
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    message = envelope_for(client, "2207", {"data": data}, insuplc_admdvs=insuplc)
    first = post_raw(http, json.dumps(message), headers_for(client))
    assert first["infcode"] == 0
    after_first = snapshot(platform_world["database"])
    second = post_raw(http, json.dumps(message), headers_for(client))
    assert second["output"] == first["output"]
    assert snapshot(platform_world["database"]) == after_first
    # the same msgid for another transaction, or with another input, is refused
    other = dict(message, infno="2208")
    assert post_raw(http, json.dumps(other), headers_for(client))["infcode"] == -1
    changed = dict(message, input={"data": dict(data, acct_used_flag="0")})
    body = post_raw(http, json.dumps(changed), headers_for(client))
    assert body["infcode"] == -1 and body["err_msg"].startswith("[ENVELOPE_MSGID_REUSED_INPUT] ") and "2207" in body["err_msg"]
    # the stored answer goes to its institution only: a retry without its secret is refused
    stolen = post_raw(http, json.dumps(message), dict(headers_for(client), apikey="not-the-secret"))
    assert stolen["infcode"] == -1 and "not authenticated" in stolen["err_msg"] and stolen["output"] is None
    assert snapshot(platform_world["database"]) == after_first


def test_reversal_restores_accumulators_and_account_exactly(platform_world, http):
    setup = named(platform_world, "ex1a")
    database = platform_world["database"]
    psn_no, insutype = setup.person["psn_no"], setup.person["insutype"]
    with database.read() as conn:
        balance_before = repo.account_balance(conn, psn_no)
        ytd_before = repo.year_to_date(conn, psn_no, insutype, 2024)
    outputs = walk_golden(http, setup, suffix="-rev")
    settled = outputs["settle"]["setlinfo"]
    with database.read() as conn:
        assert repo.account_balance(conn, psn_no) == balance_before - Decimal(str(settled["acct_pay"]))
        assert repo.year_to_date(conn, psn_no, insutype, 2024).visits["inpatient"] == ytd_before.visits.get("inpatient", 0) + 1
    client = outputs["client"]
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    reversal = client.call("2305", {"data": {"setl_id": settled["setl_id"], "mdtrt_id": settled["mdtrt_id"],
                                             "psn_no": psn_no}}, insuplc_admdvs=insuplc)["setlinfo"]
    assert Decimal(str(reversal["medfee_sumamt"])) == -Decimal(str(settled["medfee_sumamt"]))
    assert Decimal(str(reversal["hifp_pay"])) == -Decimal(str(settled["hifp_pay"]))
    assert Decimal(str(reversal["balc"])) == balance_before
    with database.read() as conn:
        assert repo.account_balance(conn, psn_no) == balance_before
        after = repo.year_to_date(conn, psn_no, insutype, 2024)
    assert {k: v for k, v in after.inscp.items() if v} == {k: v for k, v in ytd_before.inscp.items() if v}
    assert after.visits.get("inpatient", 0) == ytd_before.visits.get("inpatient", 0)
    assert {k: v for k, v in after.fund_paid.items() if v} == {k: v for k, v in ytd_before.fund_paid.items() if v}
    with answered_refusal("REVERSAL_ALREADY_REVERSED", settled["setl_id"]):
        client.call("2305", {"data": {"setl_id": settled["setl_id"], "mdtrt_id": settled["mdtrt_id"],
                                      "psn_no": psn_no}}, insuplc_admdvs=insuplc)
    # the visit can be settled again after the reversal, with the same amounts as before
    again = client.call("2304", {"data": outputs["data"]}, insuplc_admdvs=insuplc)["setlinfo"]
    assert again["hifp_pay"] == settled["hifp_pay"] and again["setl_id"] != settled["setl_id"]


def test_2601_reverses_a_settlement_by_its_msgid(platform_world, http):
    setup = named(platform_world, "ex2b")
    outputs = walk_golden(http, setup, suffix="-2601")
    client = outputs["client"]
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    reversal = client.call("2601", {"data": {"psn_no": setup.person["psn_no"], "omsgid": outputs["settle_msgid"],
                                             "oinfno": "2207"}}, insuplc_admdvs=insuplc)["setlinfo"]
    assert Decimal(str(reversal["acct_mulaid_pay"])) == -Decimal(str(outputs["settle"]["setlinfo"]["acct_mulaid_pay"]))
    query = client.call("5203", {"data": {"psn_no": setup.person["psn_no"], "setl_id": outputs["settle"]["setlinfo"]["setl_id"]}},
                        insuplc_admdvs=insuplc)
    assert query["setlinfo"]["refd_setl_flag"] == "1"


def test_authentication_and_institution_isolation(platform_world, http):
    own, other = named(platform_world, "ex1a"), named(platform_world, "ex5")
    client = HisClient(http, own.institution)
    client.sign_in()
    message = envelope_for(client, "1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": own.person["certno"]}})
    assert_refused_and_unchanged(platform_world, lambda: post_raw(http, json.dumps(message)), "not authenticated")
    wrong = dict(headers_for(client), apikey="not-the-secret")
    assert_refused_and_unchanged(platform_world, lambda: post_raw(http, json.dumps(message), wrong), "not authenticated")
    posing = dict(message, fixmedins_code=other.institution["fixmedins_code"])
    assert_refused_and_unchanged(platform_world, lambda: post_raw(http, json.dumps(posing), headers_for(client)), "not authenticated")
    unsigned = dict(message, sign_no="")
    assert_refused_and_unchanged(platform_world, lambda: post_raw(http, json.dumps(unsigned), headers_for(client)), "sign_no")
    # another institution's settlement is invisible
    outputs = walk_golden(http, other, suffix="-iso")
    setl_id = outputs["settle"]["setlinfo"]["setl_id"]
    query = envelope_for(client, "5203", {"data": {"psn_no": other.person["psn_no"], "setl_id": setl_id}},
                         insuplc_admdvs=other.case["visit"]["insuplc_admdvs"])
    body = post_raw(http, json.dumps(query), headers_for(client))
    assert body["infcode"] == -1 and body["err_msg"].startswith(f"[SETTLE_NOT_FOUND] 结算 {setl_id} 不存在或不属于本机构")
    reverse = envelope_for(client, "2305", {"data": {"psn_no": other.person["psn_no"], "setl_id": setl_id,
                                                      "mdtrt_id": outputs["settle"]["setlinfo"]["mdtrt_id"]}},
                           insuplc_admdvs=other.case["visit"]["insuplc_admdvs"])
    assert_refused_and_unchanged(platform_world, lambda: post_raw(http, json.dumps(reverse), headers_for(client)), "[SETTLE_NOT_FOUND] ")


def test_concurrent_settlements_of_one_person_serialize(platform_world, http):
    """Twenty visits of one person settled from twenty clients at once: every one counted once,
    the account never overdrawn, and the accumulators equal the sum of the stored settlements."""
    setup = named(platform_world, "ex6")
    prepared = [walk_golden(http, setup, settle=False, suffix=f"-c{i}") for i in range(20)]
    database = platform_world["database"]
    psn_no = setup.person["psn_no"]
    with database.read() as conn:
        balance_before = repo.account_balance(conn, psn_no)
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    results, errors = [], []

    def settle_one(outputs):
        try:
            results.append(outputs["client"].call("2207", {"data": outputs["data"]}, insuplc_admdvs=insuplc)["setlinfo"])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=settle_one, args=(outputs,)) for outputs in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 20
    paid = sum(Decimal(str(r["acct_pay"])) for r in results)
    with database.read() as conn:
        assert repo.account_balance(conn, psn_no) == balance_before - paid >= 0
        ytd = repo.year_to_date(conn, psn_no, setup.person["insutype"], 2024)
    assert sum(Decimal(str(r["hifp_pay"])) for r in results) <= Decimal(4000)
    assert sorted(Decimal(str(r["balc"])) for r in results)[0] == balance_before - paid
    # each settlement saw the previous ones: the fund cap 'outpatient_general' is never exceeded
    assert ytd.fund_paid["outpatient_general"] <= Decimal(4000)


def test_same_msgid_sent_concurrently_settles_once(platform_world, http):
    setup = named(platform_world, "ex2a")
    outputs = walk_golden(http, setup, settle=False, suffix="-samemsg")
    client, data = outputs["client"], outputs["data"]
    msgid, insuplc = client.msgid(), setup.case["visit"]["insuplc_admdvs"]
    answers, errors = [], []

    def send():
        try:
            answers.append(client.call("2207", {"data": data}, insuplc_admdvs=insuplc, msgid=msgid)["setlinfo"])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(answers) == 10
    assert len({a["setl_id"] for a in answers}) == 1
    from sqlalchemy import func, select

    from yibao.store import tables as t

    with platform_world["database"].read() as conn:
        count = conn.execute(select(func.count()).select_from(t.settlements)
                             .where(t.settlements.c.medins_setl_id == msgid)).scalar()
    assert count == 1


def test_reversal_racing_a_settlement(platform_world, http):
    """A reversal of one visit and the settlement of another visit of the same person race:
    both land, each once, and the person's accounts and accumulators stay consistent."""
    import datetime as dt

    from yibao.app.actors import SYSTEM
    from yibao.app.consistency import check_database
    from yibao.store.unit_of_work import SqlUnitOfWork

    setup = named(platform_world, "ex1b")
    first = walk_golden(http, setup, suffix="-race1")
    second = walk_golden(http, setup, settle=False, suffix="-race2")
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    settled = first["settle"]["setlinfo"]
    results, errors = {}, []

    def reverse():
        try:
            results["reversal"] = first["client"].call("2305", {"data": {
                "setl_id": settled["setl_id"], "mdtrt_id": settled["mdtrt_id"], "psn_no": setup.person["psn_no"]}},
                insuplc_admdvs=insuplc)["setlinfo"]
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    def settle():
        try:
            results["settlement"] = second["client"].call("2304", {"data": second["data"]}, insuplc_admdvs=insuplc)["setlinfo"]
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=reverse), threading.Thread(target=settle)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and set(results) == {"reversal", "settlement"}
    with SqlUnitOfWork(platform_world["database"], SYSTEM, dt.datetime.now(), write=False) as uow:
        assert check_database(uow) == []


def test_signed_out_sign_no_is_refused(platform_world, http):
    setup = named(platform_world, "ex2a")
    client = HisClient(http, setup.institution)
    client.sign_in()
    query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": setup.person["certno"]}}
    assert client.call("1101", query)["baseinfo"]["psn_no"] == setup.person["psn_no"]
    client.call("9002", {"signOut": {"sign_no": client.sign_no, "opter_no": "1"}})
    with answered_refusal("AUTH_NOT_SIGNED_IN"):
        client.call("1101", query)
