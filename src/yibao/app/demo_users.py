"""The demo's users: one per role for each demo agency, their passwords in ``users.csv``.

A run again on the same database gives the existing users new passwords, so the file always
holds the ones that work. Demo passwords only: a real agency's administrator adds users with
``yibao users add`` and chooses the passwords (docs/users-and-roles.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from yibao.store.database import Database
from yibao.store.unit_of_work import SqlUnitOfWork

from . import actors, roles, users

DEMO_OPERATOR = actors.operator("yibao demo")


def demo_users(database: Database, now: dt.datetime, data_dir: Path, seed: int, agency_codes: list[str]) -> list[str]:
    rng = random.Random(seed * 104729)
    rows = []
    with SqlUnitOfWork(database, DEMO_OPERATOR, now) as uow:
        for code in agency_codes:
            for role, chinese in roles.ROLES.items():
                password = f"demo-{role}-{rng.getrandbits(40):010x}"
                if uow.users.by_name(code, role) is None:
                    users.add_user(uow, code, role, [role], password, f"演示{chinese}")
                else:
                    users.change_password(uow, code, role, password)
                rows.append({"agency_code": code, "username": role, "role": role, "password": password})
    path = data_dir / "users.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["agency_code", "username", "role", "password"])
        writer.writeheader()
        writer.writerows(rows)
    first = rows[0] if rows else None
    example = (f"; e.g. agency {first['agency_code']}, user {first['username']}, password {first['password']}"
               if first else "")
    return [f"dashboard users: {len(rows)}, one per role per agency (sign in at /dashboard with the agency code, "
            f"user name and password in {path}{example})"]
