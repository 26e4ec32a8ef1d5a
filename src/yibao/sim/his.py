"""``yibao his``: a hospital/pharmacy information system that walks real visits through the
gateway over HTTP, the way a HIS does (nhsa-interface.md §7.5):

- outpatient: 9001 → 1101 → 2201 → 2203 → 2204 → 2206 → 2207, some 2208 or 2601;
- inpatient: 1101 → 2401 → 2301 → 2402 → 2303 → 2304, some 2305;
- pharmacy: 1101 → 2101 → 2102, some 2103.

It reads the demo world's files (institutions with their credentials, persons, catalogue
with reference prices) and prints a summary. Used by the demo and the tests.

It authenticates with the ``apikey`` header by default, or signs like a provincial proxy
(``signing="x-tif"``: the Guangdong gateway's headers with a nonce of 1–10 random digits;
``"api"``: the Jiangxi-style ``_api_*`` HMAC; ``"none"``: no header, a front-end processor),
and posts to ``callService``, ``callService/{infno}`` or ``/hsa/hgs/{infno}`` (``path_style``).
The signatures are computed here from nhsa-interface.md §1.1, as the proxy does, not with the
gateway's code.
"""

from __future__ import annotations

import base64
import csv
import functools
import datetime as dt
import hashlib
import hmac
import itertools
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from yibao.documents.render import dumps

DISPATCH_PATH = "/fsi/api/rsfComIfsService/callService"
SIGNINGS = ("apikey", "x-tif", "api", "none")
PATH_STYLES = {"callService": DISPATCH_PATH, "infno": DISPATCH_PATH + "/{infno}", "hgs": "/hsa/hgs/{infno}"}


def tif_headers(code: str, secret: str, now: float | None = None, nonce: str | None = None) -> dict:
    """What the Guangdong proxy sends: x-tif-signature = sha256_hex(timestamp + secret + nonce + timestamp).
    The proxy's nonces are 1–10 random digits; here at least 6, so that two calls of one second
    almost never share a nonce (the gateway would take the second for a replay of the first)."""
    timestamp = str(int(time.time() if now is None else now))
    if nonce is None:
        nonce = str(random.SystemRandom().randrange(10 ** random.randint(6, 10)))
    signature = hashlib.sha256(f"{timestamp}{secret}{nonce}{timestamp}".encode()).hexdigest()
    return {"x-tif-paasid": code, "x-tif-timestamp": timestamp, "x-tif-nonce": nonce, "x-tif-signature": signature}


def api_headers(code: str, secret: str, infno: str, now: float | None = None) -> dict:
    """The Jiangxi-style headers: Base64(HMAC-SHA1(secret, the _api_ headers as name=value&…, sorted))."""
    values = {"_api_access_key": code, "_api_name": infno, "_api_timestamp": str(int((time.time() if now is None else now) * 1000)),
              "_api_version": "1.0.0"}
    text = "&".join(f"{name}={values[name]}" for name in sorted(values))
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return dict(values, _api_signature=base64.b64encode(digest).decode())


def err_msg_code(err_msg: str) -> str:
    found = re.match(r"\[([A-Z][A-Z0-9_]*)\] ", err_msg or "")
    return found.group(1) if found else ""


class TransactionFailed(Exception):
    def __init__(self, infno: str, err_msg: str):
        super().__init__(f"{infno}: {err_msg}")
        self.infno = infno
        self.err_msg = err_msg

    @property
    def code(self) -> str:
        """The refusal's stable code, ``[CODE]`` at the start of err_msg (docs/his/error-codes.md)."""
        return err_msg_code(self.err_msg)


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def region_chain(admdvs: str) -> list[str]:
    return list(dict.fromkeys([admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"]))


@dataclass
class World:
    institutions: list[dict]
    persons: list[dict]
    catalogue: dict[str, list[dict]]  # region -> items with a reference price
    filings: list[dict] = field(default_factory=list)
    qualifications: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: Path) -> "World":
        missing = [name for name in ("institutions.csv", "persons.csv", "hilist.csv") if not (data_dir / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{data_dir} lacks {', '.join(missing)}: run `yibao demo` first")
        catalogue: dict[str, list[dict]] = {}
        for row in read_csv(data_dir / "hilist.csv"):
            if row.get("vali_flag", "1") == "1" and row.get("ref_pric"):
                catalogue.setdefault(row["insu_admdvs"], []).append(row)
        optional = {name: read_csv(data_dir / f"{name}.csv") if (data_dir / f"{name}.csv").is_file() else []
                    for name in ("filings", "qualifications")}
        return cls(read_csv(data_dir / "institutions.csv"), read_csv(data_dir / "persons.csv"), catalogue,
                   optional["filings"], optional["qualifications"])

    def items_for(self, admdvs: str) -> list[dict]:
        for region in region_chain(admdvs):
            if self.catalogue.get(region):
                return self.catalogue[region]
        return []


_SEQUENCES: dict[str, itertools.count] = {}
_SEQUENCES_LOCK = threading.Lock()


def _sequence_for(code: str) -> itertools.count:
    """One msgid sequence per institution in this process, starting at a random point so that
    two runs in the same second do not reuse each other's msgids."""
    with _SEQUENCES_LOCK:
        if code not in _SEQUENCES:
            _SEQUENCES[code] = itertools.count(random.SystemRandom().randrange(10000))
        return _SEQUENCES[code]


class HisClient:
    """One institution's connection: credentials, sign-in, msgid sequence."""

    def __init__(self, http: httpx.Client, institution: dict, *, operator: str = "0001", signing: str = "apikey",
                 path_style: str = "callService"):
        assert signing in SIGNINGS and path_style in PATH_STYLES, (signing, path_style)
        self.http = http
        self.institution = institution
        self.code = institution["fixmedins_code"]
        self.operator = operator
        self.signing, self.path = signing, PATH_STYLES[path_style]
        self.sign_no = ""
        self._sequence = _sequence_for(self.code)

    def headers(self, infno: str) -> dict:
        secret = self.institution.get("secret", "")
        signed = {"apikey": lambda: {"x-tif-paasid": self.code, "apikey": secret},
                  "x-tif": lambda: tif_headers(self.code, secret),
                  "api": lambda: api_headers(self.code, secret, infno), "none": dict}[self.signing]()
        return {"content-type": "application/json", **signed}

    def msgid(self) -> str:
        with _SEQUENCES_LOCK:
            number = next(self._sequence) % 10000
        return f"{self.code}{dt.datetime.now():%Y%m%d%H%M%S}{number:04d}"

    def envelope(self, infno: str, input_: dict, *, insuplc_admdvs: str = "", msgid: str | None = None) -> dict:
        """The national request envelope (nhsa-interface.md §1.2) around ``input_``."""
        return {
            "infno": infno, "msgid": msgid or self.msgid(), "mdtrtarea_admvs": self.institution["admdvs"],
            "insuplc_admdvs": insuplc_admdvs, "recer_sys_code": "YBXT", "dev_no": "", "dev_safe_info": "",
            "cainfo": "", "signtype": "", "infver": "V1.0", "opter_type": "1", "opter": self.operator,
            "opter_name": "收费员", "inf_time": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}",
            "fixmedins_code": self.code, "fixmedins_name": self.institution["fixmedins_name"],
            "sign_no": self.sign_no, "input": input_,
        }

    def call(self, infno: str, input_: dict, *, insuplc_admdvs: str = "", msgid: str | None = None) -> dict:
        response = self.post(infno, input_, insuplc_admdvs=insuplc_admdvs, msgid=msgid)
        body = response.json()
        if str(body.get("infcode")) != "0":
            raise TransactionFailed(infno, body.get("err_msg") or "")
        return body.get("output") or {}

    def fetch_file(self, file_qury_no: str, *, filename: str = "plc", msgid: str | None = None) -> bytes:
        """9102: the file's bytes (the answer's body); a refusal comes as the JSON envelope."""
        response = self.post("9102", {"fsDownloadIn": {"file_qury_no": file_qury_no, "filename": filename,
                                                        "fixmedins_code": self.code}}, msgid=msgid)
        if response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
            raise TransactionFailed("9102", body.get("err_msg") or f"infcode {body.get('infcode')}")
        return response.content

    def post(self, infno: str, input_: dict, *, insuplc_admdvs: str = "", msgid: str | None = None) -> httpx.Response:
        envelope = self.envelope(infno, input_, insuplc_admdvs=insuplc_admdvs, msgid=msgid)
        response = self.http.post(self.path.format(infno=infno), content=dumps(envelope, indent=None).encode(),
                                  headers=self.headers(infno))
        response.raise_for_status()
        return response

    def sign_in(self) -> str:
        output = self.call("9001", {"signIn": {"opter_no": self.operator, "mac": "", "ip": "127.0.0.1"}})
        self.sign_no = output["signinoutb"]["sign_no"]
        return self.sign_no


@dataclass
class Summary:
    started: float = field(default_factory=time.perf_counter)
    outcomes: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    settled: int = 0
    reversed: int = 0
    medfee: Decimal = Decimal(0)
    fund: Decimal = Decimal(0)
    cash: Decimal = Decimal(0)
    by_scope: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, outcome: str, setlinfo: dict | None = None, scope: str = "") -> None:
        with self.lock:
            self.outcomes[(path, outcome)] += 1
            if setlinfo is not None:
                self.settled += 1
                self.medfee += Decimal(str(setlinfo["medfee_sumamt"]))
                self.fund += Decimal(str(setlinfo["fund_pay_sumamt"]))
                self.cash += Decimal(str(setlinfo["psn_cash_pay"]))
                self.by_scope[scope] += 1

    def refused(self, path: str, error: TransactionFailed) -> None:
        with self.lock:
            self.outcomes[(path, f"refused at {error.infno}")] += 1
            self.refusals[error.err_msg[:90]] += 1

    def lines(self) -> list[str]:
        elapsed = time.perf_counter() - self.started
        total = sum(self.outcomes.values())
        out = [f"{total} visits in {elapsed:.1f}s ({total / elapsed if elapsed else 0:.1f}/s): "
               f"{self.settled} settled, {self.reversed} reversed"]
        out.append(f"fees {self.medfee:.2f}, funds paid {self.fund:.2f}, cash {self.cash:.2f}")
        out.append("by scope: " + ", ".join(f"{scope} {count}" for scope, count in sorted(self.by_scope.items())))
        for (path, outcome), count in sorted(self.outcomes.items()):
            out.append(f"  {path:22s} {outcome:20s} {count}")
        if self.refusals:
            out.append("refusals:")
            for message, count in self.refusals.most_common(6):
                out.append(f"  {count:4d} × {message}")
        return out


class Simulator:
    def __init__(self, base_url: str, world: World, *, seed: int = 1, reverse_share: float = 0.08, timeout: float = 30,
                 signing: str = "apikey", path_style: str = "callService"):
        self.world = world
        self.signing, self.path_style = signing, path_style
        self.random = random.Random(seed)
        self.random_lock = threading.Lock()
        self.reverse_share = reverse_share
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.clients: dict[str, HisClient] = {}
        self.summary = Summary()
        self.visit_numbers = itertools.count(int(time.time()) % 100000 * 10000)
        hospitals = [i for i in world.institutions if i["fixmedins_type"] == "1"]
        pharmacies = [i for i in world.institutions if i["fixmedins_type"] == "2"]
        self.hospitals, self.pharmacies = hospitals, pharmacies
        self.persons_by_region: dict[str, list[dict]] = {}
        for person in world.persons:
            self.persons_by_region.setdefault(person["insuplc_admdvs"][:4], []).append(person)

    def close(self) -> None:
        self.http.close()

    def client(self, institution: dict) -> HisClient:
        code = institution["fixmedins_code"]
        with self.random_lock:
            client = self.clients.get(code)
            if client is None:
                client = self.clients[code] = HisClient(self.http, institution, signing=self.signing,
                                                        path_style=self.path_style)
        if not client.sign_no:
            client.sign_in()
        return client

    def pick(self, items: list) -> Any:
        with self.random_lock:
            return self.random.choice(items)

    def chance(self, share: float) -> bool:
        with self.random_lock:
            return self.random.random() < share

    def choose_person(self, institution: dict) -> dict:
        local = self.persons_by_region.get(institution["admdvs"][:4])
        if local and self.chance(0.8):
            return self.pick(local)
        return self.pick(self.world.persons)

    def fee_lines(self, institution: dict, count: int, mdtrt_id: str, psn_no: str, *, batch: str = "") -> list[dict]:
        items = self.world.items_for(institution["admdvs"])
        if not items:
            raise RuntimeError(f"no catalogue items for region {institution['admdvs']}")
        lines = []
        now = dt.datetime.now()
        for number in range(1, count + 1):
            item = self.pick(items)
            cnt = Decimal(self.pick([1, 1, 1, 2, 3, 5]))
            pric = Decimal(item["ref_pric"])
            line = {
                "feedetl_sn": f"{number:04d}", "mdtrt_id": mdtrt_id, "psn_no": psn_no, "rx_circ_flag": "0",
                "fee_ocur_time": f"{now:%Y-%m-%d %H:%M:%S}", "med_list_codg": item["hilist_code"],
                "medins_list_codg": f"YN{item['hilist_code'][-6:]}", "det_item_fee_sumamt": (cnt * pric).quantize(Decimal("0.01")),
                "cnt": cnt, "pric": pric, "bilg_dept_codg": "A03", "bilg_dept_name": "内科",
                "bilg_dr_codg": "D123456789012", "bilg_dr_name": "医师", "hosp_appr_flag": "1",
            }
            if batch:
                line["chrg_bchno"] = batch
            lines.append(line)
        return lines

    def person_info(self, client: HisClient, person: dict) -> dict:
        output = client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
                                               "psn_cert_type": "01", "certno": person["certno"]}})
        insurance = next(i for i in output["insuinfo"] if i["insutype"] == person["insutype"])
        return insurance

    def scope_of(self, institution: dict, insuplc: str) -> str:
        if insuplc == institution["admdvs"]:
            return "local"
        return "in_province" if insuplc[:2] == institution["admdvs"][:2] else "cross_province"

    # --- visit paths -------------------------------------------------------------------------
    def outpatient(self, institution: dict, person: dict, *, med_type: str = "11", dise_codg: str = "",
                   path: str = "outpatient") -> None:
        client = self.client(institution)
        insurance = self.person_info(client, person)
        insuplc = insurance["insuplc_admdvs"]
        psn = person["psn_no"]
        now = dt.datetime.now()
        registered = client.call("2201", {"data": {
            "psn_no": psn, "insutype": person["insutype"], "begntime": f"{now:%Y-%m-%d %H:%M:%S}",
            "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "ipt_otp_no": f"MZ{next(self.visit_numbers)}",
            "atddr_no": "D123456789012", "dr_name": "医师", "dept_code": "A03", "dept_name": "内科", "caty": "A03"}},
            insuplc_admdvs=insuplc)
        mdtrt_id = registered["data"]["mdtrt_id"]
        client.call("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn, "med_type": med_type,
                                           "begntime": f"{now:%Y-%m-%d %H:%M:%S}", "main_cond_dscr": "",
                                           "dise_codg": dise_codg, "dise_name": ""},
                             "diseinfo": [{"diag_type": "1", "diag_srt_no": "1", "diag_code": "J06.900",
                                           "diag_name": "急性上呼吸道感染", "diag_dept": "A03", "dise_dor_no": "D1",
                                           "dise_dor_name": "医师", "diag_time": f"{now:%Y-%m-%d %H:%M:%S}", "vali_flag": "1"}]},
                    insuplc_admdvs=insuplc)
        batch = f"B{mdtrt_id}"
        lines = self.fee_lines(institution, self.pick([2, 3, 4, 5, 6]), mdtrt_id, psn, batch=batch)
        client.call("2204", {"feedetail": lines}, insuplc_admdvs=insuplc)
        total = sum(line["det_item_fee_sumamt"] for line in lines)
        data = {"psn_no": psn, "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "med_type": med_type,
                "medfee_sumamt": total, "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": batch,
                "acct_used_flag": "1", "insutype": person["insutype"]}
        pre = client.call("2206", {"data": data}, insuplc_admdvs=insuplc)["setlinfo"]
        data.update({key: pre[key] for key in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
        data["invono"] = f"INV{mdtrt_id}"
        settle_msgid = client.msgid()
        settled = client.call("2207", {"data": data}, insuplc_admdvs=insuplc, msgid=settle_msgid)["setlinfo"]
        self.summary.record(path, "settled", settled, self.scope_of(institution, insuplc))
        if self.chance(self.reverse_share):
            if self.chance(0.5):
                client.call("2208", {"data": {"setl_id": settled["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn}},
                            insuplc_admdvs=insuplc)
            else:
                client.call("2601", {"data": {"psn_no": psn, "omsgid": settle_msgid, "oinfno": "2207"}},
                            insuplc_admdvs=insuplc)
            with self.summary.lock:
                self.summary.reversed += 1

    def inpatient(self, institution: dict, person: dict, *, med_type: str = "21", path: str = "inpatient") -> None:
        client = self.client(institution)
        insurance = self.person_info(client, person)
        insuplc = insurance["insuplc_admdvs"]
        psn = person["psn_no"]
        now = dt.datetime.now()
        begin = now - dt.timedelta(days=self.pick([2, 4, 7, 10, 15]))
        admitted = client.call("2401", {"mdtrtinfo": {
            "psn_no": psn, "insutype": person["insutype"], "begntime": f"{begin:%Y-%m-%d %H:%M:%S}",
            "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "med_type": med_type,
            "ipt_no": f"ZY{next(self.visit_numbers)}", "atddr_no": "D123456789012", "chfpdr_name": "主治医师",
            "adm_diag_dscr": "肺炎", "adm_dept_codg": "A03", "adm_dept_name": "内科", "adm_bed": "12",
            "dscg_maindiag_code": "J18.900", "dscg_maindiag_name": "肺炎"},
            "diseinfo": [{"psn_no": psn, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1",
                          "diag_code": "J18.900", "diag_name": "肺炎", "diag_dept": "A03", "dise_dor_no": "D1",
                          "dise_dor_name": "医师", "diag_time": f"{begin:%Y-%m-%d %H:%M:%S}"}]},
            insuplc_admdvs=insuplc)
        mdtrt_id = admitted["result"]["mdtrt_id"]
        lines = self.fee_lines(institution, self.pick([8, 12, 16, 20, 24]), mdtrt_id, psn)
        for line in lines:
            line["med_type"] = med_type
        client.call("2301", {"feedetail": lines}, insuplc_admdvs=insuplc)
        client.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": psn, "insutype": person["insutype"],
                                          "endtime": f"{now:%Y-%m-%d %H:%M:%S}", "dscg_dept_codg": "A03",
                                          "dscg_dept_name": "内科", "dscg_way": "1"},
                             "diseinfo": []}, insuplc_admdvs=insuplc)
        total = sum(line["det_item_fee_sumamt"] for line in lines)
        data = {"psn_no": psn, "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "medfee_sumamt": total,
                "psn_setlway": "01", "mdtrt_id": mdtrt_id, "acct_used_flag": "1", "insutype": person["insutype"],
                "mid_setl_flag": "0"}
        client.call("2303", {"data": data}, insuplc_admdvs=insuplc)
        settled = client.call("2304", {"data": data}, insuplc_admdvs=insuplc)["setlinfo"]
        self.summary.record(path, "settled", settled, self.scope_of(institution, insuplc))
        if self.chance(self.reverse_share / 2):
            client.call("2305", {"data": {"setl_id": settled["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn}},
                        insuplc_admdvs=insuplc)
            with self.summary.lock:
                self.summary.reversed += 1

    def pharmacy(self, institution: dict, person: dict) -> None:
        client = self.client(institution)
        insurance = self.person_info(client, person)
        insuplc = insurance["insuplc_admdvs"]
        psn = person["psn_no"]
        lines = self.fee_lines(institution, self.pick([1, 2, 3]), "", psn)
        detail = [{k: line[k] for k in ("feedetl_sn", "fee_ocur_time", "med_list_codg", "medins_list_codg",
                                          "det_item_fee_sumamt", "cnt", "pric", "rx_circ_flag")} for line in lines]
        total = sum(line["det_item_fee_sumamt"] for line in lines)
        info = {"psn_no": psn, "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
                "begntime": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}", "medfee_sumamt": total, "insutype": person["insutype"],
                "acct_used_flag": "1", "med_type": "41"}
        client.call("2101", {"druginfo": info, "drugdetail": detail}, insuplc_admdvs=insuplc)
        output = client.call("2102", {"druginfo": info, "drugdetail": detail}, insuplc_admdvs=insuplc)
        settled = output["setlinfo"]
        self.summary.record("pharmacy", "settled", settled, self.scope_of(institution, insuplc))
        if self.chance(self.reverse_share / 2):
            client.call("2103", {"data": {"setl_id": settled["setl_id"], "mdtrt_id": settled["mdtrt_id"], "psn_no": psn}},
                        insuplc_admdvs=insuplc)
            with self.summary.lock:
                self.summary.reversed += 1

    def hospitals_in(self, admdvs: str) -> list[dict]:
        return [i for i in self.hospitals if i["admdvs"] == admdvs or i["admdvs"][:4] == admdvs[:4]
                or (admdvs.endswith("0000") and i["admdvs"][:2] == admdvs[:2])]

    def plan_visit(self) -> tuple[str, Any, dict, dict]:
        """Which path, which institution, which person: every cross-region path occurs."""
        roll = self.random_roll()
        persons = {p["psn_no"]: p for p in self.world.persons}
        if roll < 0.10 and self.pharmacies:
            institution = self.pick(self.pharmacies)
            return "pharmacy", self.pharmacy, institution, self.choose_person(institution)
        if roll < 0.28 and self.world.filings:
            filing = self.pick(self.world.filings)
            hospitals = self.hospitals_in(filing["dest_admdvs"])
            if hospitals and filing["psn_no"] in persons:
                label = f"filed_{filing['filing_type']}"
                visit = functools.partial(self.inpatient if self.chance(0.5) else self.outpatient, path=label)
                return label, visit, self.pick(hospitals), persons[filing["psn_no"]]
        if roll < 0.40 and self.world.qualifications:
            qualification = self.pick(self.world.qualifications)
            person = persons.get(qualification["psn_no"])
            if person:
                filed = [f for f in self.world.filings if f["psn_no"] == person["psn_no"]]
                region = filed[0]["dest_admdvs"] if filed and self.chance(0.5) else person["insuplc_admdvs"]
                hospitals = self.hospitals_in(region)
                if hospitals:
                    def chronic(institution, who):
                        self.outpatient(institution, who, med_type="14", dise_codg=qualification["opsp_dise_code"], path="chronic")
                    return "chronic", chronic, self.pick(hospitals), person
        if roll < 0.46:
            person = self.pick(self.world.persons)
            away = [h for h in self.hospitals if h["admdvs"][:2] != person["insuplc_admdvs"][:2]]
            if away:
                def emergency(institution, who):
                    self.inpatient(institution, who, med_type="24", path="emergency")
                return "emergency", emergency, self.pick(away), person
        if roll < 0.66:
            institution = self.pick(self.hospitals)
            return "inpatient", self.inpatient, institution, self.choose_person(institution)
        institution = self.pick(self.hospitals)
        return "outpatient", self.outpatient, institution, self.choose_person(institution)

    def one_visit(self, _: int) -> None:
        path, walk, institution, person = self.plan_visit()
        try:
            walk(institution, person)
        except TransactionFailed as error:
            self.summary.refused(path, error)

    def random_roll(self) -> float:
        with self.random_lock:
            return self.random.random()

    def run(self, visits: int, concurrency: int = 4) -> Summary:
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            list(pool.map(self.one_visit, range(visits)))
        return self.summary
