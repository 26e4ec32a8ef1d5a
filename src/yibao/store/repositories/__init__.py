"""Repositories by subject: each query named for what it answers (the redesign moves the
queries of ``store/repository.py`` and of ``app/`` here, one subject at a time)."""
