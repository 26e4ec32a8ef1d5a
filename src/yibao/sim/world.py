"""A deterministic demo world written as ``yibao import`` files (data-formats.md).

``generate_world(out_dir)`` writes, for the regions of ``REGIONS``:

- ``hilist.csv``: the catalogue (1312 shape) plus a ``ref_pric`` column, the item's usual unit
  price in that region, which the importer ignores and the HIS simulator bills;
- ``lmtpric.csv``: price ceilings (1318 shape) for beds, some services and consumables, some
  of them below ``ref_pric`` so that over-limit amounts (``overlmt_amt``) occur;
- ``selfpay.csv``: 先行自付比例 (1319 shape) of the 乙类 items;
- ``institutions.csv``: hospitals of every level and pharmacies with their API secrets;
- ``persons.csv``: insured persons, plus a ``family_psn_no`` column naming the employee whose
  personal account a resident may use (家庭共济).

Everything comes from ``random.Random`` streams seeded with the seed, so the same arguments
give the same bytes. Codes have the shapes of nhsa-interface.md §5; names, prices, ratios and
ceilings are plausible, not official.

梁平区 (500155) is a district of Chongqing: its institutions and insured persons carry the
district code, while its catalogue and policy are the municipality's (500000), found through
the region chain district → city → province, so no catalogue rows are written for it.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Callable, Iterator

from yibao.sim.idnumbers import make_certno
from yibao.sim.world_data import (
    PRICE_INDEX,
    SELFPAY_BASE,
    NEGOTIATED_SELFPAY,
    PLACES,
    FIXED_INSTITUTIONS,
    CARD_LETTER,
    FORM_CODES,
    WESTERN_DRUGS,
    ESSENTIAL_WESTERN,
    PATENT_MEDICINES,
    ESSENTIAL_PATENT,
    DECOCTION_PIECES,
    ESSENTIAL_PIECES,
    SERVICES,
    CONSUMABLES,
    SURNAMES,
    SURNAME_BIAS,
    GIVEN_NAMES,
    PRIVATE_HOSPITALS,
    PHARMACY_BRANDS,
)

REGIONS: list[tuple[str, str]] = [
    ("510100", "成都市"),
    ("500000", "重庆市"),
    ("500155", "梁平区"),
    ("441300", "惠州市"),
    ("441500", "汕尾市"),
    ("440300", "深圳市"),
    ("440600", "佛山市"),
    ("442000", "中山市"),
    ("371300", "临沂市"),
    ("110000", "北京市"),
]

# Regions whose catalogue and policy are set one level up (the municipality's).
PARENT_REGION: dict[str, str] = {"500155": "500000"}

KINDS = ("hilist", "lmtpric", "selfpay", "institutions", "persons")

# Ages, psn_type and family roles are decided as of this day; every birth date is before it.
AS_OF = dt.date(2024, 1, 1)
CATALOGUE_BEGNDATE = "2023-01-01"

HILIST_COLUMNS = [
    "hilist_code", "hilist_name", "insu_admdvs", "begndate", "enddate", "med_chrgitm_type",
    "chrgitm_lv", "lmt_used_flag", "list_type", "vali_flag", "ref_pric",
]
LMTPRIC_COLUMNS = [
    "hilist_code", "insu_admdvs", "begndate", "enddate", "hilist_pric_uplmt_amt",
    "hilist_lmtpric_type", "overlmt_dspo_way", "vali_flag",
]
SELFPAY_COLUMNS = [
    "hilist_code", "insu_admdvs", "begndate", "enddate", "selfpay_prop", "selfpay_prop_psn_type",
    "selfpay_prop_type", "vali_flag",
]
INSTITUTION_COLUMNS = ["fixmedins_code", "fixmedins_name", "fixmedins_type", "medins_lv", "admdvs", "secret"]
PERSON_COLUMNS = [
    "psn_no", "psn_cert_type", "certno", "psn_name", "gend", "brdy", "insutype", "psn_type",
    "insuplc_admdvs", "cvlserv_flag", "assistance_group", "acct_balance", "card_no", "family_psn_no",
]

CENT = Decimal("0.01")
YUAN = Decimal("1")


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

def _rng(seed: int, *parts: str) -> random.Random:
    """An independent, reproducible stream for one purpose (string seeds hash with SHA-512)."""
    return random.Random(":".join([str(seed), *parts]))


def _factor(rng: random.Random, low: int, high: int) -> Decimal:
    """A multiplier between low% and high%, drawn as a whole percentage."""
    return Decimal(rng.randint(low, high)) / 100


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def _round_price(amount: Decimal) -> Decimal:
    """Prices as they are published: whole yuan from 10 yuan up, else jiao (min 0.01)."""
    if amount >= 10:
        step = YUAN
    elif amount >= 1:
        step = Decimal("0.1")
    else:
        step = CENT
    return max(amount.quantize(step, rounding=ROUND_HALF_UP), CENT)


def _weighted(spec: str) -> dict[str, Decimal]:
    weights = {}
    for token in spec.split():
        split = next(i for i, ch in enumerate(token) if ch.isdigit())
        weights[token[:split]] = Decimal(token[split:])
    return weights


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(brdy: dt.date, day: dt.date = AS_OF) -> int:
    """Age in whole years on a day."""
    return day.year - brdy.year - ((day.month, day.day) < (brdy.month, brdy.day))


def _birth_date(rng: random.Random, min_age: int, max_age: int) -> dt.date:
    """A birth date giving an age in [min_age, max_age] on AS_OF, strictly before AS_OF."""
    latest = _shift_years(AS_OF, min_age) - dt.timedelta(days=1)
    earliest = _shift_years(AS_OF, max_age + 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))


# ---------------------------------------------------------------------------------------
# National catalogue
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    code: str
    name: str
    list_type: str
    med_chrgitm_type: str
    chrgitm_lv: str
    lmt_used_flag: str
    price: Decimal  # national reference unit price
    group: str  # western, patent, piece, service, consumable
    negotiated: bool = False


def _unique_digits(rng: random.Random, used: set[str], width: int, low: int = 1, high: int | None = None) -> str:
    while True:
        value = f"{rng.randint(low, high or 10 ** width - 1):0{width}d}"
        if value not in used:
            used.add(value)
            return value


def _drug_products(rng: random.Random, table, prefix: str, essential_names) -> list[dict]:
    """One entry per (generic, form, specification): the code without its enterprise segment."""
    generic_numbers: dict[str, set[str]] = {}
    products = []
    for generic, initial, cls, level, lmt, negotiated, variants in table:
        used = generic_numbers.setdefault(initial, set())
        generic_code = initial + _unique_digits(rng, used, 3)
        for spec_index, (form, spec, price) in enumerate(variants, start=1):
            if form == "注射用无菌粉末":
                name = generic if generic.startswith("注射用") else "注射用" + generic
            else:
                name = generic + form
            products.append(dict(
                stem=f"{prefix}{cls}{generic_code}{FORM_CODES[form]}{spec_index:02d}01",
                name=f"{name}({spec})", level=level, lmt=str(lmt), negotiated=bool(negotiated),
                price=Decimal(price), essential=generic in essential_names,
                category="09" if prefix == "X" else "11",
            ))
    return products


def _expanding_pool(rng: random.Random, products: list[dict], make: Callable[[dict, int], Item]) -> Iterator[Item]:
    """Essential products first, then the others in shuffled order, then further
    manufacturers' versions of every product, without end."""
    essential = [p for p in products if p["essential"]]
    others = [p for p in products if not p["essential"]]
    rng.shuffle(others)
    for product in essential + others:
        yield make(product, 0)
    version = 1
    while True:
        round_ = list(products)
        rng.shuffle(round_)
        for product in round_:
            yield make(product, version)
        version += 1


class NationalCatalogue:
    """The shared national codes, drawn once per seed. Each group is an ordered pool; a region
    lists the first items of each pool (the common core) plus a few others (local items)."""

    def __init__(self, seed: int):
        self.seed = seed
        self._pools: dict[str, list[Item]] = {}
        self._iterators: dict[str, Iterator[Item]] = {}
        self._fixed_pool("service", self._services(_rng(seed, "national", "service")))
        self._fixed_pool("piece", self._pieces(_rng(seed, "national", "piece")))
        self._iterators["western"] = self._drugs(_rng(seed, "national", "western"), WESTERN_DRUGS, "X",
                                                 ESSENTIAL_WESTERN)
        self._iterators["patent"] = self._drugs(_rng(seed, "national", "patent"), PATENT_MEDICINES, "Z",
                                                ESSENTIAL_PATENT)
        self._iterators["consumable"] = self._consumables(_rng(seed, "national", "consumable"))
        for group in self._iterators:
            self._pools[group] = []

    def _fixed_pool(self, group: str, items: list[Item]) -> None:
        self._pools[group] = items

    def fixed_size(self, group: str) -> int | None:
        return None if group in self._iterators else len(self._pools[group])

    def pool(self, group: str, size: int) -> list[Item]:
        """The first ``size`` items of a group (all of a fixed group if it is smaller)."""
        items = self._pools[group]
        iterator = self._iterators.get(group)
        while iterator is not None and len(items) < size:
            items.append(next(iterator))
        return items[:size]

    @staticmethod
    def _services(rng: random.Random) -> list[Item]:
        items = [
            Item(code=f"00{code}{ext}", name=name, list_type="201", med_chrgitm_type=category,
                 chrgitm_lv=level, lmt_used_flag="1" if level == "02" and Decimal(price) >= 500 else "0",
                 price=Decimal(price), group="service")
            for code, ext, name, category, level, price, _ in SERVICES
        ]
        essential = [item for item, row in zip(items, SERVICES) if row[6]]
        others = [item for item, row in zip(items, SERVICES) if not row[6]]
        rng.shuffle(others)
        return essential + others

    @staticmethod
    def _pieces(rng: random.Random) -> list[Item]:
        used: set[str] = set()
        items = []
        for index, (name, price, level) in enumerate(DECOCTION_PIECES):
            herb_class = 1 + index % 18
            items.append(Item(
                code=f"T00{herb_class:02d}{_unique_digits(rng, used, 5)}", name=name, list_type="102",
                med_chrgitm_type="10", chrgitm_lv=level, lmt_used_flag="0", price=Decimal(price), group="piece",
            ))
        others = items[ESSENTIAL_PIECES:]
        rng.shuffle(others)
        return items[:ESSENTIAL_PIECES] + others

    @staticmethod
    def _drugs(rng: random.Random, table, prefix: str, essential_names) -> Iterator[Item]:
        products = _drug_products(rng, table, prefix, essential_names)
        enterprises: set[str] = set()
        group = "western" if prefix == "X" else "patent"

        def make(product: dict, version: int) -> Item:
            factor = Decimal(1) if version == 0 else _factor(rng, 80, 125)
            return Item(
                code=product["stem"] + _unique_digits(rng, enterprises, 5), name=product["name"],
                list_type="101", med_chrgitm_type=product["category"], chrgitm_lv=product["level"],
                lmt_used_flag=product["lmt"], price=product["price"] * factor, group=group,
                negotiated=product["negotiated"],
            )

        return _expanding_pool(rng, products, make)

    @staticmethod
    def _consumables(rng: random.Random) -> Iterator[Item]:
        products = []
        used_stems: set[str] = set()
        for name, cls, price, level, lmt, essential in CONSUMABLES:
            # class (6) + generic name (4) + material (4) + features (5): the 20-character code
            stem = "C" + cls + _unique_digits(rng, used_stems, 4) + f"{rng.randint(0, 9999):04d}" + \
                f"{rng.randint(0, 99999):05d}"
            products.append(dict(stem=stem, name=name, level=level, lmt=str(lmt), price=Decimal(price),
                                 essential=bool(essential)))
        registrations: set[str] = set()

        def make(product: dict, version: int) -> Item:
            factor = Decimal(1) if version == 0 else _factor(rng, 75, 130)
            # registrant (4) + specification/model (3): 27 characters in all
            return Item(
                code=product["stem"] + _unique_digits(rng, registrations, 7), name=product["name"],
                list_type="301", med_chrgitm_type="08", chrgitm_lv=product["level"],
                lmt_used_flag=product["lmt"], price=product["price"] * factor, group="consumable",
            )

        return _expanding_pool(rng, products, make)


# Share of each group in a region's catalogue; western drugs take the rest.
GROUP_SHARES = (("service", Decimal("0.26")), ("piece", Decimal("0.10")), ("consumable", Decimal("0.14")),
                ("patent", Decimal("0.13")))
CORE_SHARE = Decimal("0.8")


def _group_counts(national: NationalCatalogue, items_per_region: int) -> dict[str, int]:
    counts = {}
    for group, share in GROUP_SHARES:
        count = max(1, int((items_per_region * share).to_integral_value(ROUND_HALF_UP)))
        fixed = national.fixed_size(group)
        counts[group] = min(count, fixed) if fixed is not None else count
    counts["western"] = items_per_region - sum(counts.values())
    if counts["western"] < 1:
        raise ValueError(f"items_per_region={items_per_region} is too small (at least 10)")
    return counts


def _region_items(national: NationalCatalogue, counts: dict[str, int], rng: random.Random) -> list[Item]:
    """The national core (the same in every region) plus region-local items."""
    chosen = []
    for group in ("western", "patent", "piece", "service", "consumable"):
        count = counts[group]
        core = min(count, int((count * CORE_SHARE).to_integral_value(ROUND_HALF_UP)) or 1)
        fixed = national.fixed_size(group)
        pool = national.pool(group, fixed if fixed is not None else core + 3 * (count - core) + 10)
        chosen.extend(pool[:core])
        chosen.extend(rng.sample(pool[core:], count - core))
    return chosen


def _regional_price(item: Item, admdvs: str, rng: random.Random) -> Decimal:
    if item.group == "service":
        return _round_price(item.price * Decimal(PRICE_INDEX[admdvs]) * _factor(rng, 97, 103))
    if item.group == "piece":
        return max((item.price * _factor(rng, 92, 110)).quantize(CENT, rounding=ROUND_HALF_UP), CENT)
    return max((item.price * _factor(rng, 95, 105)).quantize(CENT, rounding=ROUND_HALF_UP), CENT)


def _ceiling(item: Item, price: Decimal, rng: random.Random) -> Decimal | None:
    """A price ceiling for beds, some services and high-value consumables; some lie below
    the usual price so that over-limit amounts occur."""
    if item.chrgitm_lv == "03":
        return None
    if item.group == "service" and item.med_chrgitm_type == "01":
        factor = _factor(rng, 45, 65) if "单人间" in item.name else _factor(rng, 85, 120)
    elif item.group == "service" and item.med_chrgitm_type in ("03", "05", "06") and price >= 100:
        if rng.randrange(100) >= 35:
            return None
        factor = _factor(rng, 80, 95) if rng.randrange(2) else _factor(rng, 100, 115)
    elif item.group == "consumable" and price >= 100:
        if rng.randrange(100) >= 70:
            return None
        factor = _factor(rng, 80, 95) if rng.randrange(100) < 45 else _factor(rng, 100, 120)
    else:
        return None
    return _round_price(price * factor)


def _selfpay(item: Item, admdvs: str, price: Decimal, rng: random.Random) -> Decimal | None:
    if item.chrgitm_lv != "02":
        return None
    base = Decimal(SELFPAY_BASE[admdvs])
    if item.negotiated:
        return Decimal(rng.choice(NEGOTIATED_SELFPAY))
    if item.group == "consumable" and price >= 1000:
        return min(base + Decimal("0.10"), Decimal("0.30"))
    return base


def _catalogue_rows(national: NationalCatalogue, admdvs: str, counts: dict[str, int], seed: int):
    rng = _rng(seed, admdvs, "catalogue")
    items = _region_items(national, counts, rng)
    items.sort(key=lambda item: (item.list_type, item.code))
    hilist, lmtpric, selfpay = [], [], []
    for item in items:
        price = _regional_price(item, admdvs, rng)
        hilist.append([
            item.code, item.name, admdvs, CATALOGUE_BEGNDATE, "", item.med_chrgitm_type, item.chrgitm_lv,
            item.lmt_used_flag, item.list_type, "1", _money(price),
        ])
        ceiling = _ceiling(item, price, rng)
        if ceiling is not None:
            lmtpric.append([item.code, admdvs, CATALOGUE_BEGNDATE, "", _money(ceiling), "1", "1", "1"])
        prop = _selfpay(item, admdvs, price, rng)
        if prop is not None:
            selfpay.append([item.code, admdvs, CATALOGUE_BEGNDATE, "", _money(prop), "", "", "1"])
    return hilist, lmtpric, selfpay


# ---------------------------------------------------------------------------------------
# Institutions
# ---------------------------------------------------------------------------------------

def _level_counts(rng: random.Random, hospitals: int, district: bool) -> list[str]:
    levels = ["3", "2", "1", "0"]
    weights = (("3", 15), ("2", 30), ("1", 20), ("0", 35))
    while len(levels) < hospitals:
        pick = rng.choices([lv for lv, _ in weights], [w for _, w in weights])[0]
        if district and pick == "3" and levels.count("3") >= 2:
            pick = "0"
        levels.append(pick)
    return sorted(levels, reverse=True)


def _streets(admdvs: str) -> list[tuple[str, str]]:
    return [(area, street) for area, streets in PLACES[admdvs][2] for street in streets]


def _hospital_name(rng: random.Random, admdvs: str, level: str, used: set[str]) -> str:
    prefix, short, areas = PLACES[admdvs]
    district = admdvs in PARENT_REGION
    streets = _streets(admdvs)
    named_areas = [area for area, _ in areas if area]
    for _ in range(200):
        if level == "3":
            options = ["人民医院", "中医医院"] if district else [
                "第一人民医院", "第二人民医院", "中医医院", "中心医院", "妇女儿童医院", "第三人民医院",
                "人民医院", "中西医结合医院"]
            name = prefix + rng.choice(options)
        elif level == "2":
            if district:
                name = prefix + rng.choice(["妇幼保健院", "第二人民医院", "精神卫生中心", "第三人民医院", "骨科医院"])
            elif named_areas and rng.randrange(3):
                name = prefix + rng.choice(named_areas) + rng.choice(["人民医院", "中医医院", "妇幼保健院"])
            elif not named_areas and rng.randrange(2):
                town = rng.choice([s for _, s in streets if s.endswith("镇")])
                name = prefix + town[:-1] + "人民医院"
            else:
                name = prefix + rng.choice(["第四人民医院", "第五人民医院", "骨科医院", "口腔医院", "精神卫生中心",
                                            "康复医院", "老年病医院"])
        elif level == "1":
            towns = [(area, s) for area, s in streets if s.endswith("镇")]
            if towns and rng.randrange(2):
                area, town = rng.choice(towns)
                name = prefix + area + town + "中心卫生院"
            else:
                name = short + rng.choice(PRIVATE_HOSPITALS)
        else:
            area, street = rng.choice(streets)
            if street.endswith("镇"):
                name = prefix + area + street + "卫生院"
            else:
                name = prefix + area + street + "社区卫生服务中心"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError(f"ran out of hospital names for {admdvs} level {level}")


def _pharmacy_name(rng: random.Random, admdvs: str, used: set[str]) -> str:
    _, short, _ = PLACES[admdvs]
    streets = _streets(admdvs)
    while True:
        _, street = rng.choice(streets)
        branch = street.removesuffix("街道").removesuffix("镇") or street
        name = f"{short}{rng.choice(PHARMACY_BRANDS)}大药房({branch}店)"
        if name not in used:
            used.add(name)
            return name


def _institution_rows(admdvs: str, seed: int) -> list[list[str]]:
    rng = _rng(seed, admdvs, "institutions")
    total = rng.randint(8, 15)
    pharmacies = rng.randint(1, 3)
    levels = _level_counts(rng, total - pharmacies, admdvs in PARENT_REGION)
    names: set[str] = set()
    numbers: dict[str, set[str]] = {"H": set(), "P": set()}
    rows = []
    for code, name, level in FIXED_INSTITUTIONS.get(admdvs, []):
        numbers[code[0]].add(code[7:])
        names.add(name)
        levels.remove(level)
        rows.append([code, name, "1", level, admdvs, f"{rng.getrandbits(128):032x}"])
    for level in levels:
        name = _hospital_name(rng, admdvs, level, names)
        code = f"H{admdvs}{_unique_digits(rng, numbers['H'], 5, high=3000)}"
        rows.append([code, name, "1", level, admdvs, f"{rng.getrandbits(128):032x}"])
    for _ in range(pharmacies):
        name = _pharmacy_name(rng, admdvs, names)
        code = f"P{admdvs}{_unique_digits(rng, numbers['P'], 5, high=9999)}"
        rows.append([code, name, "2", "", admdvs, f"{rng.getrandbits(128):032x}"])
    rows.sort(key=lambda row: (row[2], -int(row[3] or 0), row[0]))
    return rows


# ---------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------

ASSISTANCE_PER_MILLE = (("tekun", 5), ("dibao", 20), ("low_income", 10), ("monitored", 10))
RESIDENT_TYPES = (("1401", 3), ("1402", 7), ("1403", 20), ("1404", 6), ("1501", 64))
EMPLOYEE_SHARE = Decimal("0.60")
RETIRED_SHARE = Decimal("0.28")
FAMILY_LINK_PERCENT = 15


class _Names:
    def __init__(self, admdvs: str):
        weights = _weighted(SURNAMES)
        for surname, factor in _weighted(SURNAME_BIAS.get(admdvs[:2], "")).items():
            weights[surname] = weights.get(surname, Decimal(1)) * factor
        self.surnames = list(weights)
        self.cumulative = []
        total = 0
        for surname in self.surnames:
            total += int(weights[surname] * 10)  # whole-number weights
            self.cumulative.append(total)
        self.given = {key: value.split() for key, value in GIVEN_NAMES.items()}

    def surname(self, rng: random.Random) -> str:
        return rng.choices(self.surnames, cum_weights=self.cumulative)[0]

    def given_name(self, rng: random.Random, gend: str, brdy: dt.date) -> str:
        era = 0 if brdy.year < 1965 else 1 if brdy.year < 1990 else 2 if brdy.year < 2010 else 3
        return rng.choice(self.given[(era, gend)])


def _employee_profile(rng: random.Random, retired: bool) -> tuple[str, str, dt.date]:
    gend = rng.choice("12")
    if retired:
        brdy = _birth_date(rng, 60 if gend == "1" else 55, 90)
        psn_type = "1202" if rng.randrange(100) < 7 else "1201"
    else:
        brdy = _birth_date(rng, 20, 59 if gend == "1" else 54)
        psn_type = "1102" if rng.randrange(100) < 7 else "1101"
    return psn_type, gend, brdy


def _resident_profile(rng: random.Random) -> tuple[str, str, dt.date]:
    gend = rng.choice("12")
    psn_type = rng.choices([code for code, _ in RESIDENT_TYPES], [w for _, w in RESIDENT_TYPES])[0]
    if psn_type == "1401":
        brdy = _birth_date(rng, 0, 0)
    elif psn_type == "1402":
        brdy = _birth_date(rng, 1, 5)
    elif psn_type == "1403":
        brdy = _birth_date(rng, 6, 17)
    elif psn_type == "1404":
        brdy = _birth_date(rng, 18, 22)
    else:
        band = rng.randrange(100)
        brdy = _birth_date(rng, *((18, 39) if band < 25 else (40, 59) if band < 60 else (60, 92)))
    return psn_type, gend, brdy


def _balance(rng: random.Random, retired: bool) -> str:
    bucket = rng.randrange(100)
    if retired:
        ranges = ((2, 0, 0), (30, 100_000, 600_000), (80, 600_000, 1_500_000), (100, 1_500_000, 2_500_000))
    else:
        ranges = ((4, 0, 0), (44, 1_000, 200_000), (84, 200_000, 800_000), (100, 800_000, 2_000_000))
    for limit, low, high in ranges:
        if bucket < limit:
            return _money(Decimal(rng.randint(low, high)) / 100)
    raise AssertionError("unreachable")


def _person_rows(admdvs: str, count: int, seed: int) -> list[list[str]]:
    rng = _rng(seed, admdvs, "persons")
    names = _Names(admdvs)
    employees = int((count * EMPLOYEE_SHARE).to_integral_value(ROUND_HALF_UP))
    retired = int((employees * RETIRED_SHARE).to_integral_value(ROUND_HALF_UP))
    psn_nos: set[str] = set()
    certnos: set[str] = set()
    cards: set[str] = set()

    def identity(kind: str, gend: str, brdy: dt.date) -> tuple[str, str, str]:
        while True:
            psn_no = f"{admdvs}{kind}{rng.randrange(10 ** 10):010d}"
            if psn_no not in psn_nos:
                psn_nos.add(psn_no)
                break
        while True:
            certno = make_certno(admdvs, brdy, rng.randint(1, 499), gend == "1")
            if certno not in certnos:
                certnos.add(certno)
                break
        while True:
            card = CARD_LETTER[admdvs] + f"{rng.randrange(10 ** 8):08d}"
            if card not in cards:
                cards.add(card)
                break
        return psn_no, certno, card

    rows: list[dict] = []
    for index in range(employees):
        psn_type, gend, brdy = _employee_profile(rng, index < retired)
        psn_no, certno, card = identity("ZG", gend, brdy)
        rows.append(dict(
            psn_no=psn_no, certno=certno, surname=names.surname(rng), given=names.given_name(rng, gend, brdy),
            gend=gend, brdy=brdy, insutype="310", psn_type=psn_type,
            cvlserv_flag="1" if psn_type in ("1102", "1202") else "0", assistance_group="",
            acct_balance=_balance(rng, psn_type.startswith("12")), card_no=card, family_psn_no="",
        ))
    employee_rows = list(rows)
    for _ in range(count - employees):
        psn_type, gend, brdy = _resident_profile(rng)
        psn_no, certno, card = identity("JM", gend, brdy)
        surname = names.surname(rng)
        family = ""
        if employee_rows and rng.randrange(100) < FAMILY_LINK_PERCENT:
            relative = rng.choice(employee_rows)
            family = relative["psn_no"]
            if age_on(brdy) < 23:  # a child carries the insured parent's surname
                surname = relative["surname"]
        group = ""
        draw = rng.randrange(1000)
        for key, per_mille in ASSISTANCE_PER_MILLE:
            if draw < per_mille:
                group = key
                break
            draw -= per_mille
        rows.append(dict(
            psn_no=psn_no, certno=certno, surname=surname, given=names.given_name(rng, gend, brdy),
            gend=gend, brdy=brdy, insutype="390", psn_type=psn_type, cvlserv_flag="0", assistance_group=group,
            acct_balance="0.00", card_no=card, family_psn_no=family,
        ))
    rng.shuffle(rows)
    return [[
        row["psn_no"], "01", row["certno"], row["surname"] + row["given"], row["gend"], row["brdy"].isoformat(),
        row["insutype"], row["psn_type"], admdvs, row["cvlserv_flag"], row["assistance_group"],
        row["acct_balance"], row["card_no"], row["family_psn_no"],
    ] for row in rows]


# ---------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------

def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate_world(out_dir: Path, *, seed: int = 7, persons_per_region: int = 400, items_per_region: int = 250) -> dict:
    """Write hilist.csv, lmtpric.csv, selfpay.csv, institutions.csv and persons.csv into
    ``out_dir`` and return a manifest: ``files`` (kind → Path, in import order), ``counts``
    and ``regions`` (one dict per region: admdvs, name, and the admdvs whose catalogue and
    policy apply)."""
    if persons_per_region < 1:
        raise ValueError("persons_per_region must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    national = NationalCatalogue(seed)
    counts = _group_counts(national, items_per_region)

    hilist, lmtpric, selfpay, institutions, persons = [], [], [], [], []
    for admdvs, _ in REGIONS:
        if admdvs not in PARENT_REGION:
            h, limits, s = _catalogue_rows(national, admdvs, counts, seed)
            hilist += h
            lmtpric += limits
            selfpay += s
        institutions += _institution_rows(admdvs, seed)
        persons += _person_rows(admdvs, persons_per_region, seed)

    files = {kind: out_dir / f"{kind}.csv" for kind in KINDS}
    _write_csv(files["hilist"], HILIST_COLUMNS, hilist)
    _write_csv(files["lmtpric"], LMTPRIC_COLUMNS, lmtpric)
    _write_csv(files["selfpay"], SELFPAY_COLUMNS, selfpay)
    _write_csv(files["institutions"], INSTITUTION_COLUMNS, institutions)
    _write_csv(files["persons"], PERSON_COLUMNS, persons)

    return {
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "files": files,
        "counts": {
            "hilist": len(hilist),
            "lmtpric": len(lmtpric),
            "selfpay": len(selfpay),
            "institutions": len(institutions),
            "hospitals": sum(1 for row in institutions if row[2] == "1"),
            "pharmacies": sum(1 for row in institutions if row[2] == "2"),
            "persons": len(persons),
            "employees": sum(1 for row in persons if row[6] == "310"),
            "residents": sum(1 for row in persons if row[6] == "390"),
        },
        "regions": [
            {"admdvs": admdvs, "name": name, "catalogue_admdvs": PARENT_REGION.get(admdvs, admdvs),
             "policy_admdvs": PARENT_REGION.get(admdvs, admdvs)}
            for admdvs, name in REGIONS
        ],
    }


__all__ = ["AS_OF", "KINDS", "PARENT_REGION", "REGIONS", "age_on", "generate_world"]
