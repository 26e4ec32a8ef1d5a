"""Repositories by subject, reached as ``uow.<subject>``: each query named for what it answers.
The settlement hot path's statements sit in ``store/repository/`` and are wrapped here
(``settlements.py``)."""
