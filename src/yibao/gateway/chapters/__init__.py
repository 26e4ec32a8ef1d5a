"""The national transactions by chapter of nhsa-interface.md §3: each handler reads the lenient
input, calls the use case and shapes the national output. Importing this package registers them all."""

from . import sign_in, person, catalogue, visits, fees, settlement, pharmacy, reversal, filings, audit, reconciliation, queries  # noqa: F401
from . import files, downloads, mapping  # noqa: F401
from . import institution, setl_list  # noqa: F401
from . import prescriptions  # noqa: F401
