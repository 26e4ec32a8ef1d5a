"""One typed settings object, read once from the environment and the command's flags.

Flags win over the environment. A fixed "now" (``--now`` / ``YIBAO_NOW``, ISO date-time) is a
time machine like pretix's (base/timemachine.py): honoured only together with
``--insecure-demo`` or ``YIBAO_ALLOW_FIXED_NOW=1`` (tests, demos, replays), announced loudly on
stderr, and refused otherwise, so a production process never starts with a wrong date by
accident. The fixed clock moves on from the given instant (app/clock.advancing_clock).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Mapping, TextIO

from yibao.app.clock import Clock, advancing_clock, system_clock
from yibao.app.evouchers import TokenSettings
from yibao.app.secret_box import SecretBox, SecretBoxError
from yibao.store.database import resolve_url

ALLOW_FIXED_NOW = "YIBAO_ALLOW_FIXED_NOW"
NOW = "YIBAO_NOW"
NOW_ANCHOR = "YIBAO_NOW_ANCHOR"  # set by `yibao serve` so its workers share one fixed clock
SECRET_KEY = "YIBAO_SECRET_KEY"  # the platform key that encrypts institution secrets (signature modes)
TRUSTED_NETWORKS = "YIBAO_TRUSTED_NETWORKS"  # CIDRs, comma-separated: where auth_mode "none" is accepted from
EVOUCHER_TOKEN_SECONDS = "YIBAO_EVOUCHER_TOKEN_SECONDS"  # how long an e-voucher token is valid (docs/evoucher.md)
AUTH_WINDOW = "YIBAO_AUTH_WINDOW"  # seconds a signed timestamp may differ from the server's clock
# A read-only database (a streaming replica) for statistics and the dashboard; "" = the primary
READ_DATABASE_URL = "YIBAO_READ_DATABASE_URL"
# The gateway's limit (gateway/dispatch.MAX_BODY_BYTES). Not read from the environment yet:
# the gateway's readers still use their constant, and a variable that does nothing would mislead.
BODY_LIMIT = 2 * 1024 * 1024


class SettingsError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Settings:
    database_url: str
    pool_size: int = 10
    # Requests a gateway worker runs at once (its dispatcher threads). More threads than cores
    # contend for Python's GIL: on 2 cores, 2 per worker settled 10–15 % more than 40
    # (bench/gateway_bench.py); the database waits of a request still overlap with another's.
    gateway_threads: int = 2
    body_limit: int = BODY_LIMIT
    insecure_demo: bool = False
    # How long a file (9101 upload, 13xx catalogue download) may be fetched with 9102.
    file_ttl_hours: int = 24
    log_level: str = "WARNING"
    now: dt.datetime | None = None  # the fixed instant, already allowed; None: the system clock
    now_anchor: float = 0.0  # epoch seconds at which ``now`` held
    # base64url, validated at load; "" = none (signature modes refused); never in a repr or a log
    secret_key: str = field(default="", repr=False)
    trusted_networks: tuple[str, ...] = ()  # normalised CIDRs
    auth_window_seconds: int = 300
    evoucher_token_seconds: int = 300
    read_database_url: str = ""  # YIBAO_READ_DATABASE_URL (store/reports.py)

    @classmethod
    def load(cls, *, database_url: str | None = None, now: str | None = None, insecure_demo: bool | None = None,
             log_level: str | None = None, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        demo = env.get("YIBAO_INSECURE_DEMO") == "1" if insecure_demo is None else insecure_demo
        fixed, source = _fixed_now(now, env)
        if fixed is not None and not (demo or env.get(ALLOW_FIXED_NOW) == "1"):
            raise SettingsError(
                f"拒绝启动：设置了固定系统时间 {source}={(now or env.get(NOW, ''))[:40]}，但只有同时使用 --insecure-demo"
                f"（serve）或设置 {ALLOW_FIXED_NOW}=1（测试、演示、重放）时才允许 "
                f"(fixed clock refused: add --insecure-demo or {ALLOW_FIXED_NOW}=1, or unset {source})")
        return cls(database_url=resolve_url(database_url or env.get("YIBAO_DATABASE_URL")),
                   pool_size=_positive(env.get("YIBAO_POOL_SIZE", "10"), "YIBAO_POOL_SIZE"),
                   gateway_threads=_positive(env.get("YIBAO_GATEWAY_THREADS", "2"), "YIBAO_GATEWAY_THREADS"),
                   file_ttl_hours=_positive(env.get("YIBAO_FILE_TTL_HOURS", "24"), "YIBAO_FILE_TTL_HOURS"),
                   insecure_demo=demo, log_level=(log_level or env.get("YIBAO_LOG_LEVEL") or "WARNING").upper(),
                   now=fixed, now_anchor=_anchor(env) if source == NOW else time.time(),
                   secret_key=_secret_key(env), trusted_networks=_networks(env.get(TRUSTED_NETWORKS, "")),
                   auth_window_seconds=_positive(env.get(AUTH_WINDOW, "300"), AUTH_WINDOW),
                   evoucher_token_seconds=_positive(env.get(EVOUCHER_TOKEN_SECONDS, "300"), EVOUCHER_TOKEN_SECONDS),
                   read_database_url=env.get(READ_DATABASE_URL, "").strip())

    def secret_box(self) -> SecretBox | None:
        """The box that seals and opens institution secrets; None without a platform key."""
        return SecretBox.from_text(self.secret_key) if self.secret_key else None

    def token_settings(self) -> TokenSettings:
        """The e-voucher tokens' key (derived from the platform key; none: the database's) and lifetime."""
        return TokenSettings.from_platform_key(self.secret_key, self.evoucher_token_seconds)

    def clock(self) -> Clock:
        return system_clock if self.now is None else advancing_clock(self.now, self.now_anchor)

    def announce(self, stream: TextIO | None = None) -> None:
        """The fixed clock, loudly, so nobody mistakes a replay's dates for today's."""
        if self.now is not None:
            print(f"注意：系统时间固定为 {self.now:%Y-%m-%d %H:%M:%S}，此后随实际时间前进 "
                  f"(fixed clock: now = {self.now.isoformat()} + elapsed)", file=stream or sys.stderr, flush=True)

    def environment(self) -> dict[str, str]:
        """What worker processes (uvicorn --workers) need to load the same settings; "" = unset."""
        fixed = self.now is not None
        return {"YIBAO_DATABASE_URL": self.database_url, "YIBAO_POOL_SIZE": str(self.pool_size),
                "YIBAO_GATEWAY_THREADS": str(self.gateway_threads), "YIBAO_FILE_TTL_HOURS": str(self.file_ttl_hours),
                "YIBAO_LOG_LEVEL": self.log_level, "YIBAO_INSECURE_DEMO": "1" if self.insecure_demo else "",
                NOW: self.now.isoformat() if fixed else "", NOW_ANCHOR: repr(self.now_anchor) if fixed else "",
                SECRET_KEY: self.secret_key, TRUSTED_NETWORKS: ",".join(self.trusted_networks),
                AUTH_WINDOW: str(self.auth_window_seconds),
                EVOUCHER_TOKEN_SECONDS: str(self.evoucher_token_seconds),
                READ_DATABASE_URL: self.read_database_url}


def _fixed_now(flag: str | None, env: Mapping[str, str]) -> tuple[dt.datetime | None, str]:
    text, source = (flag, "--now") if flag else (env.get(NOW, ""), NOW)
    if not text:
        return None, ""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise SettingsError(f"{source} 应为 ISO 日期时间，例如 2025-03-01T09:00:00，收到 {text[:40]!r}") from None
    if moment.tzinfo is not None:  # the platform stamps naive local time
        moment = moment.astimezone().replace(tzinfo=None)
    return moment.replace(microsecond=0), source


def _secret_key(env: Mapping[str, str]) -> str:
    text = env.get(SECRET_KEY, "").strip()
    if text:
        try:
            SecretBox.from_text(text)
        except SecretBoxError as exc:
            raise SettingsError(f"{SECRET_KEY} 无效：{exc}；可用 `yibao institution platform-key` 生成") from None
    return text


def _networks(text: str) -> tuple[str, ...]:
    """The networks auth_mode "none" is accepted from (a front-end processor's private LAN)."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SettingsError(f"{TRUSTED_NETWORKS} 中的 {part[:60]!r} 不是网段（应为 CIDR，例如 10.20.0.0/16）") from None
    return tuple(networks)


def _anchor(env: Mapping[str, str]) -> float:
    try:
        return float(env.get(NOW_ANCHOR) or time.time())
    except ValueError:
        return time.time()


def _positive(text: str, name: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise SettingsError(f"{name} 应为正整数，收到 {text[:20]!r}")
    return int(text)
