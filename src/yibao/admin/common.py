"""What every admin route shares: the checked month and date types, the refusal-to-HTTP
mapping, the JSON views of stored rows, and the routes' context (the platform, the agency
dependency, the person scope check and the one-transaction write wrapper)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Callable

from pydantic import AfterValidator

from yibao.app.error_codes import refusal
from yibao.app.errors import GatewayError
from yibao.app.platform import Platform
from yibao.store.repository import from_fen as repo_from_fen

# Months and dates an agency may name: far wider than any real use, narrow enough that the
# platform's date arithmetic (a month after, a day after, six months after) never overflows.
FIRST_MONTH, LAST_MONTH = "2000-01", "2099-12"
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def checked_month(month: str) -> str:
    if not _MONTH.fullmatch(month) or not FIRST_MONTH <= month <= LAST_MONTH:
        raise refusal("ADMIN_BAD_MONTH", first=FIRST_MONTH, last=LAST_MONTH, value=repr(month[:20]))
    return month


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"日期应在 {EARLIEST} 至 {LATEST} 之间")
    return day


Day = Annotated[dt.date, AfterValidator(_in_range)]


def found_or_404(getter, conn, key: str) -> dict:
    try:
        return getter(conn, key)
    except GatewayError as exc:
        raise GatewayError(exc.message, "not_found", code=exc.code) from None


def jsonable(row: dict) -> dict:
    return {key: (value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value) for key, value in row.items()
            if key not in ("filing_id",)}


def fen_view(row: dict) -> dict:
    return {(key[:-4] if key.endswith("_fen") else key): (repo_from_fen(value) if key.endswith("_fen") else value)
            for key, value in jsonable(row).items()}


def decimals_as_text(row: dict) -> dict:
    return jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in row.items()})


@dataclass
class AdminContext:
    """Handed to each subject's ``add_routes``: ``agency`` is the FastAPI dependency that
    authenticates the calling agency; ``run(who, action)`` runs one use case in one unit of
    work whose actor is that agency (``write=False`` for a query) and maps a refusal to its
    HTTP status; ``person_region`` and ``subject_region`` scope a request to the agency's regions."""

    platform: Platform
    agency: Callable[..., dict]

    @property
    def database(self):
        return self.platform.database

    def run(self, who: dict, action: Callable, *, write: bool = True):
        from yibao.app import agencies

        # a refusal (GatewayError) rolls the unit back and reaches the app's handler (api.py)
        with self.platform.unit_of_work(agencies.actor(who), write=write) as uow:
            return action(uow)

    def run_report(self, who: dict, action: Callable):
        """``run`` of a report on the reports database (a replica when configured)."""
        from yibao.app import agencies

        with self.platform.report_unit_of_work(agencies.actor(who)) as uow:
            return action(uow)

    def run_recorded(self, who: dict, action: Callable, name: str, subject_key: str):
        """``run`` for a use case that keeps no action-log row of its own (filings and
        qualifications store only the agency's code): the admin write is recorded here, in the
        same unit of work, naming the signed-in user as its actor."""
        def recorded(uow):
            row = action(uow)
            uow.actions.record(name, str(row[subject_key]), {"psn_no": row.get("psn_no"), "status": row.get("status")})
            return row
        return self.run(who, recorded)

    def person_region(self, uow, who: dict, psn_no: str) -> str:
        """The person's insured region, refused unless this agency administers it (404 unknown, 403 not ours)."""
        from yibao.app import agencies

        region = uow.registry.insured_region(psn_no)
        if region is None:
            raise refusal("ADMIN_PERSON_NOT_FOUND", psn_no=psn_no)
        if not agencies.administers(who, region):
            raise refusal("ADMIN_PERSON_NOT_ADMINISTERED", psn_no=psn_no, region=region, agency=who["agency_code"])
        return region

    def subject_region(self, uow, subject_type: str, subject_id: str) -> str:
        """The region of an institution (its treatment region) or a person (insured region); 404 if unknown."""
        if subject_type == "institution":
            found = uow.registry.institution(subject_id)
            if found is None:
                raise refusal("ADMIN_INSTITUTION_NOT_FOUND", fixmedins_code=subject_id)
            return found["admdvs"]
        region = uow.registry.insured_region(subject_id)
        if region is None:
            raise refusal("ADMIN_PERSON_NOT_FOUND", psn_no=subject_id)
        return region

