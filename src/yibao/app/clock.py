"""An injectable "now": replays and tests fix it, production reads the system clock.

Every "now" of the platform comes from one Clock built by ``yibao.settings`` and passed down
(Platform, the admin API, the dashboard, the CLI commands, the demo).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Callable

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def fixed_clock(moment: dt.datetime) -> Clock:
    return lambda: moment


def advancing_clock(start: dt.datetime, anchor: float | None = None) -> Clock:
    """``start`` at wall-clock time ``anchor`` (epoch seconds, default: now), moving on from there.

    A frozen instant would give every msgid and stamp of a session the same second and let a
    restarted worker go back in time; workers given the same anchor agree on "now" instead.
    Within a process the elapsed time is monotonic, so a system clock change never runs it back.
    """
    offset = 0.0 if anchor is None else max(0.0, time.time() - anchor)
    started = time.monotonic()

    def clock() -> dt.datetime:
        return (start + dt.timedelta(seconds=offset + time.monotonic() - started)).replace(microsecond=0)

    return clock
