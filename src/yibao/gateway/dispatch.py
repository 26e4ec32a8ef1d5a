"""One request in, one response envelope out (nhsa-interface.md §1, §7).

Always an envelope: infcode 0 with the output, or -1 with err_msg; never a traceback.
State-changing transactions run in one write transaction together with the request-log
row keyed by (institution, msgid), so a retried msgid returns the stored answer.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping

from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from yibao.documents.render import dumps
from yibao.store import repository as repo
from yibao.store import write_batch
from yibao.store.unit_of_work import SqlUnitOfWork

from yibao.app import actors
from yibao.app.error_codes import CODES, coded_text, refusal
from yibao.app.errors import GatewayError
from yibao.app.platform import Platform
from . import auth
from . import chapters  # noqa: F401  (registers every handler)
from . import metrics
from .json_input import MAX_JSON_DEPTH
from .registry import TRANSACTIONS, RawAnswer, Request

log = logging.getLogger("yibao.gateway")

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_MSGID = 40  # request_log.msgid
# The answer to a body over the limit, here and in gateway/app.py (before any JSON is read).
TOO_LARGE = coded_text(refusal("ENVELOPE_BODY_TOO_LARGE", limit_mb=MAX_BODY_BYTES // (1024 * 1024)))
_serial = itertools.count(1)


class OutputText(str):
    """A write transaction's output as the JSON text stored in the request log: the answer
    and every retry's answer are that same text. ``document``: the output it was written from,
    when this process wrote it (the metrics read the amounts there instead of parsing the text)."""

    document: Any = None


@dataclass
class Settings:
    insecure_demo: bool = False
    receiver_admdvs: str = ""  # the platform's own region code in inf_refmsgid ("" = the institution's province)
    auth_policy: auth.AuthPolicy = field(default_factory=auth.AuthPolicy)  # window, trusted networks, platform key
    # Signed timestamps are the proxies' real time, so the window is checked against the system
    # clock, not against a fixed business clock (--now).
    wall_clock: Callable[[], float] = time.time


def _stamp(now_ns: int) -> str:
    seconds, nanos = divmod(now_ns, 1_000_000_000)
    return time.strftime("%Y%m%d%H%M%S", time.localtime(seconds)) + f"{nanos // 1_000_000:03d}"


def envelope(infcode: int, output: Any, err_msg: str, receiver: str, received_ns: int, warn_msg: str = "") -> dict:
    serial = (os.getpid() % 1000) * 10_000_000 + next(_serial) % 10_000_000
    received = _stamp(received_ns)
    return {
        "infcode": infcode,
        "inf_refmsgid": f"{receiver}{received[:14]}{serial:010d}",
        "refmsg_time": received,
        "respond_time": _stamp(time.time_ns()),
        "err_msg": err_msg,
        "warn_msg": warn_msg,
        "cainfo": "",
        "signtype": "",
        "enctype": "",
        "output": output,
    }


def _answer(code: str) -> str:
    """The err_msg of a failure that is not a refusal of the request (a database or internal error)."""
    return f"[{code}] {CODES[code].text()}"


def _contains_psn_no(value: Any) -> bool:
    if isinstance(value, dict):
        return "psn_no" in value or any(_contains_psn_no(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_psn_no(item) for item in value)
    return False


class Dispatcher:
    def __init__(self, platform: Platform, settings: Settings):
        self.platform = platform
        self.settings = settings

    def handle_bytes(self, body: bytes, headers: Mapping[str, str], path_infno: str | None = None,
                     client_host: str | None = None) -> str:
        """The HTTP body in, the response body (JSON text) out. ``path_infno``: the infno the
        path names (callService/{infno}, hsa/hgs/{infno}, a per-service alias); ``client_host``:
        the peer's address (auth_mode "none" is accepted from trusted networks only)."""
        return self._answer(body, headers, path_infno, client_host, allow_raw=False)

    def handle_http(self, body: bytes, headers: Mapping[str, str], path_infno: str | None = None,
                    client_host: str | None = None) -> str | RawAnswer:
        """``handle_bytes``, except that a transaction answering a file (9102) answers its
        bytes when it succeeds (nhsa-interface §1.1); a refusal is the JSON envelope as ever."""
        return self._answer(body, headers, path_infno, client_host, allow_raw=True)

    def _answer(self, body: bytes, headers: Mapping[str, str], path_infno: str | None, client_host: str | None, *,
                allow_raw: bool) -> str | RawAnswer:
        from .json_input import load_json

        received_ns = time.time_ns()
        receiver = self.settings.receiver_admdvs or "000000"
        if len(body) > MAX_BODY_BYTES:
            return dumps(envelope(-1, None, TOO_LARGE, receiver, received_ns), indent=None)
        try:
            # numbers as Decimal, >4300-digit integers and absurd exponents kept safe (transactions.load_json)
            message = load_json(body)
        except RecursionError:
            too_deep = coded_text(refusal("INPUT_TOO_DEEP", field="请求体", limit=MAX_JSON_DEPTH))
            return dumps(envelope(-1, None, too_deep, receiver, received_ns), indent=None)
        except ValueError:  # not JSON, or not UTF-8/16/32 text
            return dumps(envelope(-1, None, coded_text(refusal("ENVELOPE_NOT_JSON")), receiver, received_ns), indent=None)
        result = self._handle(message, headers, received_ns, path_infno, client_host, body_checked=plainly_safe(body))
        if allow_raw and result["infcode"] == 0:
            raw = self._raw_answer(message, path_infno, result, receiver, received_ns)
            if raw is not None:
                return raw
        output = result["output"]
        if not isinstance(output, OutputText):
            return dumps(result, indent=None)
        # The stored answer's text goes out as it is (serialised once, when it was stored).
        text = dumps(dict(result, output=None), indent=None)
        assert text.endswith('"output": null}')
        return text[:-len("null}")] + output + "}"

    def _raw_answer(self, message: dict, path_infno: str | None, result: dict, receiver: str,
                    received_ns: int) -> str | RawAnswer | None:
        """The file a successful 9102 answers, read after its transaction committed; None for a
        transaction that answers JSON."""
        spec = TRANSACTIONS.get(_field(message, "infno") or (path_infno or ""))
        if spec is None or spec.raw is None:
            return None
        output = result["output"]
        if isinstance(output, OutputText):
            output = json.loads(output, parse_float=Decimal)
        try:
            return spec.raw(self.platform, _field(message, "fixmedins_code"), _field(message, "msgid"), output)
        except GatewayError as refused:
            return dumps(envelope(-1, None, coded_text(refused)[:2000], receiver, received_ns), indent=None)

    def handle(self, message: Any, headers: Mapping[str, str], received_ns: int, path_infno: str | None = None,
               client_host: str | None = None) -> dict:
        """The envelope as a dict (tests and in-process callers)."""
        result = self._handle(message, headers, received_ns, path_infno, client_host)
        if isinstance(result["output"], OutputText):
            result["output"] = json.loads(result["output"], parse_float=Decimal)
        return result

    def _handle(self, message: Any, headers: Mapping[str, str], received_ns: int, path_infno: str | None = None,
                client_host: str | None = None, *, body_checked: bool = False) -> dict:
        from .json_input import check_json, parse_json

        receiver = self.settings.receiver_admdvs or "000000"
        started = time.perf_counter()
        infno = msgid = code = ""
        try:
            if not isinstance(message, dict):
                raise refusal("ENVELOPE_NOT_OBJECT")
            # nesting, NUL and lone surrogates anywhere: refused before any field is read or logged
            if not body_checked:
                check_json(message)
            if path_infno is not None:
                check_json(path_infno, "infno")
            infno = _field(message, "infno") or (path_infno or "")
            if not infno:
                raise refusal("ENVELOPE_INFNO_REQUIRED")
            if path_infno and infno != path_infno:
                raise refusal("ENVELOPE_INFNO_MISMATCH", infno=infno[:30], path_infno=path_infno[:30])
            mdtrtarea = str(message.get("mdtrtarea_admvs") or "")
            receiver = self.settings.receiver_admdvs or (mdtrtarea[:2] + "0000" if len(mdtrtarea) == 6 and mdtrtarea.isdigit() else receiver)
            spec = TRANSACTIONS.get(infno)
            if spec is None:
                raise refusal("ENVELOPE_INFNO_UNKNOWN", infno=infno[:30])
            msgid = _field(message, "msgid")
            if not msgid:
                raise refusal("ENVELOPE_MSGID_REQUIRED")
            if len(msgid) > MAX_MSGID:
                raise refusal("ENVELOPE_MSGID_TOO_LONG", limit=MAX_MSGID)
            code = _field(message, "fixmedins_code")
            if not code:
                raise refusal("ENVELOPE_FIXMEDINS_CODE_REQUIRED")
            raw_input = message.get("input", {})
            if isinstance(raw_input, str):
                raw_input = parse_json(raw_input, "input", refusal("ENVELOPE_INPUT_NOT_JSON")) if raw_input.strip() else {}
            if raw_input is None:
                raw_input = {}
            if not isinstance(raw_input, dict):
                raise refusal("ENVELOPE_INPUT_NOT_OBJECT")
            if _contains_psn_no(raw_input) and not message.get("insuplc_admdvs") and infno not in ("9001", "9002"):
                raise refusal("ENVELOPE_INSUPLC_REQUIRED")
            output, warnings = self._run(spec, infno, msgid, code, message, raw_input, headers, client_host)
            result = envelope(0, output, "", receiver, received_ns, "；".join(warnings)[:2000])
        except GatewayError as refused:
            result = envelope(-1, None, coded_text(refused)[:2000], receiver, received_ns)
        except DataError:
            result = envelope(-1, None, _answer("ENVELOPE_VALUE_NOT_STORABLE"), receiver, received_ns)
        except OperationalError:
            log.exception("database unavailable for infno=%s msgid=%s", infno, msgid)
            result = envelope(-1, None, _answer("SYSTEM_DATABASE_UNAVAILABLE"), receiver, received_ns)
        except Exception:  # never a traceback on the wire
            log.exception("internal error for infno=%s msgid=%s", infno, msgid)
            result = envelope(-1, None, _answer("SYSTEM_INTERNAL_ERROR"), receiver, received_ns)
        elapsed = time.perf_counter() - started
        log.info("infno=%s msgid=%s fixmedins_code=%s infcode=%s %.1fms", infno[:30], msgid[:60], code[:60], result["infcode"],
                 elapsed * 1000)
        pool = self.platform.database.engine.pool if self.platform is not None else None
        metrics.observe(infno, result["infcode"], elapsed, result["output"], pool)
        return result

    def _authenticate(self, conn, code: str, message: dict, headers: Mapping[str, str], infno: str,
                      client_host: str | None) -> tuple[dict, auth.SignedRequest | None]:
        # Security decisions are read from the database in the request's own transaction, never
        # from a per-process cache: a sign-out, a new secret or a new mode holds at once on every worker.
        sign_no = _field(message, "sign_no") if infno != "9001" else ""
        institution, signed_in, versions = repo.institution_and_sign_in(conn, code, sign_no)
        # The request's cache versions, read with its authentication (one round trip): the
        # worker's cached catalogue entries and policies are used only while they are current.
        repo.current_cache_versions.set(versions)
        if institution is None:
            raise refusal("AUTH_UNKNOWN_INSTITUTION", fixmedins_code=code[:30])
        if self.settings.insecure_demo:
            return institution, None
        signed = auth.authenticate(institution, headers, infno=infno, client_host=client_host,
                                   now=self.settings.wall_clock(), policy=self.settings.auth_policy)
        if infno != "9001" and not (sign_no and signed_in):
            raise refusal("AUTH_NOT_SIGNED_IN")
        return institution, signed

    def _record_signed(self, conn, code: str, infno: str, signed: auth.SignedRequest | None) -> None:
        """The replay key joins the request's other inserts (one statement at the end on
        PostgreSQL); a second use of it fails on the table's key and the request is refused.
        A sign-in also lets the institution's keys whose window has passed go."""
        if signed is None:
            return
        if infno == "9001":
            repo.forget_expired_signed_requests(conn, code, int(self.settings.wall_clock()))
        repo.record_signed_request(conn, code, signed.stamp, signed.nonce, signed.signature, signed.expires_at)

    def _run(self, spec, infno, msgid, code, message, raw_input, headers, client_host) -> Any:
        token = repo.current_cache_versions.set(None)  # set by _authenticate
        try:
            for attempt in (1, 2):
                try:
                    return self._run_in_transaction(spec, infno, msgid, code, message, raw_input, headers, client_host)
                except OperationalError as exc:
                    # A pooled connection the database dropped (a restart; there is no pre-ping):
                    # SQLAlchemy has invalidated the pool, so the request runs once more on a fresh
                    # connection. Safe even if the first commit went through: the request log's
                    # key then answers the stored answer, as for any retry of a msgid.
                    if attempt == 2 or not exc.connection_invalidated:
                        raise
                    log.warning("database connection lost for infno=%s msgid=%s; retrying once", infno[:30], msgid[:60])
        finally:
            repo.current_cache_versions.reset(token)

    def _run_in_transaction(self, spec, infno, msgid, code, message, raw_input, headers, client_host) -> Any:
        database = self.platform.database
        if not spec.writes and not auth.carries_signature(headers):
            with database.read() as conn:
                institution, _ = self._authenticate(conn, code, message, headers, infno, client_host)
                request = self._request(conn, infno, msgid, message, raw_input, institution)
                return spec.handler(self.platform, conn, request), request.warnings
        # Writes, and signed reads: a signed request records its replay key, so it needs a
        # write transaction (on SQLite a read transaction cannot safely turn into a write).
        fingerprint = request_fingerprint(infno, raw_input)
        for attempt in range(3):
            authenticated = False  # a stored answer goes only to its own, authenticated institution
            signed = None
            try:
                with database.write() as conn, write_batch.deferred(conn):
                    institution, signed = self._authenticate(conn, code, message, headers, infno, client_host)
                    authenticated = True
                    request = self._request(conn, infno, msgid, message, raw_input, institution)
                    output = spec.handler(self.platform, conn, request)
                    # After the handler: a deferred row is sent before the next statement, so
                    # recorded earlier it would cost a round trip of its own.
                    self._record_signed(conn, code, infno, signed)
                    if not spec.writes:
                        return output, request.warnings  # the replay key is sent as the batch closes
                    output_json = dumps(output, indent=None)
                    # The request log's key (institution, msgid) decides between a request and
                    # its retries (docs/locking.md, "msgid"): a second insert fails and rolls back.
                    repo.log_request(conn, code, msgid, infno, fingerprint, request.now, output_json)
                    text = OutputText(output_json)
                    text.document = output
                    return text, request.warnings
            except GatewayError:
                # Refused, and rolled back: a retry of a request that succeeded before is refused
                # by its own effects ("visit is settled"), so it answers what was stored instead.
                self._refuse_replay(code, signed)
                stored = self._stored_answer(code, msgid, infno, fingerprint) if authenticated and spec.writes else None
                if stored is None:
                    raise
                return stored, []
            except IntegrityError:
                # The request log already holds this msgid (a retry, or a concurrent twin that
                # committed first), the replay key was used before, or a rare id collision:
                # everything was rolled back.
                self._refuse_replay(code, signed)
                stored = self._stored_answer(code, msgid, infno, fingerprint) if authenticated and spec.writes else None
                if stored is not None:
                    return stored, []
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _refuse_replay(self, code: str, signed: auth.SignedRequest | None) -> None:
        """A signed request whose replay key is already stored is a replay: refused, whatever
        else went wrong (it must not get a stored answer either)."""
        if signed is None:
            return
        with self.platform.database.read() as conn:
            if repo.signed_request_seen(conn, code, signed.stamp, signed.nonce, signed.signature):
                raise auth.replay_refusal()

    def _request(self, conn, infno: str, msgid: str, message: dict, raw_input: dict, institution: dict) -> Request:
        request = Request(infno, msgid, message, raw_input, institution, self.platform.clock())
        request.uow = SqlUnitOfWork.joining(conn, actors.institution(institution["fixmedins_code"], msgid), request.now)
        return request

    def _stored_answer(self, code: str, msgid: str, infno: str, fingerprint: str) -> Any:
        """The answer stored for this msgid, if any; a msgid reused for another request is refused."""
        with self.platform.database.read() as conn:
            logged = repo.logged_request(conn, code, msgid)
        if logged is None:
            return None
        if logged["infno"] != infno:
            raise refusal("ENVELOPE_MSGID_REUSED", msgid=msgid, infno=logged["infno"])
        if logged["request_sha256"] != fingerprint:
            raise refusal("ENVELOPE_MSGID_REUSED_INPUT", msgid=msgid, infno=infno)
        return OutputText(logged["output"])


def plainly_safe(body: bytes) -> bool:
    """Whether the parsed body is sure to pass ``check_json`` without walking it: UTF-8 text
    (no NUL byte, so not UTF-16/32) with no escape sequence (a NUL or a surrogate can only be
    written as one), no byte 0xED (UTF-8 of U+D000–U+DFFF: the parser lets surrogates through
    that way) and fewer brackets than the depth limit. Anything else is walked as before."""
    if not isinstance(body, bytes):
        return False
    return (body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH and b"\\u" not in body and b"\xed" not in body
            and b"\x00" not in body)


def request_fingerprint(infno: str, raw_input: dict) -> str:
    """The hash of the parsed input's canonical text: a retry repeats its input exactly, so
    a msgid that comes back with another input is a reuse, not a retry."""
    canonical = dumps({"infno": infno, "input": raw_input}, indent=None)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _field(message: dict, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    if isinstance(value, (dict, list, bool)):
        raise refusal("ENVELOPE_FIELD_NOT_STRING", field=name)
    return str(value).strip()
