"""An injectable "now": replays and tests fix it, production reads the system clock."""

from __future__ import annotations

import datetime as dt
from typing import Callable

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def fixed_clock(moment: dt.datetime) -> Clock:
    return lambda: moment
