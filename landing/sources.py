"""The layout of every landing source: where its files land, their columns, and the raw table.

This module is the one contract between the synthetic generator (which writes these
files), the ingestion (which parses them into the warehouse `raw` schema) and dbt
(whose `sources:` describe the raw tables). A real feed drops files of the same layout
into the same folders.

Conventions shared by every source, as Italian back-office exports deliver them:
UTF-8, `;` separator, one header row, decimal comma (`3,5`), dates `DD/MM/YYYY`,
empty field = missing value.

File identity: a file is named `<key>.csv` or, when re-delivered, `<key>__v<N>.csv`
(N >= 2). The newest version of a key replaces every row the earlier versions loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# column types: how a field is parsed and the DuckDB type it lands as
TEXT = "VARCHAR"
INT = "INTEGER"
DATE = "DATE"
KWH = "DECIMAL(18, 6)"  # energy and volume quantities
PRICE = "DECIMAL(18, 6)"  # unit prices
POWER = "DECIMAL(12, 3)"
COEFF = "DECIMAL(12, 6)"

QUARTER_HOUR_SLOTS = 100  # a local day has 92, 96 or 100 quarter hours; files carry 100 slots


def slot_segment_sql(slot: str) -> str:
    """The slot segment of a load-curve quarter hour: 1 day (slots 33-76, 08:00-19:00 on a
    96-slot day), 2 shoulder (29-32 and 77-92), 3 night (the rest); on any day every slot of a
    segment has one band. dbt's macro load_curve_slot_segment is the same expression, and the
    dbt test assert_interval_segments_match_quarter_hours holds the two together."""
    return (
        f"CASE WHEN {slot} BETWEEN 33 AND 76 THEN 1 WHEN {slot} BETWEEN 29 AND 92 THEN 2 ELSE 3 END"
    )


@dataclass(frozen=True)
class Column:
    name: str  # column in the raw table
    header: str  # label in the file's header row
    type: str = TEXT
    required: bool = True
    # SQL boolean over the parsed column, named `v`; a row failing it is quarantined
    check: str | None = None
    check_reason: str | None = None


@dataclass(frozen=True)
class Source:
    name: str  # also the raw table: raw.<name>
    folder: str  # under the landing folder; files may sit in sub-folders (per DSO)
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key of a row within one delivery
    # for wide load-curve files: the value columns are unpivoted into (slot, value)
    wide_values: tuple[str, int, str] | None = None  # (header prefix, count, type)
    depends_on: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        return f"raw.{self.name}"


POD_RE = re.compile(r"^IT\d{3}E\d{8}$")
PDR_RE = re.compile(r"^\d{14}$")

REGISTRY = "registry"
MARKET = "market"
METERING = "metering"
CUSTOMER = "customer"  # what customers declare themselves: self-readings, forecasts

SOURCES: tuple[Source, ...] = (
    Source(
        "companies",
        f"{REGISTRY}/companies",
        "Selling companies (one file for the installation).",
        (
            Column("company_id", "ID_AZIENDA"),
            Column("name", "RAGIONE_SOCIALE"),
            Column("vat_number", "PARTITA_IVA"),
            Column("tax_code", "CODICE_FISCALE"),
            Column("address", "INDIRIZZO"),
            Column("postcode", "CAP"),
            Column("city", "COMUNE"),
            Column("province", "PROVINCIA"),
            Column("iban", "IBAN"),
        ),
        key=("company_id",),
    ),
    Source(
        "customers",
        f"{REGISTRY}/customers",
        "Customers and the nodes above them (group, region, cost centre), one file per company.",
        (
            Column("customer_id", "ID_CLIENTE"),
            Column("company_id", "ID_AZIENDA"),
            Column("parent_customer_id", "ID_CLIENTE_PADRE", required=False),
            Column(
                "kind",
                "TIPO",
                check="v IN ('person','company','group','region','cost_centre')",
                check_reason="unknown customer kind",
            ),
            Column("first_name", "NOME", required=False),
            Column("last_name_or_company", "COGNOME_O_RAGIONE_SOCIALE"),
            Column("tax_code", "CODICE_FISCALE", required=False),
            Column("vat_number", "PARTITA_IVA", required=False),
            Column(
                "segment",
                "SEGMENTO",
                check="v IN ('domestic','business')",
                check_reason="unknown segment",
            ),
            Column("email", "EMAIL", required=False),
            Column("phone", "TELEFONO", required=False),
            Column("language", "LINGUA", check="v IN ('it','en')", check_reason="unknown language"),
            Column(
                "status",
                "STATO",
                check="v IN ('prospect','active','ceased')",
                check_reason="unknown status",
            ),
            Column("privacy_consent_date", "DATA_CONSENSO_PRIVACY", DATE, required=False),
            Column("marketing_consent_date", "DATA_CONSENSO_MARKETING", DATE, required=False),
        ),
        key=("customer_id",),
        depends_on=("companies",),
    ),
    Source(
        "billing_accounts",
        f"{REGISTRY}/billing_accounts",
        "How and where a customer is invoiced, one file per company.",
        (
            Column("billing_account_id", "ID_CONTO"),
            Column("company_id", "ID_AZIENDA"),
            Column("customer_id", "ID_CLIENTE"),
            Column("address", "INDIRIZZO"),
            Column("postcode", "CAP"),
            Column("city", "COMUNE"),
            Column("province", "PROVINCIA"),
            Column("sdi_code", "CODICE_SDI", required=False),
            Column("pec", "PEC", required=False),
            Column(
                "payment_method",
                "MODALITA_PAGAMENTO",
                check="v IN ('SDD','BANK_TRANSFER','POSTAL_SLIP')",
                check_reason="unknown payment method",
            ),
            Column("iban", "IBAN", required=False),
            Column(
                "billing_cycle",
                "CICLO",
                check="v IN ('monthly','bimonthly')",
                check_reason="unknown billing cycle",
            ),
            Column(
                "delivery",
                "RECAPITO",
                check="v IN ('email','post')",
                check_reason="unknown delivery channel",
            ),
            Column("email", "EMAIL", required=False),
            Column(
                "payment_days",
                "GIORNI_PAGAMENTO",
                INT,
                check="v BETWEEN 0 AND 120",
                check_reason="payment days out of range",
            ),
        ),
        key=("billing_account_id",),
        depends_on=("customers",),
    ),
    Source(
        "supply_points",
        f"{REGISTRY}/supply_points",
        "Technical registry of PODs and PDRs, one file per company.",
        (
            Column("supply_point_id", "POD_PDR"),
            Column("company_id", "ID_AZIENDA"),
            Column(
                "commodity",
                "COMMODITY",
                check="v IN ('ELE','GAS')",
                check_reason="unknown commodity",
            ),
            Column("billing_account_id", "ID_CONTO"),
            Column("dso_code", "DISTRIBUTORE"),
            Column("address", "INDIRIZZO"),
            Column("postcode", "CAP"),
            Column("city", "COMUNE"),
            Column("province", "PROVINCIA"),
            Column(
                "use",
                "USO",
                check="v IN ('domestic_resident','domestic_nonresident','non_domestic')",
                check_reason="unknown use",
            ),
            Column(
                "voltage",
                "TENSIONE",
                required=False,
                check="v IN ('LV','MV','HV')",
                check_reason="unknown voltage",
            ),
            Column(
                "power_kw",
                "POTENZA_IMPEGNATA_KW",
                POWER,
                required=False,
                check="v > 0 AND v <= 100000",
                check_reason="impossible committed power",
            ),
            Column(
                "meter_type",
                "TIPO_MISURATORE",
                check="v IN ('interval','register')",
                check_reason="unknown meter type",
            ),
            Column("meter_serial", "MATRICOLA"),
            Column(
                "meter_digits",
                "CIFRE_MISURATORE",
                INT,
                check="v BETWEEN 4 AND 9",
                check_reason="impossible number of meter digits",
            ),
            Column("gas_meter_class", "CLASSE_CONTATORE", required=False),
            Column(
                "annual_consumption",
                "CONSUMO_ANNUO",
                KWH,
                check="v >= 0",
                check_reason="negative annual consumption",
            ),
            Column("altitude_m", "ALTITUDINE_M", INT, required=False),
            Column(
                "climate_zone",
                "ZONA_CLIMATICA",
                required=False,
                check="v IN ('A','B','C','D','E','F')",
                check_reason="unknown climate zone",
            ),
            Column("valid_from", "DATA_INIZIO", DATE),
        ),
        key=("supply_point_id", "valid_from"),
        depends_on=("billing_accounts",),
    ),
    Source(
        "offers",
        f"{REGISTRY}/offers",
        "Commercial price lists, one file per company.",
        (
            Column("offer_id", "ID_OFFERTA"),
            Column("company_id", "ID_AZIENDA"),
            Column(
                "commodity",
                "COMMODITY",
                check="v IN ('ELE','GAS')",
                check_reason="unknown commodity",
            ),
            Column("name", "NOME"),
            Column(
                "kind", "TIPO", check="v IN ('fixed','indexed')", check_reason="unknown offer kind"
            ),
            Column("price_f1", "PREZZO_F1", PRICE, required=False),
            Column("price_f2", "PREZZO_F2", PRICE, required=False),
            Column("price_f3", "PREZZO_F3", PRICE, required=False),
            Column("price_single", "PREZZO_MONORARIO", PRICE, required=False),
            Column(
                "index_name",
                "INDICE",
                required=False,
                check="v IN ('PUN','PSV')",
                check_reason="unknown index",
            ),
            Column("spread", "SPREAD", PRICE, required=False),
            Column("fee_month", "QUOTA_FISSA_MESE", PRICE),
            Column("valid_from", "VALIDA_DAL", DATE),
            Column("valid_to", "VALIDA_AL", DATE, required=False),
        ),
        key=("offer_id",),
        depends_on=("companies",),
    ),
    Source(
        "contracts",
        f"{REGISTRY}/contracts",
        "Dated contract versions linking a supply point, a customer and an offer.",
        (
            Column("contract_id", "ID_CONTRATTO"),
            Column("version", "VERSIONE", INT, check="v >= 1", check_reason="bad version"),
            Column("company_id", "ID_AZIENDA"),
            Column("supply_point_id", "POD_PDR"),
            Column("customer_id", "ID_CLIENTE"),
            Column("billing_account_id", "ID_CONTO"),
            Column("offer_id", "ID_OFFERTA"),
            Column("start_date", "DATA_INIZIO", DATE),
            Column("end_date", "DATA_FINE", DATE, required=False),
            Column("signed_date", "DATA_FIRMA", DATE),
        ),
        key=("contract_id", "version"),
        depends_on=("supply_points", "offers"),
    ),
    Source(
        "pun_hourly",
        f"{MARKET}/pun",
        "GME PUN Index, €/MWh per local hour (25 hours on the autumn DST day), one file a month.",
        (
            Column("price_date", "DATA", DATE),
            Column(
                "hour", "ORA", INT, check="v BETWEEN 1 AND 25", check_reason="hour out of range"
            ),
            Column(
                "price_eur_mwh",
                "PUN",
                PRICE,
                check="v BETWEEN -500 AND 4000",
                check_reason="price out of the market's range",
            ),
        ),
        key=("price_date", "hour"),
    ),
    Source(
        "psv_daily",
        f"{MARKET}/psv",
        "PSV day-ahead gas price, €/MWh per gas day, one file a month.",
        (
            Column("price_date", "DATA", DATE),
            Column(
                "price_eur_mwh",
                "PSV",
                PRICE,
                check="v BETWEEN -100 AND 1000",
                check_reason="price out of the market's range",
            ),
        ),
        key=("price_date",),
    ),
    Source(
        "forward_curves",
        f"{MARKET}/forward",
        "Monthly forward prices per index as published on a trade date, one file a trade date.",
        (
            Column("trade_date", "DATA_QUOTAZIONE", DATE),
            Column(
                "index_name", "INDICE", check="v IN ('PUN','PSV')", check_reason="unknown index"
            ),
            Column("delivery_month", "MESE_CONSEGNA", DATE),
            Column(
                "price_eur_mwh",
                "PREZZO",
                PRICE,
                check="v BETWEEN -500 AND 4000",
                check_reason="price out of the market's range",
            ),
        ),
        key=("trade_date", "index_name", "delivery_month"),
    ),
    Source(
        "ele_interval_readings",
        f"{METERING}/ele_interval",
        "Electricity load curves from the DSO: one row per POD and local day, kWh per quarter "
        "hour in slots E001..E100 (92, 96 or 100 used); one file per DSO and month.",
        (
            Column(
                "pod",
                "POD",
                check="regexp_full_match(v, 'IT[0-9]{3}E[0-9]{8}')",
                check_reason="malformed POD code",
            ),
            Column("reading_date", "DATA", DATE),
        ),
        key=("pod", "reading_date"),
        wide_values=("E", QUARTER_HOUR_SLOTS, KWH),
        depends_on=("supply_points",),
    ),
    Source(
        "ele_register_readings",
        f"{METERING}/ele_register",
        "Electricity register readings (cumulative kWh per band) from the DSO, one file per "
        "DSO and month.",
        (
            Column(
                "pod",
                "POD",
                check="regexp_full_match(v, 'IT[0-9]{3}E[0-9]{8}')",
                check_reason="malformed POD code",
            ),
            Column("reading_date", "DATA_LETTURA", DATE),
            Column("meter_serial", "MATRICOLA"),
            Column(
                "reading_kind",
                "TIPO_LETTURA",
                check="v IN ('actual','estimate')",
                check_reason="unknown reading kind",
            ),
            Column(
                "reading_f1", "LETTURA_F1", KWH, check="v >= 0", check_reason="negative reading"
            ),
            Column(
                "reading_f2", "LETTURA_F2", KWH, check="v >= 0", check_reason="negative reading"
            ),
            Column(
                "reading_f3", "LETTURA_F3", KWH, check="v >= 0", check_reason="negative reading"
            ),
        ),
        key=("pod", "reading_date", "meter_serial"),
        depends_on=("supply_points",),
    ),
    Source(
        "gas_register_readings",
        f"{METERING}/gas_register",
        "Gas meter readings in m³ from the DSO, one file per DSO and month.",
        (
            Column(
                "pdr",
                "PDR",
                check="regexp_full_match(v, '[0-9]{14}')",
                check_reason="malformed PDR code",
            ),
            Column("reading_date", "DATA_LETTURA", DATE),
            Column("meter_serial", "MATRICOLA"),
            Column(
                "reading_kind",
                "TIPO_LETTURA",
                check="v IN ('actual','estimate')",
                check_reason="unknown reading kind",
            ),
            Column(
                "reading_m3", "LETTURA_M3", KWH, check="v >= 0", check_reason="negative reading"
            ),
        ),
        key=("pdr", "reading_date", "meter_serial"),
        depends_on=("supply_points",),
    ),
    Source(
        "self_readings",
        f"{CUSTOMER}/self_readings",
        "Customer self-readings (autoletture) of register meters as received on a channel: "
        "cumulative kWh per band (electricity) or m³ (gas); one file per company and month.",
        (
            Column("supply_point_id", "POD_PDR"),
            Column("reading_date", "DATA_LETTURA", DATE),
            Column("meter_serial", "MATRICOLA", required=False),
            Column(
                "channel",
                "CANALE",
                check="v IN ('web','app','phone','email','branch','post')",
                check_reason="unknown channel",
            ),
            Column(
                "reading_f1",
                "LETTURA_F1",
                KWH,
                required=False,
                check="v >= 0",
                check_reason="negative reading",
            ),
            Column(
                "reading_f2",
                "LETTURA_F2",
                KWH,
                required=False,
                check="v >= 0",
                check_reason="negative reading",
            ),
            Column(
                "reading_f3",
                "LETTURA_F3",
                KWH,
                required=False,
                check="v >= 0",
                check_reason="negative reading",
            ),
            Column(
                "reading_m3",
                "LETTURA_M3",
                KWH,
                required=False,
                check="v >= 0",
                check_reason="negative reading",
            ),
        ),
        key=("supply_point_id", "reading_date"),
        depends_on=("supply_points",),
    ),
    Source(
        "consumption_forecasts",
        f"{CUSTOMER}/consumption_forecasts",
        "Consumption the customer declares for future months (impegni di prelievo), per supply "
        "point, month and band: kWh per F1/F2/F3 or ALL (electricity), Smc in ALL (gas); one "
        "file per company and upload.",
        (
            Column("supply_point_id", "POD_PDR"),
            Column(
                "month",
                "MESE",
                DATE,
                check="extract(day FROM v) = 1",
                check_reason="month must be its first day",
            ),
            Column(
                "band",
                "FASCIA",
                check="v IN ('F1','F2','F3','ALL')",
                check_reason="unknown band",
            ),
            Column(
                "quantity",
                "QUANTITA",
                KWH,
                check="v >= 0",
                check_reason="negative forecast",
            ),
            Column("declared_on", "DATA_DICHIARAZIONE", DATE),
        ),
        key=("supply_point_id", "month", "band"),
        depends_on=("supply_points",),
    ),
)

SOURCES_BY_NAME = {s.name: s for s in SOURCES}

# metering and customer rows must name a supply point the registry knows
SUPPLY_POINT_COLUMN = {
    "ele_interval_readings": "pod",
    "ele_register_readings": "pod",
    "gas_register_readings": "pdr",
    "self_readings": "supply_point_id",
    "consumption_forecasts": "supply_point_id",
}

_VERSION_RE = re.compile(r"^(?P<key>.+?)(?:__v(?P<version>\d+))?$")


def file_identity(path: Path) -> tuple[str, int]:
    """(key, version) of a landing file: `DSO001_202503__v2.csv` -> ('DSO001_202503', 2)."""
    m = _VERSION_RE.match(path.stem)
    assert m is not None
    return m["key"], int(m["version"] or 1)


def header_line(source: Source) -> str:
    labels = [c.header for c in source.columns]
    if source.wide_values:
        prefix, count, _ = source.wide_values
        labels += [f"{prefix}{i:03d}" for i in range(1, count + 1)]
    return ";".join(labels)
