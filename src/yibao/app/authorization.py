"""Which agency may touch which region (issue #17 item 4), in one place for the admin API and the CLI.

An agency's code is the region it administers. It administers its own code and the codes
under it: a province (xx0000) its cities (xxyy00) and their districts, a city (xxyy00) its
districts. A write that belongs to one side is refused (403) to anyone else:

- a case or a sanction against an institution, and the findings about it: the treatment place
  (就医地管理, the institution's region);
- a person's sanction and a prepayment plan: the insured place (参保地);
- clearing: either side, for its own region pairs only.

The checks are functions of the acting agency's region only, whatever way it signed in. A
notice to another region carries only what the receiving region needs: person numbers masked.
"""

from __future__ import annotations

from .error_codes import refusal


def administers(agency_region: str, region: str) -> bool:
    """True if the agency of ``agency_region`` administers ``region`` (its own or one under it)."""
    if not agency_region or not region or len(agency_region) != 6 or len(region) != 6:
        return False
    if agency_region == region:
        return True
    if agency_region.endswith("0000"):  # a province: every code of the province
        return region[:2] == agency_region[:2]
    if agency_region.endswith("00"):  # a city: its districts
        return region[:4] == agency_region[:4]
    return False  # a district administers only itself


def scope_prefix(agency_region: str | None) -> str | None:
    """The code prefix of every region the agency administers (None: no limit, the operator)."""
    if agency_region is None:
        return None
    if agency_region.endswith("0000"):
        return agency_region[:2]
    if agency_region.endswith("00"):
        return agency_region[:4]
    return agency_region


def check_region(agency_region: str, region: str, what: str) -> None:
    if not administers(agency_region, region):
        raise refusal("AUTHZ_NOT_ADMINISTERED", agency=agency_region, region=region or "?", what=what)


def check_treatment_place(agency_region: str, institution_region: str, fixmedins_code: str) -> None:
    if not administers(agency_region, institution_region):
        raise refusal("AUTHZ_NOT_TREATMENT_PLACE", agency=agency_region, region=institution_region or "?",
                      fixmedins_code=fixmedins_code)


def check_insured_place(agency_region: str, insured_region: str, what: str) -> None:
    if not administers(agency_region, insured_region):
        raise refusal("AUTHZ_NOT_INSURED_PLACE", agency=agency_region, region=insured_region or "?", what=what)


def clearing_side(agency_region: str, insured_region: str, treatment_region: str) -> bool:
    """Either side of a clearing pair."""
    return administers(agency_region, insured_region) or administers(agency_region, treatment_region)


def mask_psn_no(psn_no: str) -> str:
    """A person number for another region: the first 4 and last 2 characters (enough to match
    against a list the region is given, not enough to identify the person)."""
    if not psn_no:
        return psn_no
    if len(psn_no) <= 6:
        return "*" * len(psn_no)
    return psn_no[:4] + "*" * (len(psn_no) - 6) + psn_no[-2:]
