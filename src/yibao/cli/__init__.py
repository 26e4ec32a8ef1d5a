"""The ``yibao`` command: one composition root for every entry point. Each command group lives
in its own module and registers itself on the one Typer app (``cli.common.app``)."""

from . import (accounts, agreements, claims, conformance, core, evouchers, fund_flows, institutions, registry,  # noqa: F401
               statistics, supervision)  # (register their commands)
from . import users  # noqa: F401
from .common import app
from .core import main

__all__ = ["app", "main"]
