"""The URL forms real HIS clients post national envelopes to (nhsa-interface.md §1.1 and the
appendix, "path"), mapped to the infno the path names.

- the dispatcher ``…/callService`` (the infno from the body), e.g.
  ``/fsi/api/rsfComIfsService/callService`` or ``/mbs-fsi/web/api/fsi/callService``;
- ``…/callService/{infno}`` (test mocks and some proxies);
- the Guangdong style ``…/hsa/hgs/{infno}`` (whatever the gateway's prefix before ``hsa``);
- the per-service aliases of S1's ``GetPubWay`` (``/fsi/api/<service>/<method>``).

A trailing slash changes nothing. When the path names an infno, the dispatcher refuses a body
whose infno differs. Everything else under no other owner (the agencies' API, the dashboard)
is answered with the national envelope, infcode -1, HTTP 404.
"""

from __future__ import annotations

DISPATCH_PATH = "/fsi/api/rsfComIfsService/callService"
MAX_INFNO = 30  # §1.2 says at most 6 (2207A); a longer one reaches the dispatcher, which names it unknown

# S1 ClassHelper.cs::GetPubWay (nhsa-interface.md §1.1): "…" there repeats the line's service.
SERVICE_ALIASES = {
    "/fsi/api/signInSignOutService/signIn": "9001",
    "/fsi/api/signInSignOutService/signOut": "9002",
    "/fsi/api/fsiPsnInfoService/queryPsnInfo": "1101",
    "/fsi/api/outpatientDocInfoService/outpatientRregistration": "2201",
    "/fsi/api/outpatientDocInfoService/outpatientFeeListUp": "2204",
    "/fsi/api/outpatientSettleService/preSettletment": "2206",
    "/fsi/api/outpatientSettleService/saveSettletmentV2": "2207",
    "/fsi/api/outpatientSettleService/cancleSettletment": "2208",
    "/fsi/api/hospFeeDtlService/feeDtlUp": "2301",
    "/fsi/api/hospSettService/preSett": "2303",
    "/fsi/api/hospSettService/settV2": "2304",
    "/fsi/api/hospSettService/settCl": "2305",
    "/fsi/api/hospitalRegisterService/hospitalRegisterSave": "2401",
    "/fsi/api/dscgService/dischargeProcess": "2402",
    "/fsi/api/reverseService/revsMethod": "2601",
    "/fsi/api/riskConService/beforeAnalyze": "3101",
    "/fsi/api/riskConService/courseAnalyze": "3102",
    "/fsi/api/ybSettlementStmtService/stmtTotal": "3201",
    "/fsi/api/ybSettlementStmtService/stmtDetail": "3202",
    "/fsi/api/fileupload/upload": "9101",
    "/fsi/api/fileupload/download": "9102",
    "/fsi/api/catalogqueryservice/queryDataDic": "1901",
    "/fsi/api/fsiIntegratedQueryService/querySetlInfo": "5203",
}

# Paths with owners of their own: their unknown sub-paths keep their own 404s.
OTHER_OWNERS = ("/admin", "/dashboard")


def national_infno(path: str) -> str | None:
    """For a national path: "" (the infno is in the body) or the infno the path names; None
    for any other path."""
    path = path.rstrip("/") if path != "/" else path
    if path in SERVICE_ALIASES:
        return SERVICE_ALIASES[path]
    head, _, last = path.rpartition("/")
    if last == "callService":
        return ""
    if not last or len(last) > MAX_INFNO:
        return None
    if head.endswith("/callService") or head.endswith("/hsa/hgs"):
        return last
    return None


def has_other_owner(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in OTHER_OWNERS)
