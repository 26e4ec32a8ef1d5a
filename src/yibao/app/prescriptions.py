"""E-prescriptions (电子处方流转, docs/internet-plus.md): upload after a visit (7101 pre-check, 7102
signature, 7103 upload), revocation (7104), query (7105), and the pharmacy's dispensing of it in
its 2102 settlement, put back by the reversal of that settlement (2103). Pure rules in
domain/prescriptions.py; rows through ``uow.prescriptions`` (store/repositories/prescriptions.py).

Locking (docs/locking.md, rank 14): every write on a prescription locks its row and reads the
prescription again after the lock. A dispensing or its return takes it after the visit and
person locks of the pharmacy settlement it belongs to; a revocation takes no other lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from decimal import Decimal
from typing import Protocol

from yibao.domain import prescriptions as rules
from yibao.domain.internet_plus import DELIVERY_LIST_TYPE

from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

SIGN_CERT_SN = "YIBAO-RX-SHA256"  # 7102's digest is the platform's SHA-256 seal, not a CA signature


class PrescriptionsRepository(Protocol):
    """What the use cases need of the store (``uow.prescriptions``)."""

    def lock(self, hi_rxnos: list[str]) -> None:
        """Lock the prescriptions' rows in ascending hi_rxno order (rank 14)."""

    def prescription(self, hi_rxno: str) -> dict | None:
        """The row with ``lines`` (line_no -> row), ``steps`` (step -> row) and ``dispensings``."""

    def of_visit(self, mdtrt_id: str) -> list[str]: ...

    def by_hosp_rxno(self, fixmedins_code: str, hosp_rxno: str) -> str | None: ...

    def list_types(self, admdvs: str, codes: list[str]) -> dict[str, str]:
        """hilist.list_type of the codes in the region's catalogue chain."""

    def add(self, row: dict, lines: list[dict]) -> None: ...

    def add_step(self, row: dict) -> None: ...

    def add_dispensing(self, row: dict, lines: list[dict]) -> None: ...

    def dispensings_of_settlement(self, setl_id: str) -> list[dict]: ...

    def region_setting(self, prescribing: str, dispensing: str) -> dict | None:
        """The latest setting of the pair, or None."""

    def add_region_setting(self, row: dict) -> None: ...


# --- reading a prescription -------------------------------------------------------------------------

def folded(row: dict) -> rules.Prescription:
    """The domain view of a stored prescription (its live dispensing and what it took)."""
    dispensings = row["dispensings"]
    returned = {d["returns_dispensing_id"] for d in dispensings if d["kind"] == "return"}
    live = next((d for d in dispensings if d["kind"] == "dispense" and d["dispensing_id"] not in returned), None)
    dispensed = {no: Decimal(cnt) for no, cnt in (live["lines"].items() if live else [])}
    return rules.Prescription(
        hi_rxno=row["hi_rxno"], psn_no=row["psn_no"], admdvs=row["admdvs"], prsc_time=row["prsc_time"],
        valid_end_time=row["valid_end_time"],
        lines={no: (line["med_list_codg"], Decimal(line["cnt"])) for no, line in row["lines"].items()},
        steps=frozenset(row["steps"]), dispensed=dispensed, live_dispensing=live["dispensing_id"] if live else None)


def _found(uow: UnitOfWork, hi_rxno: str, *, lock: bool = False) -> dict:
    if lock:
        uow.prescriptions.lock([hi_rxno])
    row = uow.prescriptions.prescription(hi_rxno)
    if row is None:
        raise refusal("RX_NOT_FOUND", hi_rxno=hi_rxno)
    return row


def _own(uow: UnitOfWork, hi_rxno: str, fixmedins_code: str, *, lock: bool = False) -> dict:
    """A prescription of the calling institution (another institution does not see it)."""
    row = _found(uow, hi_rxno, lock=lock)
    if row["fixmedins_code"] != fixmedins_code:
        raise refusal("RX_NOT_FOUND", hi_rxno=hi_rxno)
    return row


def region_setting(uow: UnitOfWork, prescribing: str, dispensing: str) -> rules.RegionSetting:
    found = uow.prescriptions.region_setting(prescribing, dispensing)
    if found is None:
        return rules.default_setting(prescribing, dispensing)
    return rules.RegionSetting(bool(found["recognised"]), bool(found["upload_required"]))


def set_region(uow: UnitOfWork, *, prescribing: str, dispensing: str, recognised: bool, upload_required: bool) -> dict:
    """The agency's setting for a pair of regions (a new row; the latest holds)."""
    for admdvs in (prescribing, dispensing):
        if len(admdvs) != 6 or not admdvs.isdigit():
            raise refusal("RX_BAD_REGION", admdvs=admdvs)
    row = dict(prescribing_admdvs=prescribing, dispensing_admdvs=dispensing, recognised=recognised,
               upload_required=upload_required, actor=uow.actor.label()[:200], recorded_at=uow.now)
    uow.prescriptions.add_region_setting(row)
    uow.actions.record("prescription.region_setting", f"{prescribing}>{dispensing}",
                       {"recognised": recognised, "upload_required": upload_required})
    return row


# --- 7101 pre-check and upload of the prescription ----------------------------------------------------

def precheck(uow: UnitOfWork, *, institution: dict, rx: dict, lines: list[dict], msgid: str) -> dict:
    """7101: keep the prescription as sent and give it its numbers. ``rx``: hosp_rxno, psn_no,
    mdtrt_id, rx_type_code, prsc_time, valid_days, maindiag_code, detail; ``lines``:
    med_list_codg, drug_genname, cnt (Decimal), drug_sumamt_fen."""
    code = institution["fixmedins_code"]
    if not 1 <= rx["valid_days"] <= rules.MAX_VALID_DAYS:
        raise refusal("RX_BAD_VALID_DAYS", valid_days=rx["valid_days"], most=rules.MAX_VALID_DAYS)
    if uow.prescriptions.by_hosp_rxno(code, rx["hosp_rxno"]) is not None:
        raise refusal("RX_HOSP_RXNO_TAKEN", hosp_rxno=rx["hosp_rxno"])
    codes = [line["med_list_codg"] for line in lines]
    if len(set(codes)) != len(codes):
        raise refusal("RX_DRUG_REPEATED")
    kinds = uow.prescriptions.list_types(institution["admdvs"], codes)
    delivery = [c for c in codes if kinds.get(c) == DELIVERY_LIST_TYPE]
    if delivery:
        raise refusal("RX_DELIVERY_LINE", med_list_codg=delivery[0])
    hi_rxno = new_id("RX")
    trace = f"T{secrets.token_hex(12).upper()}"
    valid_end = rules.valid_end(rx["prsc_time"], rx["valid_days"])
    uow.prescriptions.add(dict(
        hi_rxno=hi_rxno, rx_trace_code=trace, fixmedins_code=code, admdvs=institution["admdvs"], msgid=msgid,
        actor=uow.actor.label()[:200], created_at=uow.now, valid_end_time=valid_end,
        detail=json.dumps(rx["detail"], ensure_ascii=False, default=str),
        **{k: rx[k] for k in ("hosp_rxno", "psn_no", "mdtrt_id", "rx_type_code", "prsc_time", "valid_days",
                              "maindiag_code")}),
        [dict(line, hi_rxno=hi_rxno, line_no=no, cnt=f"{line['cnt']:f}") for no, line in enumerate(lines, start=1)])
    uow.actions.record("prescription.precheck", hi_rxno, {"fixmedins_code": code, "lines": len(lines),
                                                          "valid_days": rx["valid_days"]})
    return {"hi_rxno": hi_rxno, "rx_trace_code": trace, "valid_end_time": valid_end}


def _writable(uow: UnitOfWork, row: dict, action: str) -> rules.Prescription:
    prescription = folded(row)
    status = prescription.status(uow.now)
    if status == "2":
        raise refusal("RX_REVOKED", hi_rxno=row["hi_rxno"], action=action)
    if status == "3":
        raise refusal("RX_EXPIRED", hi_rxno=row["hi_rxno"], valid_end=f"{row['valid_end_time']:%Y-%m-%d %H:%M:%S}",
                      valid_days=row["valid_days"], action=action)
    return prescription


def sign(uow: UnitOfWork, *, fixmedins_code: str, hi_rxno: str, original_value: str, msgid: str) -> dict:
    """7102: seal the prescription file the HIS sends (the platform's SHA-256 digest, once)."""
    row = _own(uow, hi_rxno, fixmedins_code, lock=True)
    _writable(uow, row, "签名")
    if "sign" in row["steps"]:
        return json.loads(row["steps"]["sign"]["detail"])
    digest = hashlib.sha256(f"{hi_rxno}\n{original_value}".encode()).hexdigest()
    answer = {"rx_file": original_value, "sign_digest": digest, "sign_cert_sn": SIGN_CERT_SN,
              "sign_cert_dn": "CN=yibao e-prescription seal"}
    _step(uow, hi_rxno, "sign", msgid, answer)
    return answer


def upload(uow: UnitOfWork, *, fixmedins_code: str, hi_rxno: str, rx_trace_code: str, msgid: str) -> dict:
    """7103: the prescription may circulate (where the region requires it, only now)."""
    row = _own(uow, hi_rxno, fixmedins_code, lock=True)
    if row["rx_trace_code"] != rx_trace_code:
        raise refusal("RX_TRACE_MISMATCH", hi_rxno=hi_rxno)
    _writable(uow, row, "上传")
    if "upload" not in row["steps"]:
        _step(uow, hi_rxno, "upload", msgid, {})
    return {"hi_rxno": hi_rxno, "rx_stas_codg": "1", "rx_stas_name": rules.STATUS_NAMES["1"]}


def revoke(uow: UnitOfWork, *, fixmedins_code: str, hi_rxno: str, undo_rea: str, msgid: str) -> dict:
    """7104: a prescription not dispensed (or whose dispensing was reversed) is revoked, once."""
    row = _own(uow, hi_rxno, fixmedins_code, lock=True)
    if not undo_rea.strip():
        raise refusal("RX_REASON_REQUIRED")
    prescription = folded(row)
    if "revoke" in prescription.steps:
        raise refusal("RX_REVOKED", hi_rxno=hi_rxno, action="撤销")
    if prescription.live_dispensing is not None:
        raise refusal("RX_DISPENSED_NOT_REVOCABLE", hi_rxno=hi_rxno)
    _step(uow, hi_rxno, "revoke", msgid, {"undo_rea": undo_rea[:200]})
    return {"hi_rxno": hi_rxno, "rx_stas_codg": "2", "rx_stas_name": rules.STATUS_NAMES["2"]}


def _step(uow: UnitOfWork, hi_rxno: str, step: str, msgid: str, detail: dict) -> None:
    uow.prescriptions.add_step(dict(hi_rxno=hi_rxno, step=step, msgid=msgid, actor=uow.actor.label()[:200],
                                    recorded_at=uow.now, detail=json.dumps(detail, ensure_ascii=False)))
    uow.actions.record(f"prescription.{step}", hi_rxno, {k: v for k, v in detail.items() if k != "rx_file"})


def query(uow: UnitOfWork, *, fixmedins_code: str, hi_rxno: str = "", mdtrt_id: str = "") -> list[dict]:
    """7105: the institution's prescriptions by number or by visit, with their state."""
    numbers = [hi_rxno] if hi_rxno else uow.prescriptions.of_visit(mdtrt_id)
    found = []
    for number in numbers:
        row = uow.prescriptions.prescription(number)
        if row is not None and row["fixmedins_code"] == fixmedins_code:
            found.append(dict(row, state=folded(row)))
    if not found:
        raise refusal("RX_NOT_FOUND", hi_rxno=hi_rxno or mdtrt_id)
    return found


# --- dispensing at a pharmacy (2101/2102) and its return (2103) ----------------------------------------

def check_dispensing(uow: UnitOfWork, *, pharmacy: dict, psn_no: str, wanted: dict[str, list[tuple[str, Decimal]]],
                     lock: bool) -> dict[str, dict[int, Decimal]]:
    """What each prescription named by the sale's circulated lines gives (hi_rxno -> line_no ->
    quantity), or a refusal. ``lock``: a 2102 locks the prescriptions (after the persons)."""
    if lock:
        uow.prescriptions.lock(sorted(wanted))
    taken = {}
    for hi_rxno in sorted(wanted):
        row = _found(uow, hi_rxno)
        prescription = _writable(uow, row, "取药")
        if row["psn_no"] != psn_no:
            raise refusal("RX_OTHER_PERSON", hi_rxno=hi_rxno)
        if prescription.live_dispensing is not None:
            raise refusal("RX_ALREADY_DISPENSED", hi_rxno=hi_rxno)
        setting = region_setting(uow, row["admdvs"], pharmacy["admdvs"])
        if not setting.recognised:
            raise refusal("RX_REGION_NOT_RECOGNISED", hi_rxno=hi_rxno, prescribing=row["admdvs"],
                          dispensing=pharmacy["admdvs"])
        if setting.upload_required and "upload" not in prescription.steps:
            raise refusal("RX_NOT_UPLOADED", hi_rxno=hi_rxno)
        matched = rules.match_lines(prescription, wanted[hi_rxno])
        if isinstance(matched, str):
            raise refusal("RX_LINES_MISMATCH", hi_rxno=hi_rxno, reason=matched)
        taken[hi_rxno] = matched
    return taken


def record_dispensing(uow: UnitOfWork, *, pharmacy: dict, mdtrt_id: str, setl_id: str,
                      taken: dict[str, dict[int, Decimal]]) -> list[str]:
    """After ``check_dispensing(lock=True)`` in the same unit: one dispensing per prescription."""
    ids = []
    for hi_rxno, lines in sorted(taken.items()):
        row = uow.prescriptions.prescription(hi_rxno)
        followed = {d["follows_return_id"] for d in row["dispensings"]}
        follows = next((d["dispensing_id"] for d in row["dispensings"]
                        if d["kind"] == "return" and d["dispensing_id"] not in followed), None)
        dispensing_id = new_id("DP")
        uow.prescriptions.add_dispensing(
            dict(dispensing_id=dispensing_id, hi_rxno=hi_rxno, kind="dispense", fixmedins_code=pharmacy["fixmedins_code"],
                 mdtrt_id=mdtrt_id, setl_id=setl_id, returns_dispensing_id=None, follows_return_id=follows,
                 actor=uow.actor.label()[:200], recorded_at=uow.now),
            [dict(dispensing_id=dispensing_id, line_no=no, hi_rxno=hi_rxno, cnt=f"{cnt:f}") for no, cnt in lines.items()])
        uow.actions.record("prescription.dispense", hi_rxno, {"setl_id": setl_id, "pharmacy": pharmacy["fixmedins_code"]})
        ids.append(dispensing_id)
    return ids


def put_back(uow: UnitOfWork, *, setl_id: str, reversal_setl_id: str) -> list[str]:
    """2103: the reversal of a pharmacy settlement returns what its dispensings took (opposite
    rows); the prescriptions may be dispensed again while valid. The caller holds the visit and
    person locks; this locks the prescriptions."""
    dispensings = [d for d in uow.prescriptions.dispensings_of_settlement(setl_id) if d["kind"] == "dispense"]
    uow.prescriptions.lock(sorted({d["hi_rxno"] for d in dispensings}))
    returned = []
    for dispensing in dispensings:
        row = uow.prescriptions.prescription(dispensing["hi_rxno"])
        if any(d.get("returns_dispensing_id") == dispensing["dispensing_id"] for d in row["dispensings"]):
            continue
        return_id = new_id("DP")
        uow.prescriptions.add_dispensing(
            dict(dispensing, dispensing_id=return_id, kind="return", setl_id=reversal_setl_id,
                 returns_dispensing_id=dispensing["dispensing_id"], follows_return_id=None,
                 actor=uow.actor.label()[:200], recorded_at=uow.now),
            [dict(dispensing_id=return_id, line_no=no, hi_rxno=row["hi_rxno"], cnt=f"{-Decimal(cnt):f}")
             for no, cnt in dispensing["lines"].items()])
        uow.actions.record("prescription.return", row["hi_rxno"], {"setl_id": reversal_setl_id})
        returned.append(return_id)
    return returned


def answer_time(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"
