"""Post-event audit (事后): every rule type as one set-based SQL query over the flat
claim-line table, run on DuckDB (embedded, default) or Spark (``audit_spark``).

The SQL is written once in the subset both engines accept: joins, window functions,
``||``, LIKE with a computed pattern, ``substr``, ``coalesce``, ``greatest`` and Spark's
``unix_date`` for day numbers (DuckDB gets a one-line macro of that name). Each query
returns the rows that ``yibao.domain.audit.findings.finding`` turns into Findings, exactly
as the Python checks of ``yibao.domain.audit.engine`` do; docs/audit-rules.md describes
each rule once for both.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

from yibao.domain.audit import rules as r
from yibao.domain.audit.claims import FLAT_COLUMNS, SCENARIOS
from yibao.domain.audit.findings import Finding, finding, sort_key
from yibao.domain.audit.knowledge import load_deaths
from yibao.domain.audit.package import RulePackage
from yibao.domain.audit.rules import Rule
from yibao.domain.money import decimal_of

# The flat claim-line table: (column, SQL type, required). Optional columns may be absent.
CLAIM_SCHEMA: tuple[tuple[str, str, bool], ...] = (
    ("setl_id", "STRING", False), ("mdtrt_id", "STRING", True), ("psn_no", "STRING", True),
    ("certno", "STRING", True), ("gend", "STRING", True), ("age", "INT", False),
    ("fixmedins_code", "STRING", True), ("medins_lv", "STRING", False), ("med_type", "STRING", True),
    ("insuplc_admdvs", "STRING", False), ("mdtrtarea_admvs", "STRING", False), ("begndate", "DATE", True),
    ("enddate", "DATE", False), ("main_diag", "STRING", False), ("diag_codes", "STRING", False),
    ("feedetl_sn", "STRING", True), ("hilist_code", "STRING", True), ("fee_date", "DATE", True),
    ("cnt", "DECIMAL(16,4)", True), ("pric", "DECIMAL(16,6)", True), ("det_item_fee_sumamt", "DECIMAL(16,2)", True),
    ("prd_days", "INT", False), ("scenario", "STRING", False),
)
assert tuple(column for column, _, _ in CLAIM_SCHEMA) == FLAT_COLUMNS

_WHEN = (("insu_admdvs", "STRING"), ("begndate", "DATE"), ("enddate", "DATE"))
KB_SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "kb_restrictions": (("rid", "INT"), ("hilist_code", "STRING"), *_WHEN, ("gend", "STRING"), ("age_min", "INT"),
                        ("age_max", "INT"), ("medins_lv_min", "INT"), ("med_types", "STRING"),
                        ("dise_codes", "STRING"), ("max_cnt_per_day", "DECIMAL(16,4)"), ("max_days", "INT")),
    "kb_indications": (("rid", "INT"), ("prefix", "STRING")),
    "kb_price_ceilings": (("hilist_code", "STRING"), *_WHEN, ("pric_uplmt_amt", "DECIMAL(16,6)")),
    "kb_bundles": (("package_code", "STRING"), ("hilist_code", "STRING"), *_WHEN),
    "kb_exclusive": (("hilist_code", "STRING"), ("excl_hilist_code", "STRING"), *_WHEN),
    "kb_frequency": (("hilist_code", "STRING"), ("max_cnt", "DECIMAL(16,4)"), ("period_days", "INT"), *_WHEN),
    "deaths": (("certno", "STRING"), ("die_date", "DATE")),
}


class BatchError(ValueError):
    """Claim data the batch cannot read (a missing column, a bad value)."""


class BatchProgress(NamedTuple):
    step: str  # "prepare" or a rule_id
    rule_type: str
    done: int
    total: int
    seconds: float
    findings: int


# --- preparation: typed lines with day numbers, region chain, scenarios, resolved knowledge --

def _base_sql(present: set[str]) -> str:
    def column(name: str, sql_type: str) -> str:
        value = f"CAST({name} AS {sql_type})" if name in present else f"CAST(NULL AS {sql_type})"
        return f"coalesce({value}, '') AS {name}" if sql_type == "STRING" else f"{value} AS {name}"

    casts = ",\n      ".join(column(name, sql_type) for name, sql_type, _ in CLAIM_SCHEMA)
    return f"""
WITH c AS (
  SELECT {casts}
  FROM claims_raw),
g AS (SELECT c.*, coalesce(nullif(c.mdtrtarea_admvs, ''), substr(c.fixmedins_code, 2, 6)) AS reg0,
             (substr(c.med_type, 1, 1) = '2' OR c.med_type = '52') AS inpatient FROM c)
SELECT g.*, substr(g.reg0, 1, 4) || '00' AS reg1, substr(g.reg0, 1, 2) || '0000' AS reg2,
  unix_date(g.fee_date) AS fee_day, unix_date(g.begndate) AS begn_day, unix_date(g.enddate) AS end_day,
  CASE g.medins_lv WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 ELSE 0 END AS lv_no,
  (g.inpatient OR g.scenario = '住院') AS sc_inpatient,
  ((NOT g.inpatient AND g.med_type <> '41') OR g.scenario = '门诊') AS sc_outpatient,
  ((NOT g.inpatient AND g.med_type = '41') OR g.scenario = '购药') AS sc_pharmacy,
  (g.scenario = '互联网') AS sc_internet,
  ((g.insuplc_admdvs <> '' AND g.insuplc_admdvs <> g.reg0) OR g.scenario = '异地') AS sc_remote
FROM g"""


def _nearest(table: str, columns: str) -> str:
    # The nearest region of the chain wins, then the latest begndate (knowledge.py).
    return f"""
  SELECT b.mdtrt_id, b.feedetl_sn, {columns},
    ROW_NUMBER() OVER (PARTITION BY b.mdtrt_id, b.feedetl_sn
      ORDER BY CASE k.insu_admdvs WHEN b.reg0 THEN 0 WHEN b.reg1 THEN 1 ELSE 2 END, k.begndate DESC) AS pick
  FROM audit_base b JOIN {table} k ON k.hilist_code = b.hilist_code AND k.insu_admdvs IN (b.reg0, b.reg1, b.reg2)
    AND k.begndate <= b.fee_date AND (k.enddate IS NULL OR k.enddate >= b.fee_date)"""


LINES_SQL = f"""
WITH rk AS ({_nearest("kb_restrictions", "k.rid, k.gend, k.age_min, k.age_max, k.medins_lv_min, k.med_types, "
                      "k.dise_codes, k.max_cnt_per_day, k.max_days")}),
pc AS ({_nearest("kb_price_ceilings", "k.pric_uplmt_amt")})
SELECT b.*, rk.rid AS k_rid, rk.gend AS k_gend, rk.age_min AS k_age_min, rk.age_max AS k_age_max,
  rk.medins_lv_min AS k_medins_lv_min, rk.med_types AS k_med_types, rk.dise_codes AS k_dise_codes,
  rk.max_cnt_per_day AS k_max_cnt_per_day, rk.max_days AS k_max_days, pc.pric_uplmt_amt AS k_pric_uplmt_amt
FROM audit_base b
LEFT JOIN rk ON rk.mdtrt_id = b.mdtrt_id AND rk.feedetl_sn = b.feedetl_sn AND rk.pick = 1
LEFT JOIN pc ON pc.mdtrt_id = b.mdtrt_id AND pc.feedetl_sn = b.feedetl_sn AND pc.pick = 1"""

VISITS_SQL = """
SELECT mdtrt_id, MIN(setl_id) AS setl_id, MIN(psn_no) AS psn_no, MIN(fixmedins_code) AS fixmedins_code,
  MIN(med_type) AS med_type, MIN(begndate) AS begndate, MIN(enddate) AS enddate, MIN(begn_day) AS begn_day,
  MIN(end_day) AS end_day, MIN(main_diag) AS main_diag, MIN(inpatient) AS inpatient,
  MIN(sc_inpatient) AS sc_inpatient, MIN(sc_outpatient) AS sc_outpatient, MIN(sc_pharmacy) AS sc_pharmacy,
  MIN(sc_internet) AS sc_internet, MIN(sc_remote) AS sc_remote, SUM(det_item_fee_sumamt) AS amount
FROM audit_base GROUP BY mdtrt_id"""

# --- one query per rule type ------------------------------------------------------------------
# {scope} is the rule's scenario filter on the flagged visit or line; other {names} are the
# rule's parameters, validated in rules.py before they reach the text.

LINE = "l.mdtrt_id, l.setl_id, l.psn_no, l.feedetl_sn, l.det_item_fee_sumamt AS amount, l.hilist_code, l.fee_date"
_VALID = "{t}.insu_admdvs IN (l.reg0, l.reg1, l.reg2) AND {t}.begndate <= l.fee_date AND ({t}.enddate IS NULL OR {t}.enddate >= l.fee_date)"


def _same_day_partner(table: str, partner_code: str, partner_column: str, sn_column: str) -> str:
    """Lines billed on a day their visit also bills a related item: the first such related line."""
    return f"""
WITH m AS (
  SELECT {LINE}, b.{partner_code} AS {partner_column}, p.feedetl_sn AS {sn_column},
    ROW_NUMBER() OVER (PARTITION BY l.mdtrt_id, l.feedetl_sn ORDER BY p.feedetl_sn, b.{partner_code}) AS pick
  FROM audit_lines l
  JOIN {table} b ON b.hilist_code = l.hilist_code AND {_VALID.format(t="b")}
  JOIN audit_lines p ON p.mdtrt_id = l.mdtrt_id AND p.fee_day = l.fee_day AND p.hilist_code = b.{partner_code}
  WHERE {{scope}})
SELECT * FROM m WHERE pick = 1"""


RULE_SQL: dict[str, str] = {
    r.GENDER: f"""
SELECT {LINE}, l.gend, l.k_gend AS allowed_gend FROM audit_lines l
WHERE {{scope}} AND l.k_gend IS NOT NULL AND l.gend <> l.k_gend""",

    r.AGE: f"""
SELECT {LINE}, l.age, l.k_age_min AS age_min, l.k_age_max AS age_max FROM audit_lines l
WHERE {{scope}} AND l.age IS NOT NULL AND (l.age < l.k_age_min OR l.age > l.k_age_max)""",

    r.HOSPITAL_LEVEL: f"""
SELECT {LINE}, l.medins_lv, l.k_medins_lv_min AS medins_lv_min FROM audit_lines l
WHERE {{scope}} AND l.lv_no < l.k_medins_lv_min""",

    r.MED_TYPE: f"""
SELECT {LINE}, l.med_type, l.k_med_types AS med_types FROM audit_lines l
WHERE {{scope}} AND l.k_med_types IS NOT NULL AND (';' || l.k_med_types || ';') NOT LIKE ('%;' || l.med_type || ';%')""",

    # A code qualifies when it starts with a prefix: ';'-joined codes contain ';' + prefix.
    r.INDICATION: f"""
WITH matched AS (
  SELECT DISTINCT l.mdtrt_id, l.feedetl_sn FROM audit_lines l JOIN kb_indications i ON i.rid = l.k_rid
  WHERE (';' || l.main_diag || ';' || l.diag_codes) LIKE ('%;' || i.prefix || '%'))
SELECT {LINE}, l.main_diag, l.diag_codes, l.k_dise_codes AS dise_codes
FROM audit_lines l LEFT JOIN matched m ON m.mdtrt_id = l.mdtrt_id AND m.feedetl_sn = l.feedetl_sn
WHERE {{scope}} AND l.k_dise_codes IS NOT NULL AND m.mdtrt_id IS NULL""",

    r.OVER_PRICE: f"""
SELECT {LINE}, l.pric, l.k_pric_uplmt_amt AS pric_uplmt_amt, l.cnt FROM audit_lines l
WHERE {{scope}} AND l.pric > l.k_pric_uplmt_amt + {{tolerance}}""",

    r.DUPLICATE: f"""
WITH l AS (
  SELECT a.*,
    ROW_NUMBER() OVER (PARTITION BY a.mdtrt_id, a.hilist_code, a.fee_day ORDER BY a.feedetl_sn) AS n_day,
    SUM(a.cnt) OVER (PARTITION BY a.mdtrt_id, a.hilist_code, a.fee_day ORDER BY a.feedetl_sn
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS day_cnt,
    MIN(a.feedetl_sn) OVER (PARTITION BY a.mdtrt_id, a.hilist_code, a.fee_day) AS day_first_sn,
    ROW_NUMBER() OVER (PARTITION BY a.mdtrt_id, a.hilist_code, a.fee_day, a.cnt, a.pric ORDER BY a.feedetl_sn) AS n_same,
    MIN(a.feedetl_sn) OVER (PARTITION BY a.mdtrt_id, a.hilist_code, a.fee_day, a.cnt, a.pric) AS same_first_sn
  FROM audit_lines a)
SELECT {LINE}, l.cnt, l.day_cnt, l.k_max_cnt_per_day AS max_cnt_per_day,
  CASE WHEN l.k_max_cnt_per_day IS NULL THEN l.same_first_sn ELSE l.day_first_sn END AS first_feedetl_sn
FROM l WHERE {{scope}} AND l.n_day > 1 AND (
  (l.k_max_cnt_per_day IS NOT NULL AND l.day_cnt > l.k_max_cnt_per_day * greatest(coalesce(l.prd_days, 0), 1))
  OR (l.k_max_cnt_per_day IS NULL AND l.n_same > 1))""",

    r.OVER_QUANTITY: f"""
SELECT {LINE}, l.cnt, l.prd_days, l.k_max_cnt_per_day AS max_cnt_per_day, l.k_max_days AS max_days
FROM audit_lines l
WHERE {{scope}} AND (l.prd_days > l.k_max_days
  OR l.cnt > l.k_max_cnt_per_day * greatest(coalesce(l.prd_days, 0), 1))""",

    r.UNBUNDLING: _same_day_partner("kb_bundles", "package_code", "package_code", "package_feedetl_sn"),
    r.EXCLUSIVE: _same_day_partner("kb_exclusive", "excl_hilist_code", "excl_hilist_code", "excl_feedetl_sn"),

    # seq orders a person's lines of one item by (fee_date, mdtrt_id, feedetl_sn); the window
    # of a line is its earlier-or-equal lines within the limit's period_days.
    r.FREQUENCY: f"""
WITH f AS (
  SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.psn_no, a.hilist_code ORDER BY a.fee_day, a.mdtrt_id, a.feedetl_sn) AS seq
  FROM audit_lines a WHERE a.hilist_code IN (SELECT hilist_code FROM kb_frequency)),
lim AS (
  SELECT l.*, q.max_cnt, q.period_days FROM f l JOIN kb_frequency q ON q.hilist_code = l.hilist_code AND {_VALID.format(t="q")}
  WHERE {{scope}}),
w AS (
  SELECT l.mdtrt_id, l.setl_id, l.psn_no, l.feedetl_sn, l.det_item_fee_sumamt AS amount, l.hilist_code, l.fee_date,
    l.max_cnt, l.period_days, SUM(e.cnt) AS window_cnt
  FROM lim l JOIN f e ON e.psn_no = l.psn_no AND e.hilist_code = l.hilist_code AND e.seq <= l.seq
    AND e.fee_day > l.fee_day - l.period_days
  GROUP BY l.mdtrt_id, l.setl_id, l.psn_no, l.feedetl_sn, l.det_item_fee_sumamt, l.hilist_code, l.fee_date,
    l.max_cnt, l.period_days),
b AS (SELECT w.*, ROW_NUMBER() OVER (PARTITION BY w.mdtrt_id, w.feedetl_sn ORDER BY w.period_days, w.max_cnt) AS pick
      FROM w WHERE w.window_cnt > w.max_cnt)
SELECT * FROM b WHERE pick = 1""",

    r.SPLIT_ADMISSION: """
WITH m AS (
  SELECT l.mdtrt_id, l.setl_id, l.psn_no, '' AS feedetl_sn, l.amount, l.main_diag, l.begndate,
    p.mdtrt_id AS prev_mdtrt_id, p.enddate AS prev_enddate, l.begn_day - p.end_day AS gap_days,
    ROW_NUMBER() OVER (PARTITION BY l.mdtrt_id ORDER BY p.end_day DESC, p.mdtrt_id DESC) AS pick
  FROM audit_visits l JOIN audit_visits p ON p.psn_no = l.psn_no AND p.main_diag = l.main_diag AND p.mdtrt_id <> l.mdtrt_id
  WHERE {scope} AND l.inpatient AND p.inpatient AND l.main_diag <> '' AND p.end_day IS NOT NULL
    AND (p.begn_day < l.begn_day OR (p.begn_day = l.begn_day AND p.mdtrt_id < l.mdtrt_id))
    AND p.end_day <= l.begn_day AND l.begn_day - p.end_day <= {days} {same_institution} {exempt})
SELECT * FROM m WHERE pick = 1""",

    r.OUTPATIENT_IN_STAY: """
WITH m AS (
  SELECT l.mdtrt_id, l.setl_id, l.psn_no, '' AS feedetl_sn, l.amount, l.begndate, l.med_type,
    s.mdtrt_id AS stay_mdtrt_id, s.begndate AS stay_begndate, s.enddate AS stay_enddate,
    ROW_NUMBER() OVER (PARTITION BY l.mdtrt_id ORDER BY s.begn_day, s.mdtrt_id) AS pick
  FROM audit_visits l JOIN audit_visits s ON s.psn_no = l.psn_no AND s.mdtrt_id <> l.mdtrt_id
  WHERE {scope} AND NOT l.inpatient AND s.inpatient AND s.begn_day < l.begn_day
    AND (s.end_day IS NULL OR l.begn_day < s.end_day))
SELECT * FROM m WHERE pick = 1""",

    r.AFTER_DEATH: f"""
SELECT {LINE}, d.die_date FROM audit_lines l JOIN deaths d ON d.certno = l.certno
WHERE {{scope}} AND l.fee_date > d.die_date""",
}
assert set(RULE_SQL) == set(r.RULE_TYPES)

_SCENARIO_COLUMNS = dict(zip(SCENARIOS, ("sc_inpatient", "sc_outpatient", "sc_pharmacy", "sc_internet", "sc_remote"), strict=True))


def rule_sql(rule: Rule) -> str:
    """The query of one rule, its parameters and scenarios filled in."""
    scope = "(" + " OR ".join(f"l.{_SCENARIO_COLUMNS[s]}" for s in rule.scenarios) + ")"
    params = dict(rule.parameters)
    if rule.rule_type == r.OVER_PRICE:
        params["tolerance"] = format(params["tolerance"], "f")
    if rule.rule_type == r.SPLIT_ADMISSION:
        params["same_institution"] = "AND p.fixmedins_code = l.fixmedins_code" if params["same_institution"] else ""
        prefixes = params.pop("exempt_diag_prefixes")
        params["exempt"] = ("AND NOT (" + " OR ".join(f"l.main_diag LIKE '{p}%'" for p in prefixes) + ")") if prefixes else ""
    return RULE_SQL[rule.rule_type].format(scope=scope, **params)


# --- input conversion ---------------------------------------------------------------------

def _typed(value: Any, sql_type: str) -> Any:
    if value is None or (value == "" and sql_type != "STRING"):
        return None
    if sql_type == "STRING":
        return str(value)
    if sql_type == "INT":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("must be a whole number")
        return int(value)
    if sql_type == "DATE":
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return decimal_of(value)


def typed_rows(rows: Sequence[dict], schema: Sequence[tuple[str, str, bool]], what: str) -> list[tuple]:
    """Rows as tuples in schema order with engine-ready Python values (Decimal, date)."""
    result = []
    for number, row in enumerate(rows, start=1):
        values = []
        for column, sql_type, required in schema:
            if required and row.get(column) in (None, ""):
                raise BatchError(f"{what}: row {number}, column {column}: required value is missing")
            try:
                values.append(_typed(row.get(column), sql_type))
            except (ValueError, TypeError) as exc:
                raise BatchError(f"{what}: row {number}, column {column}: {exc}") from None
        result.append(tuple(values))
    return result


def knowledge_rows(package: RulePackage, deaths: dict[str, dt.date]) -> dict[str, list[tuple]]:
    kb = package.knowledge
    joined = lambda codes: ";".join(codes) or None  # noqa: E731
    return {
        "kb_restrictions": [
            (rid, k.hilist_code, k.insu_admdvs, k.begndate, k.enddate, k.gend, k.age_min, k.age_max, k.medins_lv_min,
             joined(k.med_types), joined(k.dise_codes), k.max_cnt_per_day, k.max_days)
            for rid, k in enumerate(kb.restrictions)],
        "kb_indications": [(rid, prefix) for rid, k in enumerate(kb.restrictions) for prefix in k.dise_codes],
        "kb_price_ceilings": [(k.hilist_code, k.insu_admdvs, k.begndate, k.enddate, k.hilist_pric_uplmt_amt)
                              for k in kb.price_ceilings],
        "kb_bundles": [(k.package_code, k.hilist_code, k.insu_admdvs, k.begndate, k.enddate) for k in kb.bundles],
        "kb_exclusive": [(k.hilist_code, k.excl_hilist_code, k.insu_admdvs, k.begndate, k.enddate)
                         for k in kb.exclusive_pairs],
        "kb_frequency": [(k.hilist_code, k.max_cnt, k.period_days, k.insu_admdvs, k.begndate, k.enddate)
                         for k in kb.frequency_limits],
        "deaths": sorted(deaths.items()),
    }


# --- engines ------------------------------------------------------------------------------

class DuckDBEngine:
    name = "duckdb"

    def __init__(self, connection: Any = None):
        import duckdb

        self.con = connection or duckdb.connect()
        try:
            self.con.execute("SELECT unix_date(DATE '1970-01-02')")
        except duckdb.Error:
            # Spark's day number, so one SQL text serves both engines.
            self.con.execute("CREATE TEMP MACRO unix_date(d) AS CAST(d - DATE '1970-01-01' AS INTEGER)")

    def claims_from_paths(self, paths: list[str]) -> None:
        files = ", ".join("'" + path.replace("'", "''") + "'" for path in paths)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW claims_raw AS SELECT * FROM read_parquet([{files}])")

    def create_table(self, name: str, schema: Sequence[tuple[str, str]], rows: list[tuple]) -> None:
        columns = ", ".join(f"{column} {_duck(sql_type)}" for column, sql_type in schema)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        if rows:
            # one list per column: DuckDB's executemany binds row by row, a hundred times slower
            unnests = ", ".join(f"CAST(unnest(?) AS {_duck(sql_type)})" for _, sql_type in schema)
            self.con.execute(f"INSERT INTO {name} SELECT {unnests}", [list(c) for c in zip(*rows, strict=True)])

    def register_parquet(self, name: str, directory: str | Path, partitioned: bool = True) -> None:
        """The Parquet files of a directory as a view; a hive-partitioned dataset's
        (month=…/region=…) partition columns stay strings."""
        if not partitioned:
            pattern = str(Path(directory, "*.parquet")).replace("'", "''")
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet('{pattern}')")
            return
        pattern = str(Path(directory, "**", "*.parquet")).replace("'", "''")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet('{pattern}', "
                         "hive_partitioning = true, hive_types = {'month': VARCHAR, 'region': VARCHAR})")

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def columns(self, name: str) -> list[str]:
        return [column[0] for column in self.con.execute(f"SELECT * FROM {name} LIMIT 0").description]

    def materialize(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def query(self, sql: str) -> list[dict]:
        cursor = self.con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.con.close()


def _duck(sql_type: str) -> str:
    return "VARCHAR" if sql_type == "STRING" else sql_type


def write_table_parquet(schema: Sequence[tuple[str, str]], rows: list[tuple], path: str | Path) -> None:
    """A small table (a rule package's knowledge) to one Parquet file with these SQL types."""
    engine = DuckDBEngine()
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine.create_table("table_out", schema, rows)
        engine.con.execute(f"COPY table_out TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
    finally:
        engine.close()


def write_claims_parquet(rows: Sequence[dict], path: str | Path) -> int:
    """Flat claim-line rows to a Parquet file with the table's column types; returns the count."""
    engine = DuckDBEngine()
    try:
        engine.create_table("claims_out", [(c, t) for c, t, _ in CLAIM_SCHEMA], typed_rows(rows, CLAIM_SCHEMA, "claims"))
        target = str(path).replace("'", "''")
        engine.con.execute(f"COPY claims_out TO '{target}' (FORMAT parquet)")
        return len(rows)
    finally:
        engine.close()


def _engine(name: str, spark: Any = None, workdir: str | Path | None = None):
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        from .audit_spark import SparkEngine

        return SparkEngine(spark, workdir)
    raise ValueError(f"engine must be duckdb or spark, got {name!r}")


def _load_claims(engine, claims: Any) -> None:
    if isinstance(claims, (str, Path)):
        claims = [claims]
    claims = list(claims)
    if claims and not isinstance(claims[0], dict):
        engine.claims_from_paths([str(path) for path in claims])
        present = set(engine.columns("claims_raw"))
        missing = [column for column, _, required in CLAIM_SCHEMA if required and column not in present]
        if missing:
            raise BatchError(f"claims: missing column(s) {', '.join(missing)}")
    else:
        schema = [(column, sql_type) for column, sql_type, _ in CLAIM_SCHEMA]
        engine.create_table("claims_raw", schema, typed_rows(claims, CLAIM_SCHEMA, "claims"))


def run_batch_audit(
    engine: str = "duckdb",
    claims: Any = (),
    package: RulePackage | None = None,
    deaths: dict[str, dt.date] | str | Path | None = None,
    *,
    stage: str = r.POST,
    progress: Callable[[BatchProgress], None] | None = None,
    spark: Any = None,
) -> list[Finding]:
    """Run the package's rules of ``stage`` over the flat claim lines.

    ``claims``: Parquet file path(s) (globs allowed) or a list of row dicts with the flat
    columns; ``deaths``: certno → die_date, or a deaths file (CSV/JSON). ``spark``: an
    existing SparkSession for engine="spark" (else one is created). Findings are sorted by
    (rule_id, mdtrt_id, feedetl_sn) and equal those of ``audit_claim`` on the same data.
    """
    if package is None:
        raise ValueError("a rule package is required")
    if stage not in r.STAGES:
        raise ValueError(f"stage must be one of {', '.join(r.STAGES)}")
    if isinstance(deaths, (str, Path)):
        deaths = load_deaths(deaths)
    rules = [rule for rule in package.rules if stage in rule.stages]
    runner = _engine(engine, spark)
    try:
        started = time.perf_counter()
        _load_claims(runner, claims)
        for name, rows in knowledge_rows(package, deaths or {}).items():
            runner.create_table(name, KB_SCHEMAS[name], rows)
        return _run_rules(runner, rules, started, progress)
    finally:
        runner.close()


def _run_rules(runner, rules: list[Rule], started: float, progress: Callable | None) -> list[Finding]:
    runner.materialize("audit_base", _base_sql(set(runner.columns("claims_raw"))))
    runner.materialize("audit_lines", LINES_SQL)
    runner.materialize("audit_visits", VISITS_SQL)
    if progress:
        progress(BatchProgress("prepare", "", 0, len(rules), time.perf_counter() - started, 0))
    findings: list[Finding] = []
    for done, rule in enumerate(rules, start=1):
        started = time.perf_counter()
        found = [finding(rule, row) for row in runner.query(rule_sql(rule))]
        findings += found
        if progress:
            progress(BatchProgress(rule.rule_id, rule.rule_type, done, len(rules), time.perf_counter() - started, len(found)))
    return sorted(findings, key=sort_key)


# --- over the exported Parquet files (yibao export; docs/batch.md) --------------------------

def exported_claims_sql(begin: dt.date, end: dt.date, region: str) -> str:
    """The claim lines of the settlements of [begin, end] treated in ``region`` (a city covers
    its districts) that no reversal names, as the database path reads them (app/audit.py).
    The month bounds prune partitions; the reversal may lie in any later month."""
    prefix = region.rstrip("0")
    if not prefix.isdigit():
        raise ValueError(f"region must be a region code, got {region!r}")
    return f"""
SELECT c.* FROM claim_lines_all c
LEFT JOIN (SELECT DISTINCT reverses_setl_id FROM settlements_all WHERE reverses_setl_id IS NOT NULL) r
  ON r.reverses_setl_id = c.setl_id
WHERE c.month BETWEEN '{begin:%Y-%m}' AND '{end:%Y-%m}' AND c.region LIKE '{prefix}%'
  AND CAST(c.setl_time AS DATE) BETWEEN DATE '{begin.isoformat()}' AND DATE '{end.isoformat()}'
  AND r.reverses_setl_id IS NULL"""


def run_exported_audit(
    engine: str, exported: str | Path, package: RulePackage, deaths_dir: str | Path, *, begin: dt.date,
    end: dt.date, region: str, stage: str = r.POST, spark: Any = None, workdir: str | Path | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
) -> list[Finding]:
    """The batch over ``yibao export`` output: claim-lines and settlements under ``exported``,
    the death registry as Parquet in ``deaths_dir``. On Spark every table is a DataFrame read
    from Parquet and each rule's findings are written to ``workdir`` as Parquet (no row of
    claims or deaths passes through the driver); the package's knowledge tables are written
    there as Parquet first. Same findings as ``run_batch_audit`` on the same lines."""
    rules = [rule for rule in package.rules if stage in rule.stages]
    runner = _engine(engine, spark, workdir)
    try:
        started = time.perf_counter()
        runner.register_parquet("claim_lines_all", Path(exported, "claim-lines"))
        runner.register_parquet("settlements_all", Path(exported, "settlements"))
        runner.view("claims_raw", exported_claims_sql(begin, end, region))
        for name, rows in knowledge_rows(package, {}).items():
            if name != "deaths":
                runner.create_table(name, KB_SCHEMAS[name], rows)
        runner.register_parquet("deaths", deaths_dir, partitioned=False)
        return _run_rules(runner, rules, started, progress)
    finally:
        runner.close()


def institutions_of(exported: str | Path, mdtrt_ids: set[str]) -> dict[str, str]:
    """The institution of each visit named, read from the exported claim lines."""
    if not mdtrt_ids:
        return {}
    engine = DuckDBEngine()
    try:
        engine.register_parquet("claim_lines_all", Path(exported, "claim-lines"))
        engine.con.execute("CREATE TEMP TABLE wanted AS SELECT unnest(?) AS mdtrt_id", [sorted(mdtrt_ids)])
        return dict(engine.con.execute("SELECT DISTINCT c.mdtrt_id, c.fixmedins_code FROM claim_lines_all c "
                                       "JOIN wanted w ON w.mdtrt_id = c.mdtrt_id").fetchall())
    finally:
        engine.close()
