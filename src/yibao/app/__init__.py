"""Use cases: one write action = one transaction; orchestrates the domain and the store."""
