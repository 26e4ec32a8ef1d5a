"""The ``yibao`` command: one composition root for every entry point. Each command group lives
in its own module and registers itself on the one Typer app (``cli.common.app``)."""

from . import (accounts, agreements, claims, conformance, core, evouchers, fund_flows, institutions, registry,  # noqa: F401
               enrollment,
               statistics, supervision)  # (register their commands)
from . import prescriptions  # noqa: F401
from . import claim_verifications  # noqa: F401,E402  (yibao claims verify-…)
from . import family, maternity  # noqa: F401,E402  (register their commands)
from . import payment_methods  # noqa: F401,E402  (registers payment-method, budget, dip, drg)
from . import findings  # noqa: F401  (yibao findings list|move)
from . import users  # noqa: F401
from . import batch  # noqa: F401  (yibao export, yibao batch audit)
from . import operations  # noqa: F401  (yibao db partitions, backup, restore)
from . import joint_supervision  # noqa: F401  (yibao inspections|experts|credit|reports)
from . import prices  # noqa: F401,E402  (registers prices, procurement, price-reform, whatif, recognition)
from . import exports  # noqa: F401  (yibao clearing statement-pdf)
from .common import app, install_out_option
from .core import main

install_out_option(app)  # after every group has registered: --out FILE on each table command

__all__ = ["app", "main"]
