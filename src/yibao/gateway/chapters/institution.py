"""Institution management: 3401/3401A/3402/3403 departments (科室信息上传 / 批量上传 / 变更 /
撤销) and the queries 5101 科室信息查询, 5102 医执人员信息查询.

nhsa-interface.md names these transactions (§2.4, §2.5) and the ``deptinfo`` node (§1.4) but
gives no field list; the fields follow the national 接口规范 as public HIS clients send them:
``deptinfo{hosp_dept_codg, caty, hosp_dept_name, begntime, endtime, itro, dept_resper_name,
dept_resper_tel, dept_med_serv_scp, dept_estbdat, aprv_bed_cnt, hi_crtf_bed_cnt, poolarea_no,
dr_psncnt, phar_psncnt, nurs_psncnt, tecn_psncnt, memo}`` (3401A: an array of them; 3402 the
same object), 3403 ``data{hosp_dept_codg, hosp_dept_name, begntime}``; 5101
``data{hosp_dept_codg, hosp_dept_name, begntime}`` (all optional) and 5102
``data{prac_psn_type, psn_cert_type, certno, prac_psn_name, prac_psn_code}``, both answered in
``feedetail[]``. 3401–3403 answer no business output. 5102 shows a practitioner's ID number only
to a query that sent it; otherwise it is masked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from yibao.app import institution
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..readers import moment, node, number, text
from ..registry import Request, transaction

REQUIRED_TEXT = ("hosp_dept_codg", "hosp_dept_name", "caty")
OPTIONAL_TEXT = ("itro", "dept_resper_name", "dept_resper_tel", "dept_med_serv_scp", "poolarea_no", "memo")
COUNTS = ("aprv_bed_cnt", "hi_crtf_bed_cnt", "dr_psncnt", "phar_psncnt", "nurs_psncnt", "tecn_psncnt")
COUNT_LIMIT = 10 ** 9


def count(data: dict, field: str, where: str) -> int:
    value = number(data, field, where, required=False)
    if value is None:
        return 0
    if value != value.to_integral_value() or value >= COUNT_LIMIT:
        raise refusal("DEPT_BAD_COUNT", field=f"{where}.{field}", limit=COUNT_LIMIT)
    return int(value)


def department(data: dict, where: str) -> dict:
    dept = {name: text(data, name, where) for name in REQUIRED_TEXT}
    dept.update({name: text(data, name, where, required=False) for name in OPTIONAL_TEXT})
    dept.update({name: count(data, name, where) for name in COUNTS})
    established = moment(data, "dept_estbdat", where, required=False)
    dept.update(begntime=moment(data, "begntime", where), endtime=moment(data, "endtime", where, required=False),
                dept_estbdat=established.date() if established else None)
    return dept


@transaction("3401", "科室信息上传", writes=True)
def upload_department(platform: Platform, conn: Connection, request: Request) -> dict:
    dept = department(node(request, "deptinfo"), "input.deptinfo")
    with request.uow as uow:
        institution.upload_departments(uow, request.institution["fixmedins_code"], [dept])
    return {}


@transaction("3401A", "批量科室信息上传", writes=True)
def upload_departments(platform: Platform, conn: Connection, request: Request) -> dict:
    rows = node(request, "deptinfo", many=True)
    if not rows:
        raise refusal("DEPT_EMPTY")
    depts = [department(row, f"input.deptinfo[{index}]") for index, row in enumerate(rows)]
    with request.uow as uow:
        institution.upload_departments(uow, request.institution["fixmedins_code"], depts)
    return {}


@transaction("3402", "科室信息变更", writes=True)
def change_department(platform: Platform, conn: Connection, request: Request) -> dict:
    dept = department(node(request, "deptinfo"), "input.deptinfo")
    with request.uow as uow:
        institution.change_department(uow, request.institution["fixmedins_code"], dept)
    return {}


@transaction("3403", "科室信息撤销", writes=True)
def revoke_department(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    with request.uow as uow:
        institution.revoke_department(uow, request.institution["fixmedins_code"], text(data, "hosp_dept_codg", where),
                                      text(data, "hosp_dept_name", where), moment(data, "begntime", where, required=False))
    return {}


def time_text(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


@transaction("5101", "科室信息查询", writes=False)
def department_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data", required=False)
    where = "input.data"
    with request.uow as uow:
        rows = institution.departments(
            uow, request.institution["fixmedins_code"], hosp_dept_codg=text(data, "hosp_dept_codg", where, required=False),
            hosp_dept_name=text(data, "hosp_dept_name", where, required=False),
            begntime=moment(data, "begntime", where, required=False))
    output = []
    for row in rows:
        item = {name: row[name] for name in institution.DEPARTMENT_FIELDS}
        item.update(begntime=time_text(row["begntime"]), endtime=time_text(row["endtime"]),
                    dept_estbdat=row["dept_estbdat"].isoformat() if row["dept_estbdat"] else "", vali_flag=row["vali_flag"])
        output.append(item)
    return {"feedetail": output}


def masked(certno: str) -> str:
    return certno[:3] + "*" * max(len(certno) - 7, 0) + certno[-4:] if len(certno) > 7 else "*" * len(certno)


@transaction("5102", "医执人员信息查询", writes=False)
def practitioner_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    wanted = {name: text(data, name, where, required=False)
              for name in ("psn_cert_type", "certno", "prac_psn_name", "prac_psn_code")}
    with request.uow as uow:
        rows = institution.practitioners(uow, request.institution["fixmedins_code"],
                                         prac_psn_type=text(data, "prac_psn_type", where), **wanted)
    return {"feedetail": [{
        "psn_cert_type": row["psn_cert_type"], "certno": row["certno"] if wanted["certno"] else masked(row["certno"]),
        "prac_psn_no": row["prac_psn_no"], "prac_psn_code": row["prac_psn_code"], "prac_psn_name": row["prac_psn_name"],
        "prac_psn_type": row["prac_psn_type"], "prac_psn_cert": row["prac_psn_cert"], "prac_cert_no": row["prac_cert_no"],
        "hi_dr_flag": row["hi_dr_flag"], "begntime": time_text(row["begntime"]), "endtime": time_text(row["endtime"]),
        "chg_rea": row["chg_rea"]} for row in rows]}
