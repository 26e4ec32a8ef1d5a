"""The ``yibao`` command: one composition root for every entry point. Each command group lives
in its own module and registers itself on the one Typer app (``cli.common.app``)."""

from . import accounts, agreements, claims, conformance, core, fund_flows, institutions, registry, supervision  # noqa: F401  (register their commands)
from .common import app
from .core import main

__all__ = ["app", "main"]
