"""Catalogue recognition between two regions (domain/recognition.py, app/recognition.py) over the
fake unit of work: the comparison of two catalogues, a proposal agreed by the other side, steps
once each, a withdrawal that ends it whatever the order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import recognition
from yibao.app.actors import operator
from yibao.app.errors import GatewayError
from yibao.domain import recognition as rules
from yibao.domain.case import CatalogEntry

from .fake_recognition import FakeRecognition
from .fakes import FakeUnitOfWork

D = Decimal
CD, CQ = "510100", "500000"  # 成渝: Chengdu and Chongqing
DAY = dt.date(2026, 7, 1)
CHENGDU = {"XA01": CatalogEntry("XA01", "阿莫西林", "01"), "XB02": CatalogEntry("XB02", "乙药", "02", D("0.1"), D("30")),
           "XC03": CatalogEntry("XC03", "支架", "02", D("0.2"), D("4000")), "XD04": CatalogEntry("XD04", "成都独有", "02")}
CHONGQING = {"XA01": CatalogEntry("XA01", "阿莫西林", "01"), "XB02": CatalogEntry("XB02", "乙药", "01", D(0), D("30")),
             "XC03": CatalogEntry("XC03", "支架", "02", D("0.2"), D("3500")), "XE05": CatalogEntry("XE05", "重庆独有", "01")}


def unit() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(operator("目录科"))
    uow.recognition = FakeRecognition(catalogues={CD: CHENGDU, CQ: CHONGQING})
    return uow


def refused(action) -> str:
    with pytest.raises(GatewayError) as caught:
        action()
    return caught.value.code


def test_the_comparison_names_category_ratio_and_ceiling_differences():
    result = rules.compare(CHENGDU, CHONGQING)
    assert (result.same, result.only_a, result.only_b) == (1, ("XD04",), ("XE05",))
    xb, xc = result.differences
    assert (xb.code, xb.category, xb.selfpay_prop, xb.ceiling) == ("XB02", ("02", "01"), (D("0.1"), D(0)), None)
    assert (xc.code, xc.category, xc.selfpay_prop, xc.ceiling) == ("XC03", None, None, (D("4000"), D("3500")))
    shown = recognition.compare(unit(), CD, CQ, DAY)
    assert shown["differences"][1] == {"code": "XC03", "category": None, "selfpay_prop": None,
                                       "ceiling": ["4000", "3500"]}


def test_a_proposal_is_in_force_once_the_other_side_agrees_until_withdrawn():
    uow = unit()
    proposed = recognition.propose(uow, CQ, CD, CQ, "XD04", DAY, "成渝互认第一批")
    rid = proposed["recognition_id"]
    assert proposed["status"] == "proposed" and proposed["actor"] == "operator:目录科"
    assert recognition.table(uow, CQ, DAY)["recognised"] == {}
    assert refused(lambda: recognition.agree(uow, rid, CQ)) == "RECOGNITION_SAME_PARTY"
    assert refused(lambda: recognition.agree(uow, rid, "440300")) == "RECOGNITION_NOT_PARTY"
    assert recognition.agree(uow, rid, CD)["status"] == "agreed"
    assert refused(lambda: recognition.agree(uow, rid, CD)) == "RECOGNITION_STEP_DONE"
    assert recognition.table(uow, CQ, DAY)["recognised"] == {"XD04": CD}
    assert recognition.table(uow, CQ, DAY - dt.timedelta(days=1))["recognised"] == {}  # before its date
    assert recognition.table(uow, CD, DAY)["recognised"] == {}  # one direction only
    assert refused(lambda: recognition.withdraw(uow, rid, CD, " ")) == "RECOGNITION_BAD"
    assert recognition.withdraw(uow, rid, CD, "目录调整")["status"] == "withdrawn"
    assert recognition.table(uow, CQ, DAY)["recognised"] == {}
    assert [row[2] for row in uow.actions.rows] == [rid] * 3


def test_a_proposal_needs_a_party_and_a_listed_code():
    uow = unit()
    assert refused(lambda: recognition.propose(uow, "440300", CD, CQ, "XD04", DAY)) == "RECOGNITION_NOT_PARTY"
    assert refused(lambda: recognition.propose(uow, CQ, CD, CQ, "XE05", DAY)) == "RECOGNITION_NOT_LISTED"
    assert refused(lambda: recognition.propose(uow, CQ, CQ, CQ, "XE05", DAY)) == "RECOGNITION_BAD"
    withdrawn = recognition.propose(uow, CD, CD, CQ, "XA01", DAY)["recognition_id"]
    recognition.withdraw(uow, withdrawn, CD, "撤回")
    assert refused(lambda: recognition.agree(uow, withdrawn, CQ)) == "RECOGNITION_STEP_DONE"


def test_withdrawn_wins_whatever_the_order():
    agreed_then_withdrawn = rules.Recognition("R1", CD, CQ, "X", DAY, CQ, frozenset({"agree", "withdraw"}))
    assert agreed_then_withdrawn.status() == "withdrawn" and not agreed_then_withdrawn.in_force(DAY)
    later = rules.Recognition("R2", "440300", CQ, "X", DAY + dt.timedelta(days=5), CQ, frozenset({"agree"}))
    earlier = rules.Recognition("R3", CD, CQ, "X", DAY, CQ, frozenset({"agree"}))
    assert rules.recognised_codes([later, earlier], CQ, DAY + dt.timedelta(days=5)) == {"X": "440300"}
