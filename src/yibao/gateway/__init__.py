"""The NHSA-compatible HTTP interface (FastAPI)."""
