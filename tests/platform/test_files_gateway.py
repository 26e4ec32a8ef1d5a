"""End to end over HTTP: a catalogue download (1301) fetched with 9102, a file uploaded with
9101, and a 3301 mapping used by a 2204 line that names only medins_list_codg."""

from __future__ import annotations

import io
import uuid
import zipfile

from sqlalchemy import select

from yibao.app.importing import import_file
from yibao.sim.his import HisClient
from yibao.store import tables as t

from ..refusals import answered_refusal
from .conftest import named
from .golden_world import NOW


def test_a_catalogue_download_is_fetched_once_with_9102(platform_world, http, tmp_path):
    setup = named(platform_world, "ex2a")
    region = setup.institution["admdvs"]
    drugs = tmp_path / "drugs.csv"
    drugs.write_text("hilist_code,hilist_name,insu_admdvs,begndate,chrgitm_lv,list_type\n"
                     f"XA01ABD075A002010100483,地喹氯铵含片,{region},2020-01-01,02,101\n"
                     f"XN02BEA015A001010100297,对乙酰氨基酚片,{region[:2]}0000,2020-01-01,01,101\n", encoding="utf-8")
    import_file(platform_world["database"], "hilist", drugs, now=NOW)
    client = HisClient(http, setup.institution)
    client.sign_in()
    answer = client.call("1301", {"data": {"ver": "0"}})
    assert answer["data_cn"] == 2 and answer["filename"] == f"1301_{answer['ver']}.zip" and answer["dld_end_time"]
    msgid = client.msgid()
    content = client.fetch_file(answer["file_qury_no"], msgid=msgid)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        lines = archive.read(archive.namelist()[0]).decode("utf-8").splitlines()
    header = lines[0].split("\t")
    assert sorted(dict(zip(header, line.split("\t")))["med_list_codg"] for line in lines[1:]) == \
        ["XA01ABD075A002010100483", "XN02BEA015A001010100297"]
    assert client.fetch_file(answer["file_qury_no"], msgid=msgid) == content  # a retry of the same msgid
    with answered_refusal("FILE_ALREADY_DOWNLOADED", answer["file_qury_no"]):
        client.fetch_file(answer["file_qury_no"])
    assert client.call("1301", {"data": {"ver": answer["ver"]}})["data_cn"] == 0
    with answered_refusal("CATALOG_BAD_VER", "V2021"):
        client.call("1301", {"data": {"ver": "V2021"}})


def test_an_uploaded_file_goes_back_only_to_its_institution(platform_world, http):
    mine, other = named(platform_world, "ex2a"), named(platform_world, "ex6")
    client, stranger = HisClient(http, mine.institution), HisClient(http, other.institution)
    client.sign_in()
    stranger.sign_in()
    uploaded = client.call("9101", {"fsUploadIn": {"in": list(b"psn\tsetl\n"), "filename": "mx.txt",
                                                   "fixmedins_code": mine.institution["fixmedins_code"]}})
    with answered_refusal("FILE_NOT_FOUND", uploaded["file_qury_no"]):
        stranger.fetch_file(uploaded["file_qury_no"])
    assert client.fetch_file(uploaded["file_qury_no"], filename="mx.txt") == b"psn\tsetl\n"


def test_a_fee_line_with_only_the_institutions_code_is_priced_under_its_mapping(platform_world, http):
    setup = named(platform_world, "ex6")
    person, insuplc = setup.person, setup.case["visit"]["insuplc_admdvs"]
    client = HisClient(http, setup.institution)
    client.sign_in()
    own_code = f"HIS-{uuid.uuid4().hex[:8]}"
    line = {"feedetl_sn": "1", "psn_no": person["psn_no"], "medins_list_codg": own_code, "cnt": "2", "pric": "10",
            "det_item_fee_sumamt": "20.00", "fee_ocur_time": "2024-12-01 08:30:00", "chrg_bchno": "B1"}
    visit = client.call("2201", {"data": {"psn_no": person["psn_no"], "insutype": person["insutype"],
                                          "begntime": "2024-12-01 08:00:00", "mdtrt_cert_type": "02",
                                          "mdtrt_cert_no": person["certno"], "ipt_otp_no": f"MZ-{own_code}"}},
                        insuplc_admdvs=insuplc)["data"]
    line["mdtrt_id"] = visit["mdtrt_id"]
    with answered_refusal("MAPPING_NOT_IN_FORCE", own_code):
        client.call("2204", {"feedetail": [line]}, insuplc_admdvs=insuplc)
    client.call("3301", {"data": {"fixmedins_hilist_id": own_code, "fixmedins_hilist_name": "乙类药", "list_type": "101",
                                  "med_list_codg": "YI", "begndate": "2024-01-01"}})
    priced = client.call("2204", {"feedetail": [line]}, insuplc_admdvs=insuplc)["result"][0]
    assert priced["chrgitm_lv"] == "02" and float(priced["preselfpay_amt"]) > 0  # the catalogue's 乙类 YI
    with platform_world["database"].read() as conn:
        stored = conn.execute(select(t.fee_lines.c.med_list_codg, t.fee_lines.c.medins_list_codg)
                              .where(t.fee_lines.c.mdtrt_id == visit["mdtrt_id"])).one()
    assert tuple(stored) == ("YI", own_code)
    mappings = client.call("1317", {"data": {"medins_list_codg": own_code}})
    assert mappings["recordCounts"] == 1 and mappings["data"][0]["med_list_codg"] == "YI"
    client.call("3302", {"data": {"fixmedins_hilist_id": own_code, "list_type": "101", "med_list_codg": "YI"}})
    with answered_refusal("MAPPING_NOT_IN_FORCE", own_code):
        client.call("2204", {"feedetail": [dict(line, feedetl_sn="2")]}, insuplc_admdvs=insuplc)
