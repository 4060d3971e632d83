"""The warehouse `raw` schema as docs/contracts.md §1 defines it, and a small hand-written sample.

`create_raw_schema(con)` creates every raw table dbt reads: one per landing source of
`landing/sources.py` (its columns and types, the interval load curve stored long) plus the
lineage columns, and ingestion's bookkeeping tables. `insert_sample(con)` adds a few rows whose
outcomes the dbt tests know by heart (see the SAMPLE_* constants). Other test suites may reuse
both to stand in for ingestion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from landing.loader import interval_segments_sql, mark_redelivered_days
from landing.sources import SOURCES, Source

Columns = tuple[tuple[str, str], ...]

LINEAGE_COLUMNS: Columns = (
    ("_file", "VARCHAR"),
    ("_file_key", "VARCHAR"),
    ("_line", "INTEGER"),
    ("_loaded_at", "TIMESTAMP WITH TIME ZONE"),
)

# a wide load-curve file lands long: one row per present (slot, value)
LONG_VALUE_COLUMNS = {"ele_interval_readings": (("slot", "SMALLINT"), ("kwh", "DECIMAL(18, 6)"))}

# ingestion's own tables; contracts.md names their columns, the types here are our reading of it
BOOKKEEPING_TABLES: dict[str, Columns] = {
    "quarantine": (
        ("source", "VARCHAR"),
        ("_file", "VARCHAR"),
        ("_file_key", "VARCHAR"),
        ("_line", "INTEGER"),
        ("raw_line", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("_loaded_at", "TIMESTAMP WITH TIME ZONE"),
    ),
    "landing_files": (
        ("source", "VARCHAR"),
        ("_file", "VARCHAR"),
        ("_file_key", "VARCHAR"),
        ("version", "INTEGER"),
        ("sha256", "VARCHAR"),
        ("size_bytes", "BIGINT"),
        ("lines_in", "INTEGER"),
        ("lines_loaded", "INTEGER"),
        ("rows_loaded", "BIGINT"),
        ("lines_quarantined", "INTEGER"),
        ("status", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("_loaded_at", "TIMESTAMP WITH TIME ZONE"),
    ),
    "public_holidays": (("holiday_date", "DATE"), ("name", "VARCHAR")),
}

# what ingestion derives from a landing source as it loads it
DERIVED_TABLES: dict[str, Columns] = {
    "ele_interval_segments": (
        ("pod", "VARCHAR"),
        ("reading_date", "DATE"),
        ("slot_segment", "SMALLINT"),
        ("kwh", "DECIMAL(18, 6)"),
        ("interval_count", "SMALLINT"),
        ("peak_kwh", "DECIMAL(18, 6)"),
        ("redelivered", "BOOLEAN"),
        *LINEAGE_COLUMNS,
    ),
}


def source_columns(source: Source) -> Columns:
    """The raw table's columns of one landing source: its spec columns, long values, lineage."""
    columns = tuple((c.name, c.type) for c in source.columns)
    if source.wide_values:
        columns += LONG_VALUE_COLUMNS[source.name]
    return columns + LINEAGE_COLUMNS


def raw_tables() -> dict[str, Columns]:
    """Every raw table dbt reads, name -> ((column, type), ...)."""
    return {s.name: source_columns(s) for s in SOURCES} | BOOKKEEPING_TABLES | DERIVED_TABLES


def raw_ddl() -> list[str]:
    ddl = ["create schema if not exists raw"]
    for table, columns in raw_tables().items():
        body = ",\n    ".join(f"{name} {type_}" for name, type_ in columns)
        ddl.append(f"create or replace table raw.{table} (\n    {body}\n)")
    return ddl


def create_raw_schema(con: Any) -> None:
    """Create the raw schema on a DuckDB connection (replacing tables that exist)."""
    for statement in raw_ddl():
        con.execute(statement)


# --- the sample -------------------------------------------------------------------------------

LOADED_AT = dt.datetime(2025, 4, 2, 6, 0, tzinfo=dt.UTC)

INTERVAL_POD = "IT001E00000001"  # interval meter, C01's domestic customer
REGISTER_POD = "IT001E00000002"  # register meter, a business customer
GAS_PDR = "00000000000003"
UNKNOWN_POD = "IT001E99999999"  # sends a curve but is not in the registry

# Italian national holidays of 2025 (what the `holidays` package gives ingestion)
HOLIDAYS_2025 = {
    dt.date(2025, 1, 1): "Capodanno",
    dt.date(2025, 1, 6): "Epifania del Signore",
    dt.date(2025, 4, 20): "Pasqua di Resurrezione",
    dt.date(2025, 4, 21): "Lunedì dell'Angelo",
    dt.date(2025, 4, 25): "Festa della Liberazione",
    dt.date(2025, 5, 1): "Festa dei Lavoratori",
    dt.date(2025, 6, 2): "Festa della Repubblica",
    dt.date(2025, 8, 15): "Assunzione della Vergine",
    dt.date(2025, 11, 1): "Tutti i Santi",
    dt.date(2025, 12, 8): "Immacolata Concezione",
    dt.date(2025, 12, 25): "Natale",
    dt.date(2025, 12, 26): "Santo Stefano",
}

# the interval POD sends 0.25 kWh every quarter hour of these days (DST day: 92 slots) ...
SAMPLE_CURVE_KWH = Decimal("0.25")
SAMPLE_CURVE_DAYS = {dt.date(2025, 3, 28): 96, dt.date(2025, 3, 29): 96, dt.date(2025, 3, 30): 92}
# ... so March 2025 is, per band: Friday 28 (11 h F1, 5 h F2, 8 h F3), Saturday 29 (16 h F2,
# 8 h F3), Sunday 30 (23 h F3: the DST day)
SAMPLE_MARCH_BAND_KWH = {"F1": Decimal("11"), "F2": Decimal("21"), "F3": Decimal("39")}
SAMPLE_MARCH_BAND_INTERVALS = {"F1": 44, "F2": 84, "F3": 156}
# and 0.1 kWh in each of the 100 quarter hours of Sunday 26 October 2025
SAMPLE_AUTUMN_DAY = dt.date(2025, 10, 26)

# register POD: Feb F1 100, F2 60, F3 100; March F1 150, F3 100, and F2 goes down (555 < 560):
# excluded and flagged, never negative
SAMPLE_REGISTER_CONSUMPTION = {
    (dt.date(2025, 2, 1), "F1"): Decimal("100"),
    (dt.date(2025, 2, 1), "F2"): Decimal("60"),
    (dt.date(2025, 2, 1), "F3"): Decimal("100"),
    (dt.date(2025, 3, 1), "F1"): Decimal("150"),
    (dt.date(2025, 3, 1), "F3"): Decimal("100"),
}
SAMPLE_GAS_CONSUMPTION = {
    (dt.date(2025, 2, 1), "ALL"): Decimal("80.5"),
    (dt.date(2025, 3, 1), "ALL"): Decimal("69.5"),
    (dt.date(2025, 4, 1), "ALL"): Decimal("70"),
}

# Billing determinants (rpt_billing_determinants). The gas PDR's 31 March reading is the DSO's
# estimate: March is billed as an estimate, and the actual reading of 30 April trues it up.
# The register POD's 31 March reading is implausible (F2 goes down): March is estimated from
# the customer's forecast.
SAMPLE_REGISTER_FORECAST = {"F1": Decimal("120"), "F2": Decimal("70"), "F3": Decimal("110")}
# a 5-digit gas meter: 99,900 m3 on 31 January, 30 on 28 February (a roll-over: 130 m3), an
# accepted self-reading of 140 on 30 March and 200 on 30 April
ROLLOVER_PDR = "00000000000004"
ROLLOVER_READINGS = {
    dt.date(2025, 1, 31): Decimal("99900"),
    dt.date(2025, 2, 28): Decimal("30"),
    dt.date(2025, 4, 30): Decimal("200"),
}
ROLLOVER_SELF_READING = (dt.date(2025, 3, 30), Decimal("140"))
# a register POD whose meter M5 is replaced by M6 on 14 February (closing and opening readings
# that day), and whose offer changes on 16 March (contract version 2)
REPLACED_POD = "IT001E00000005"
REPLACEMENT_DAY = dt.date(2025, 2, 14)
REPLACED_READINGS = (  # (day, meter, F1, F2, F3)
    (dt.date(2025, 1, 31), "M5", Decimal("1000"), Decimal("500"), Decimal("800")),
    (REPLACEMENT_DAY, "M5", Decimal("1040"), Decimal("520"), Decimal("830")),
    (REPLACEMENT_DAY, "M6", Decimal("0"), Decimal("0"), Decimal("0")),
    (dt.date(2025, 2, 28), "M6", Decimal("50"), Decimal("25"), Decimal("40")),
    (dt.date(2025, 3, 31), "M6", Decimal("150"), Decimal("75"), Decimal("120")),
)
OFFER_CHANGE_DAY = dt.date(2025, 3, 16)
# self-readings and the verdict fct_self_readings_validated must give them
SELF_READINGS = (  # (point, day, declared meter, F1, F2, F3, m3, status, words of the reason)
    (REGISTER_POD, dt.date(2025, 2, 14), None, Decimal("1050"), Decimal("530"), Decimal("850"),
     None, "accepted", None),
    (REGISTER_POD, dt.date(2025, 3, 10), None, Decimal("900"), Decimal("570"), Decimal("910"),
     None, "rejected", "below the previous actual reading"),
    (REGISTER_POD, dt.date(2025, 3, 20), "X9", Decimal("1200"), Decimal("580"), Decimal("950"),
     None, "rejected", "is not the meter in place"),
    (GAS_PDR, dt.date(2025, 2, 28), None, None, None, None, Decimal("181"),
     "superseded", "actual reading of the same day"),
    (GAS_PDR, dt.date(2025, 3, 15), None, None, None, None, Decimal("5000"),
     "rejected", "expected from history"),
    (ROLLOVER_PDR, ROLLOVER_SELF_READING[0], "R4", None, None, None, ROLLOVER_SELF_READING[1],
     "accepted", None),
    (INTERVAL_POD, dt.date(2025, 3, 12), None, Decimal("10"), Decimal("10"), Decimal("10"),
     None, "rejected", "interval meter"),
)  # fmt: skip


D = dt.date
N = Decimal


def _rows(columns: str, *values: tuple) -> list[dict[str, Any]]:
    """Rows written as a table: the column names once, then one tuple per row."""
    names = columns.split()
    assert all(len(v) == len(names) for v in values), columns
    return [dict(zip(names, v, strict=True)) for v in values]


def _insert(con: Any, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    names = list(rows[0])
    con.executemany(
        f"insert into raw.{table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
        [[row[n] for n in names] for row in rows],
    )


def _file_key(path: str) -> str:
    return path.rsplit("/", 1)[1].removesuffix(".csv").split("__v")[0]


def _from_file(
    path: str, rows: Iterable[Mapping[str, Any]], loaded_at: dt.datetime = LOADED_AT
) -> list[dict[str, Any]]:
    """Add lineage to rows read from one landing file (line 1 is the header).

    A row that already names its `_line` keeps it: the quarter hours of one load-curve line
    (a POD's day) share their line, as ingestion stores them.
    """
    source = next(s.name for s in SOURCES if path.startswith(f"{s.folder}/"))
    lineage = {"_file": path, "_file_key": f"{source}/{_file_key(path)}", "_loaded_at": loaded_at}
    return [{"_line": line, **row, **lineage} for line, row in enumerate(rows, start=2)]


def _landing_file(
    source: str, path: str, version: int, rows: int, loaded_at: dt.datetime = LOADED_AT
) -> dict[str, Any]:
    """The raw.landing_files row of a file ingestion loaded whole."""
    return {
        "source": source,
        "_file": path,
        "_file_key": f"{source}/{_file_key(path)}",
        "version": version,
        "sha256": hashlib.sha256(path.encode()).hexdigest(),
        "size_bytes": 100 * rows,
        "lines_in": rows,
        "lines_loaded": rows,
        "rows_loaded": rows,
        "lines_quarantined": 0,
        "status": "loaded",
        "reason": None,
        "_loaded_at": loaded_at,
    }


def _curve(
    pod: str, day: dt.date, slots: Iterable[int], kwh: Decimal, line: int = 2
) -> list[dict[str, Any]]:
    """The long rows of one load-curve line: a POD's day, in line `line` of its file."""
    return [{"pod": pod, "reading_date": day, "slot": s, "kwh": kwh, "_line": line} for s in slots]


# fmt: off
def insert_sample(con: Any) -> None:
    """A company, three customers, five supply points, their readings and 2025's holidays."""
    _insert(con, "public_holidays",
            [{"holiday_date": d, "name": n} for d, n in HOLIDAYS_2025.items()])

    _insert(con, "companies", _from_file("registry/companies/COMPANIES.csv", _rows(
        "company_id name vat_number tax_code address postcode city province iban",
        ("C01", "Energia Nord S.r.l.", "01234567897", "01234567897", "Via Roma 1", "20121",
         "Milano", "MI", "IT60X0542811101000000123456"),
    )))
    _insert(con, "customers", _from_file("registry/customers/C01.csv", _rows(
        "customer_id company_id parent_customer_id kind first_name last_name_or_company "
        "tax_code vat_number segment email phone language status "
        "privacy_consent_date marketing_consent_date",
        ("G01", "C01", None, "group", None, "Gruppo Rossi",
         None, None, "business", None, None, "it", "active", None, None),
        ("CU1", "C01", "G01", "person", "Mario", "Rossi",
         "RSSMRA80A01F205X", None, "domestic", "mario.rossi@example.com", None, "it", "active",
         D(2024, 1, 2), None),
        ("CU2", "C01", "G01", "company", None, "Bianchi S.p.A.",
         None, "09876543217", "business", None, None, "en", "active", None, None),
    )))
    _insert(con, "billing_accounts", _from_file("registry/billing_accounts/C01.csv", _rows(
        "billing_account_id company_id customer_id address postcode city province sdi_code pec "
        "payment_method iban billing_cycle delivery email payment_days",
        ("BA1", "C01", "CU1", "Via Verdi 2", "20122", "Milano", "MI", None, None,
         "SDD", "IT60X0542811101000000123456", "monthly", "email", "mario.rossi@example.com", 20),
        ("BA2", "C01", "CU2", "Via Verdi 4", "20122", "Milano", "MI", "ABC1234", None,
         "BANK_TRANSFER", None, "bimonthly", "post", None, 30),
    )))
    _insert(con, "supply_points", _from_file("registry/supply_points/C01.csv", _rows(
        "supply_point_id valid_from company_id commodity billing_account_id dso_code address "
        "postcode city province use voltage power_kw meter_type meter_serial meter_digits "
        "gas_meter_class annual_consumption altitude_m climate_zone",
        # two versions: the committed power went up in February 2025
        (INTERVAL_POD, D(2024, 1, 1), "C01", "ELE", "BA1", "DSO001", "Via Verdi 2",
         "20122", "Milano", "MI", "domestic_resident", "LV", N("3"), "interval", "M1", 6,
         None, N("2700"), None, None),
        (INTERVAL_POD, D(2025, 2, 1), "C01", "ELE", "BA1", "DSO001", "Via Verdi 2",
         "20122", "Milano", "MI", "domestic_resident", "LV", N("4.5"), "interval", "M1", 6,
         None, N("2700"), None, None),
        (REGISTER_POD, D(2024, 1, 1), "C01", "ELE", "BA2", "DSO001", "Via Verdi 4",
         "20122", "Milano", "MI", "non_domestic", "MV", N("50"), "register", "M2", 7,
         None, N("120000"), None, None),
        (GAS_PDR, D(2024, 1, 1), "C01", "GAS", "BA2", "DSO002", "Via Verdi 4",
         "20122", "Milano", "MI", "non_domestic", None, None, "register", "G3", 5,
         "G4", N("1500"), 120, "E"),
    )))
    _insert(con, "offers", _from_file("registry/offers/C01.csv", _rows(
        "offer_id company_id commodity name kind price_f1 price_f2 price_f3 price_single "
        "index_name spread fee_month valid_from valid_to",
        ("O-ELE-FIX", "C01", "ELE", "Luce Fissa", "fixed", N("0.15"), N("0.13"), N("0.11"), None,
         None, None, N("10"), D(2024, 1, 1), D(2025, 12, 31)),
        ("O-ELE-PUN", "C01", "ELE", "Luce Indicizzata", "indexed", None, None, None, None,
         "PUN", N("0.012"), N("8"), D(2024, 1, 1), None),
        ("O-GAS-FIX", "C01", "GAS", "Gas Fisso", "fixed", None, None, None, N("0.95"),
         None, None, N("9"), D(2024, 1, 1), None),
    )))
    _insert(con, "contracts", _from_file("registry/contracts/C01.csv", _rows(
        "contract_id version company_id supply_point_id customer_id billing_account_id offer_id "
        "start_date end_date signed_date",
        # a change of offer is a second version of the contract
        ("K1", 1, "C01", INTERVAL_POD, "CU1", "BA1", "O-ELE-FIX",
         D(2024, 1, 1), None, D(2023, 12, 1)),
        ("K1", 2, "C01", INTERVAL_POD, "CU1", "BA1", "O-ELE-PUN",
         D(2025, 2, 1), None, D(2025, 1, 10)),
        ("K2", 1, "C01", REGISTER_POD, "CU2", "BA2", "O-ELE-PUN",
         D(2024, 6, 1), None, D(2024, 5, 2)),
        ("K3", 1, "C01", GAS_PDR, "CU2", "BA2", "O-GAS-FIX",
         D(2024, 6, 1), None, D(2024, 5, 2)),
    )))

    _insert(con, "pun_hourly", _from_file("market/pun/PUN_202503.csv", _rows(
        "price_date hour price_eur_mwh",
        *((D(2025, 3, 30), hour, N("110.5")) for hour in range(1, 24)),  # 23 hours: DST day
    )))
    _insert(con, "psv_daily", _from_file("market/psv/PSV_202503.csv", _rows(
        "price_date price_eur_mwh",
        (D(2025, 3, 28), N("41.2")),
    )))
    _insert(con, "forward_curves", _from_file("market/forward/FWD_20250315.csv", _rows(
        "trade_date index_name delivery_month price_eur_mwh",
        (D(2025, 3, 15), "PUN", D(2025, 4, 1), N("105")),
        (D(2025, 3, 15), "PSV", D(2025, 4, 1), N("40")),
    )))

    _insert_interval_sample(con)
    _insert_register_sample(con)
    _insert_determinant_sample(con)
# fmt: on


def _insert_interval_sample(con: Any) -> None:
    folder = "metering/ele_interval/DSO001"
    march_v2, march_v1 = f"{folder}/DSO001_202503__v2.csv", f"{folder}/DSO001_202503.csv"
    april, october = f"{folder}/DSO001_202504.csv", f"{folder}/DSO001_202510.csv"
    earlier, later = LOADED_AT - dt.timedelta(days=1), LOADED_AT + dt.timedelta(hours=1)

    # a day twice in one file: the later line wins
    first_of_pair = _curve(INTERVAL_POD, D(2025, 3, 30), [10], N("5"), line=2)
    march = [
        row
        for line, (day, slots) in enumerate(SAMPLE_CURVE_DAYS.items(), start=3)
        for row in _curve(INTERVAL_POD, day, range(1, slots + 1), SAMPLE_CURVE_KWH, line)
    ]
    unknown = _curve(UNKNOWN_POD, D(2025, 3, 28), range(1, 97), N("1"), line=6)
    march_rows = first_of_pair + march + unknown
    _insert(con, "ele_interval_readings", _from_file(march_v2, march_rows))
    # a stale row of the older version of the same key, loaded after it: the newest version wins
    stale = _curve(INTERVAL_POD, D(2025, 3, 29), [50], N("7"))
    _insert(con, "ele_interval_readings", _from_file(march_v1, stale, later))
    # the same quarter hour in another key's file loaded a day earlier: the latest load wins
    resent = _curve(INTERVAL_POD, D(2025, 3, 28), [40], N("9"))
    _insert(con, "ele_interval_readings", _from_file(april, resent, earlier))
    autumn = _curve(INTERVAL_POD, SAMPLE_AUTUMN_DAY, range(1, 101), N("0.1"))
    _insert(con, "ele_interval_readings", _from_file(october, autumn))
    # as ingestion does: the segment sums of every delivered line
    con.execute(
        f"insert into raw.ele_interval_segments "
        f"{interval_segments_sql('raw.ele_interval_readings')}"
    )
    mark_redelivered_days(con)

    source = "ele_interval_readings"
    # a load-curve line becomes a row per slot: lines_in counts lines, rows_loaded rows
    _insert(con, "landing_files", [
        {**_landing_file(source, march_v2, 2, len(march_rows)), "lines_in": 5, "lines_loaded": 5},
        {**_landing_file(source, march_v1, 1, 1, later), "status": "superseded"},
        _landing_file(source, april, 1, 1, earlier),
        {**_landing_file(source, october, 1, 100), "lines_in": 2, "lines_loaded": 1,
         "lines_quarantined": 1},
    ])  # fmt: skip
    _insert(con, "quarantine", [{
        "source": source, "_file": october, "_file_key": f"{source}/DSO001_202510",
        "_line": 3, "raw_line": "IT001E0000000X;26/10/2025;0,1", "reason": "malformed POD code",
        "_loaded_at": LOADED_AT,
    }])  # fmt: skip


def _insert_register_sample(con: Any) -> None:
    ele = "metering/ele_register/DSO001/DSO001_202503.csv"
    gas = "metering/gas_register/DSO002/DSO002_202503.csv"
    ele_rows = _rows(
        "pod meter_serial reading_kind reading_date reading_f1 reading_f2 reading_f3",
        (REGISTER_POD, "M2", "actual", D(2025, 1, 31), N("1000"), N("500"), N("800")),
        (REGISTER_POD, "M2", "actual", D(2025, 2, 28), N("1100"), N("560"), N("900")),
        (REGISTER_POD, "M2", "actual", D(2025, 3, 31), N("1250"), N("555"), N("1000")),
    )
    gas_rows = _rows(
        "pdr meter_serial reading_kind reading_date reading_m3",
        (GAS_PDR, "G3", "actual", D(2025, 1, 31), N("100")),
        (GAS_PDR, "G3", "actual", D(2025, 2, 28), N("180.5")),
        (GAS_PDR, "G3", "estimate", D(2025, 3, 31), N("250")),
    )
    gas_april = "metering/gas_register/DSO002/DSO002_202504.csv"
    gas_april_rows = _rows(
        "pdr meter_serial reading_kind reading_date reading_m3",
        (GAS_PDR, "G3", "actual", D(2025, 4, 30), N("320")),
    )
    _insert(con, "ele_register_readings", _from_file(ele, ele_rows))
    _insert(con, "gas_register_readings", _from_file(gas, gas_rows))
    _insert(con, "gas_register_readings", _from_file(gas_april, gas_april_rows))
    _insert(con, "landing_files", [
        _landing_file("ele_register_readings", ele, 1, len(ele_rows)),
        _landing_file("gas_register_readings", gas, 1, len(gas_rows)),
        _landing_file("gas_register_readings", gas_april, 1, len(gas_april_rows)),
    ])  # fmt: skip


# fmt: off
def _insert_determinant_sample(con: Any) -> None:
    """Two more register points (a roll-over, a replacement), self-readings and forecasts."""
    _insert(con, "supply_points", _from_file("registry/supply_points/C01__v2.csv", _rows(
        "supply_point_id valid_from company_id commodity billing_account_id dso_code address "
        "postcode city province use voltage power_kw meter_type meter_serial meter_digits "
        "gas_meter_class annual_consumption altitude_m climate_zone",
        (ROLLOVER_PDR, D(2024, 1, 1), "C01", "GAS", "BA2", "DSO002", "Via Verdi 6",
         "20122", "Milano", "MI", "non_domestic", None, None, "register", "R4", 5,
         "G6", N("1400"), 300, "F"),
        (REPLACED_POD, D(2024, 1, 1), "C01", "ELE", "BA2", "DSO001", "Via Verdi 6",
         "20122", "Milano", "MI", "non_domestic", "LV", N("30"), "register", "M5", 6,
         None, N("12000"), None, None),
        (REPLACED_POD, REPLACEMENT_DAY, "C01", "ELE", "BA2", "DSO001", "Via Verdi 6",
         "20122", "Milano", "MI", "non_domestic", "LV", N("30"), "register", "M6", 6,
         None, N("12000"), None, None),
    )))
    _insert(con, "contracts", _from_file("registry/contracts/C01__v2.csv", _rows(
        "contract_id version company_id supply_point_id customer_id billing_account_id offer_id "
        "start_date end_date signed_date",
        ("K4", 1, "C01", ROLLOVER_PDR, "CU2", "BA2", "O-GAS-FIX",
         D(2024, 6, 1), None, D(2024, 5, 2)),
        ("K5", 1, "C01", REPLACED_POD, "CU2", "BA2", "O-ELE-FIX",
         D(2024, 6, 1), None, D(2024, 5, 2)),
        ("K5", 2, "C01", REPLACED_POD, "CU2", "BA2", "O-ELE-PUN",
         OFFER_CHANGE_DAY, None, D(2025, 3, 1)),
    )))

    ele = "metering/ele_register/DSO001/DSO001_202504.csv"
    gas = "metering/gas_register/DSO002/DSO002_202505.csv"
    ele_rows = _rows(
        "pod meter_serial reading_kind reading_date reading_f1 reading_f2 reading_f3",
        *((REPLACED_POD, meter, "actual", day, f1, f2, f3)
          for day, meter, f1, f2, f3 in REPLACED_READINGS),
    )
    gas_rows = _rows(
        "pdr meter_serial reading_kind reading_date reading_m3",
        *((ROLLOVER_PDR, "R4", "actual", day, m3) for day, m3 in ROLLOVER_READINGS.items()),
    )
    _insert(con, "ele_register_readings", _from_file(ele, ele_rows))
    _insert(con, "gas_register_readings", _from_file(gas, gas_rows))

    self_readings = "customer/self_readings/C01_202503.csv"
    self_rows = _rows(
        "supply_point_id reading_date meter_serial channel reading_f1 reading_f2 reading_f3 "
        "reading_m3",
        *((point, day, meter, "web", f1, f2, f3, m3)
          for point, day, meter, f1, f2, f3, m3, _, _ in SELF_READINGS),
    )
    _insert(con, "self_readings", _from_file(self_readings, self_rows))

    forecasts = "customer/consumption_forecasts/C01.csv"
    forecast_rows = _rows(
        "supply_point_id month band quantity declared_on",
        *((REGISTER_POD, D(2025, 3, 1), band, quantity, D(2025, 1, 20))
          for band, quantity in SAMPLE_REGISTER_FORECAST.items()),
        # a forecast for one band only covers nothing of the others
        (REPLACED_POD, D(2025, 3, 1), "F1", N("1"), D(2025, 1, 20)),
    )
    _insert(con, "consumption_forecasts", _from_file(forecasts, forecast_rows))
    _insert(con, "landing_files", [
        _landing_file("ele_register_readings", ele, 1, len(ele_rows)),
        _landing_file("gas_register_readings", gas, 1, len(gas_rows)),
        _landing_file("self_readings", self_readings, 1, len(self_rows)),
        _landing_file("consumption_forecasts", forecasts, 1, len(forecast_rows)),
    ])
# fmt: on
