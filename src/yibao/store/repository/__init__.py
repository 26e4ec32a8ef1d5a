"""The hot path's statements, each taking the request's open connection, by subject:
``registry`` (institutions, sign-ins, persons, named locks), ``accounts`` (account chains,
accumulators), ``caches`` (policies, catalogue, sanctions in force, cache versions), ``visits``
(visits, fee lines, diagnoses), ``settlements`` (settlements, chains, the request log). Use
cases reach them through ``store/repositories/settlements.py`` and the other repositories;
``repo.<name>`` stays the one way to name them."""

from yibao.domain.money import from_fen, to_fen  # noqa: F401  (the one conversion place)

from .accounts import *  # noqa: F401,F403
from .caches import *  # noqa: F401,F403
from .caches import CACHED, current_cache_versions  # noqa: F401
from .family_links import *  # noqa: F401,F403
from .registry import *  # noqa: F401,F403
from .settlements import *  # noqa: F401,F403
from .visits import *  # noqa: F401,F403
