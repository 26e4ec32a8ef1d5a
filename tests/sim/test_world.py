"""The demo world: import files in the shapes of data-formats.md, consistent and reproducible."""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.sim import REGIONS, generate_world
from yibao.sim.idnumbers import (
    certno_checksum,
    is_valid_certno,
    make_certno,
    mask_certno,
    mask_name,
)
from yibao.sim.world import AS_OF, PARENT_REGION, age_on

SMALL = dict(seed=11, persons_per_region=120, items_per_region=60)
REGION_CODES = [admdvs for admdvs, _ in REGIONS]
CATALOGUE_REGIONS = [admdvs for admdvs in REGION_CODES if admdvs not in PARENT_REGION]

CODE_SHAPES = {
    # X/Z + ATC-like class (5) + generic name (4) + dosage form (4) + spec (2) + package (2) + enterprise (5)
    "101": re.compile(r"^[XZ][A-Z]\d{2}[A-Z]{2}[A-Z]\d{3}[A-Z]\d{3}\d{2}\d{2}\d{5}$"),
    "102": re.compile(r"^T\d{9}$"),
    "201": re.compile(r"^00\d{13}$"),
    "301": re.compile(r"^C\d{26}$"),
}


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    manifest = generate_world(out, **SMALL)
    tables = {kind: read(path) for kind, path in manifest["files"].items()}
    return manifest, tables


# --- manifest and headers ------------------------------------------------------------------

def test_manifest_lists_files_counts_and_regions(world):
    manifest, tables = world
    assert list(manifest["files"]) == ["hilist", "lmtpric", "selfpay", "institutions", "persons"]
    for kind, path in manifest["files"].items():
        assert path.name == f"{kind}.csv" and path.is_file()
        assert manifest["counts"][kind] == len(tables[kind])
    assert manifest["counts"]["persons"] == SMALL["persons_per_region"] * len(REGIONS)
    assert manifest["counts"]["employees"] + manifest["counts"]["residents"] == manifest["counts"]["persons"]
    assert [region["admdvs"] for region in manifest["regions"]] == REGION_CODES
    liangping = next(region for region in manifest["regions"] if region["admdvs"] == "500155")
    assert liangping["policy_admdvs"] == liangping["catalogue_admdvs"] == "500000"


def test_regions():
    assert dict(REGIONS) == {
        "510100": "成都市", "500000": "重庆市", "500155": "梁平区", "441300": "惠州市", "441500": "汕尾市",
        "440300": "深圳市", "440600": "佛山市", "442000": "中山市", "371300": "临沂市", "110000": "北京市",
    }


def test_headers_use_the_national_column_names(world):
    manifest, _ = world
    first_lines = {kind: path.read_text(encoding="utf-8").splitlines()[0] for kind, path in manifest["files"].items()}
    assert first_lines["hilist"] == (
        "hilist_code,hilist_name,insu_admdvs,begndate,enddate,med_chrgitm_type,chrgitm_lv,lmt_used_flag,"
        "list_type,vali_flag,ref_pric")
    assert first_lines["lmtpric"] == (
        "hilist_code,insu_admdvs,begndate,enddate,hilist_pric_uplmt_amt,hilist_lmtpric_type,overlmt_dspo_way,"
        "vali_flag")
    assert first_lines["selfpay"] == (
        "hilist_code,insu_admdvs,begndate,enddate,selfpay_prop,selfpay_prop_psn_type,selfpay_prop_type,vali_flag")
    assert first_lines["institutions"] == "fixmedins_code,fixmedins_name,fixmedins_type,medins_lv,admdvs,secret"
    assert first_lines["persons"] == (
        "psn_no,psn_cert_type,certno,psn_name,gend,brdy,insutype,psn_type,insuplc_admdvs,cvlserv_flag,"
        "assistance_group,acct_balance,card_no,family_psn_no")


# --- persons ---------------------------------------------------------------------------

def test_certno_valid_and_consistent_with_person(world):
    _, tables = world
    for row in tables["persons"]:
        certno = row["certno"]
        assert row["psn_cert_type"] == "01"
        assert is_valid_certno(certno), certno
        assert certno[:6] == row["insuplc_admdvs"]
        assert certno[6:14] == row["brdy"].replace("-", "")
        assert int(certno[16]) % 2 == (1 if row["gend"] == "1" else 0)
        assert dt.date.fromisoformat(row["brdy"]) < AS_OF


def test_person_keys_are_unique(world):
    _, tables = world
    persons = tables["persons"]
    for column in ("psn_no", "certno", "card_no"):
        values = [row[column] for row in persons]
        assert len(set(values)) == len(values), column
    for row in persons:
        kind = "ZG" if row["insutype"] == "310" else "JM"
        assert re.fullmatch(rf"{row['insuplc_admdvs']}{kind}\d{{10}}", row["psn_no"])
        assert re.fullmatch(r"[A-Z]\d{8}", row["card_no"])
        assert 2 <= len(row["psn_name"]) <= 4


def test_every_region_has_its_persons(world):
    _, tables = world
    per_region = Counter(row["insuplc_admdvs"] for row in tables["persons"])
    assert per_region == {admdvs: SMALL["persons_per_region"] for admdvs in REGION_CODES}
    for admdvs in REGION_CODES:
        kinds = Counter(row["insutype"] for row in tables["persons"] if row["insuplc_admdvs"] == admdvs)
        assert kinds["310"] == round(SMALL["persons_per_region"] * 0.6)
        assert kinds["390"] == SMALL["persons_per_region"] - kinds["310"]


AGE_RANGES = {
    "1401": (0, 0), "1402": (1, 5), "1403": (6, 18), "1404": (18, 22), "1501": (18, 100),
    "1101": (18, 59), "1102": (18, 59), "1201": (55, 100), "1202": (55, 100),
}


def test_psn_type_matches_insutype_age_and_flags(world):
    _, tables = world
    seen = set()
    for row in tables["persons"]:
        psn_type, age = row["psn_type"], age_on(dt.date.fromisoformat(row["brdy"]))
        seen.add(psn_type)
        low, high = AGE_RANGES[psn_type]
        assert low <= age <= high, (psn_type, age)
        if psn_type.startswith("12"):
            assert age >= (60 if row["gend"] == "1" else 55)
        if psn_type.startswith("11"):
            assert age < (60 if row["gend"] == "1" else 55)
        assert row["insutype"] == ("310" if psn_type[:2] in ("11", "12") else "390")
        assert row["cvlserv_flag"] == ("1" if psn_type in ("1102", "1202") else "0")
        balance = row["acct_balance"]
        assert re.fullmatch(r"\d+\.\d{2}", balance)
        if row["insutype"] == "390":
            assert Decimal(balance) == 0
            assert row["assistance_group"] in ("", "tekun", "dibao", "low_income", "monitored")
        else:
            assert Decimal(balance) <= 25000
            assert row["assistance_group"] == ""
    assert seen == set(AGE_RANGES)


def test_some_residents_are_in_assistance_groups_and_most_are_not(world):
    _, tables = world
    residents = [row for row in tables["persons"] if row["insutype"] == "390"]
    grouped = [row for row in residents if row["assistance_group"]]
    assert 0 < len(grouped) < 0.12 * len(residents)


def test_family_links_point_to_employees_of_the_same_region(world):
    _, tables = world
    by_psn_no = {row["psn_no"]: row for row in tables["persons"]}
    residents = [row for row in tables["persons"] if row["insutype"] == "390"]
    linked = [row for row in residents if row["family_psn_no"]]
    assert 0.08 * len(residents) < len(linked) < 0.25 * len(residents)
    for row in linked:
        relative = by_psn_no[row["family_psn_no"]]
        assert relative["insutype"] == "310"
        assert relative["insuplc_admdvs"] == row["insuplc_admdvs"]
    assert all(not row["family_psn_no"] for row in tables["persons"] if row["insutype"] == "310")


# --- institutions ----------------------------------------------------------------------

def test_institution_codes_and_types(world):
    _, tables = world
    institutions = tables["institutions"]
    codes = [row["fixmedins_code"] for row in institutions]
    assert len(set(codes)) == len(codes)
    assert len({row["fixmedins_name"] for row in institutions}) == len(institutions)
    secrets = [row["secret"] for row in institutions]
    assert len(set(secrets)) == len(secrets)
    for row in institutions:
        code = row["fixmedins_code"]
        assert re.fullmatch(r"[HP]\d{11}", code)
        assert code[1:7] == row["admdvs"]
        assert re.fullmatch(r"[0-9a-f]{32}", row["secret"])
        if code[0] == "H":
            assert row["fixmedins_type"] == "1" and row["medins_lv"] in ("0", "1", "2", "3")
        else:
            assert row["fixmedins_type"] == "2" and row["medins_lv"] == ""
            assert "药房" in row["fixmedins_name"]


def test_each_region_has_hospitals_of_every_level_and_a_pharmacy(world):
    _, tables = world
    by_region = defaultdict(list)
    for row in tables["institutions"]:
        by_region[row["admdvs"]].append(row)
    assert set(by_region) == set(REGION_CODES)
    for admdvs, rows in by_region.items():
        assert 8 <= len(rows) <= 15, admdvs
        levels = {row["medins_lv"] for row in rows if row["fixmedins_type"] == "1"}
        assert levels == {"0", "1", "2", "3"}, admdvs
        assert any(row["fixmedins_type"] == "2" for row in rows), admdvs
    liangping = {row["fixmedins_code"]: row["fixmedins_name"] for row in by_region["500155"]}
    assert liangping["H50015501017"] == "重庆市梁平区妇幼保健院"
    community = [row for row in by_region["510100"] if row["medins_lv"] == "0"]
    assert all(row["fixmedins_name"].endswith(("社区卫生服务中心", "卫生院")) for row in community)


# --- catalogue -------------------------------------------------------------------------

def test_catalogue_rows_are_well_formed(world):
    _, tables = world
    hilist = tables["hilist"]
    assert {row["insu_admdvs"] for row in hilist} == set(CATALOGUE_REGIONS)
    keys = [(row["hilist_code"], row["insu_admdvs"]) for row in hilist]
    assert len(set(keys)) == len(keys)
    for row in hilist:
        assert CODE_SHAPES[row["list_type"]].match(row["hilist_code"]), row
        assert row["begndate"] == "2023-01-01" and row["enddate"] == ""
        assert row["vali_flag"] == "1"
        assert row["chrgitm_lv"] in ("01", "02", "03")
        assert row["lmt_used_flag"] in ("0", "1")
        assert row["med_chrgitm_type"] in {f"{n:02d}" for n in range(1, 15)}
        assert re.fullmatch(r"\d+\.\d{2}", row["ref_pric"]) and Decimal(row["ref_pric"]) > 0
        expected_type = {"102": {"10"}, "301": {"08"}, "101": {"09", "11"}}.get(row["list_type"])
        if expected_type:
            assert row["med_chrgitm_type"] in expected_type
        if row["list_type"] == "101":
            assert row["med_chrgitm_type"] == ("09" if row["hilist_code"][0] == "X" else "11")


def test_each_region_lists_every_kind_of_item(world):
    _, tables = world
    for admdvs in CATALOGUE_REGIONS:
        rows = [row for row in tables["hilist"] if row["insu_admdvs"] == admdvs]
        assert len(rows) == SMALL["items_per_region"]
        assert {row["list_type"] for row in rows} == {"101", "102", "201", "301"}
        assert {row["hilist_code"][0] for row in rows if row["list_type"] == "101"} == {"X", "Z"}
        levels = Counter(row["chrgitm_lv"] for row in rows)
        assert levels["01"] + levels["02"] > 0.8 * len(rows)
        names = {row["hilist_name"] for row in rows}
        assert {"一般诊疗费", "普通门诊诊查费", "普通病房床位费(三人间)", "血细胞分析(血常规)"} <= names


def test_national_core_is_shared_and_some_items_are_local(world):
    _, tables = world
    codes = defaultdict(set)
    names = {}
    for row in tables["hilist"]:
        codes[row["insu_admdvs"]].add(row["hilist_code"])
        assert names.setdefault(row["hilist_code"], row["hilist_name"]) == row["hilist_name"]
    core = set.intersection(*codes.values())
    assert len(core) >= 0.75 * SMALL["items_per_region"]
    assert any(codes[admdvs] - core for admdvs in CATALOGUE_REGIONS)


def test_price_ceilings_exist_and_some_are_below_the_usual_price(world):
    _, tables = world
    prices = {(row["hilist_code"], row["insu_admdvs"]): row for row in tables["hilist"]}
    ceilings = tables["lmtpric"]
    assert ceilings
    below = 0
    regions_with_bed_ceiling = set()
    for row in ceilings:
        item = prices[(row["hilist_code"], row["insu_admdvs"])]
        assert item["chrgitm_lv"] != "03"
        assert re.fullmatch(r"\d+\.\d{2}", row["hilist_pric_uplmt_amt"])
        below += Decimal(row["hilist_pric_uplmt_amt"]) < Decimal(item["ref_pric"])
        if item["med_chrgitm_type"] == "01":
            regions_with_bed_ceiling.add(row["insu_admdvs"])
        assert row["begndate"] == "2023-01-01" and row["vali_flag"] == "1"
    assert below > 0
    assert regions_with_bed_ceiling == set(CATALOGUE_REGIONS)


def test_selfpay_ratios_are_for_class_b_items(world):
    _, tables = world
    levels = {(row["hilist_code"], row["insu_admdvs"]): row["chrgitm_lv"] for row in tables["hilist"]}
    class_b = {key for key, level in levels.items() if level == "02"}
    rows = tables["selfpay"]
    assert {(row["hilist_code"], row["insu_admdvs"]) for row in rows} == class_b
    ratios = {row["insu_admdvs"]: set() for row in rows}
    for row in rows:
        ratio = Decimal(row["selfpay_prop"])
        assert Decimal("0.05") <= ratio <= Decimal("0.30")
        ratios[row["insu_admdvs"]].add(ratio)
    assert len({min(values) for values in ratios.values()}) > 1  # ratios differ by region


# --- reproducibility and size ----------------------------------------------------------

def test_same_seed_same_bytes_other_seed_other_world(tmp_path, world):
    manifest, _ = world
    again = generate_world(tmp_path / "again", **SMALL)
    other = generate_world(tmp_path / "other", **{**SMALL, "seed": SMALL["seed"] + 1})
    for kind, path in manifest["files"].items():
        assert again["files"][kind].read_bytes() == path.read_bytes(), kind
    assert other["files"]["persons"].read_bytes() != manifest["files"]["persons"].read_bytes()
    assert other["files"]["institutions"].read_bytes() != manifest["files"]["institutions"].read_bytes()


def test_default_world_is_quick(tmp_path):
    started = time.perf_counter()
    manifest = generate_world(tmp_path)
    elapsed = time.perf_counter() - started
    assert manifest["counts"]["persons"] == 400 * len(REGIONS)
    assert manifest["counts"]["hilist"] == 250 * len(CATALOGUE_REGIONS)
    assert elapsed < 10  # about a third of a second on a laptop


def test_too_small_a_catalogue_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate_world(tmp_path, items_per_region=3)


# --- idnumbers -------------------------------------------------------------------------

def test_checksum_of_the_standard_examples():
    assert certno_checksum("11010519491231002") == "X"
    assert certno_checksum("44052418800101001") == "4"
    assert is_valid_certno("11010519491231002X")
    assert not is_valid_certno("11010519491231002x")
    assert not is_valid_certno("110105194912310021")
    assert not is_valid_certno("11010519490231002X")  # 31 February is no date
    assert not is_valid_certno("1101051949123100")
    assert not is_valid_certno("")


def test_make_certno():
    male = make_certno("500155", dt.date(1987, 6, 5), 12, True)
    female = make_certno("500155", dt.date(1987, 6, 5), 12, False)
    assert male[:17] == "50015519870605025" and is_valid_certno(male)
    assert female[:17] == "50015519870605024" and is_valid_certno(female)
    with pytest.raises(ValueError):
        make_certno("5001", dt.date(1987, 6, 5), 1, True)
    with pytest.raises(ValueError):
        make_certno("500155", dt.date(1987, 6, 5), 500, True)


def test_masks():
    assert mask_certno("11010519491231002X") == "110*************2X"
    assert len(mask_certno("11010519491231002X")) == 18
    assert mask_certno("12345") == "*****"
    assert mask_certno("") == ""
    assert mask_name("张三丰") == "张**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李"
    assert mask_name("") == ""
