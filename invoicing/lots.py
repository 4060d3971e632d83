"""Billing lots: subsets of billing accounts by company, cycle and segment, read from lots.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import yaml

LOTS_FILE = Path(__file__).with_name("lots.yaml")
ANY = "*"
BILLING_CYCLES = {"monthly": 1, "bimonthly": 2}
SEGMENTS = ("domestic", "business")
# a lot id is a Dagster partition key and part of file names
LOT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# the temp table a run's accounts are materialised into, read by the rating engine
LOT_ACCOUNTS_TABLE = "invoicing_lot_accounts"


class LotConfigError(ValueError):
    """lots.yaml is not usable; the message names the lot and the field."""


@dataclass(frozen=True)
class Lot:
    """A billing lot: the accounts of a company, billing cycle and segment (`*` for any)."""

    id: str
    company_id: str = ANY
    billing_cycle: str = ANY
    segment: str = ANY
    schedule: str = "0 5 2 * *"
    auto_approve: bool = False

    def overlaps(self, other: Lot) -> bool:
        return all(
            ANY in (mine, theirs) or mine == theirs
            for mine, theirs in (
                (self.company_id, other.company_id),
                (self.billing_cycle, other.billing_cycle),
                (self.segment, other.segment),
            )
        )

    @property
    def months_per_run(self) -> int:
        """How many months one scheduled run bills: the months of the cycle that just ended."""
        return BILLING_CYCLES.get(self.billing_cycle, 1)

    def months_to_bill(self, run_day: date) -> list[date]:
        """The months a run on `run_day` bills, oldest first (first days of the months)."""
        first = run_day.replace(day=1)
        months = []
        for back in range(self.months_per_run, 0, -1):
            index = first.year * 12 + first.month - 1 - back
            months.append(date(index // 12, index % 12 + 1, 1))
        return months


def load_lots(path: Path | str | None = None) -> list[Lot]:
    """The lots of `path` (default invoicing/lots.yaml), checked: valid fields, no overlap."""
    path = Path(path) if path else LOTS_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise LotConfigError(f"{path}: cannot read the lots ({error})") from error
    entries = document.get("lots")
    if not isinstance(entries, list) or not entries:
        raise LotConfigError(f"{path}: 'lots' must be a non-empty list")
    lots = [_lot(entry, position) for position, entry in enumerate(entries, start=1)]
    seen: dict[str, Lot] = {}
    for lot in lots:
        if lot.id in seen:
            raise LotConfigError(f"lot {lot.id}: id used twice")
        for other in seen.values():
            if lot.overlaps(other):
                raise LotConfigError(f"lot {lot.id}: overlaps lot {other.id}")
        seen[lot.id] = lot
    return lots


def _lot(entry: object, position: int) -> Lot:
    if not isinstance(entry, dict):
        raise LotConfigError(f"lot #{position}: must be a mapping")
    known = set(Lot.__dataclass_fields__)
    unknown = set(entry) - known
    if unknown:
        raise LotConfigError(f"lot #{position}: unknown field {sorted(unknown)[0]}")
    lot_id = entry.get("id")
    if not isinstance(lot_id, str) or not LOT_ID.match(lot_id):
        raise LotConfigError(f"lot #{position}: id must be letters, digits, '-' or '_'")
    values = {key: entry[key] for key in known if key in entry}
    for key in ("company_id", "billing_cycle", "segment", "schedule"):
        if key in values and not isinstance(values[key], str):
            raise LotConfigError(f"lot {lot_id}: {key} must be text")
    if values.get("billing_cycle", ANY) not in (*BILLING_CYCLES, ANY):
        raise LotConfigError(f"lot {lot_id}: billing_cycle must be one of {sorted(BILLING_CYCLES)}")
    if values.get("segment", ANY) not in (*SEGMENTS, ANY):
        raise LotConfigError(f"lot {lot_id}: segment must be one of {list(SEGMENTS)}")
    if len(values.get("schedule", "0 5 2 * *").split()) != 5:
        raise LotConfigError(f"lot {lot_id}: schedule must be a five-field cron expression")
    if not isinstance(values.get("auto_approve", False), bool):
        raise LotConfigError(f"lot {lot_id}: auto_approve must be true or false")
    return Lot(**values)


def find_lot(lot_id: str, lots: list[Lot] | None = None) -> Lot:
    for lot in lots if lots is not None else load_lots():
        if lot.id == lot_id:
            return lot
    raise LotConfigError(f"lot {lot_id}: not in the lots file")


# The registry's billing accounts with their customer's segment. From marts, not reports: no
# report of docs/contracts.md carries the billing cycle or the segment.
ACCOUNTS = """
SELECT account.billing_account_id, account.company_id, account.billing_cycle, customer.segment
FROM marts.dim_billing_account AS account
LEFT JOIN marts.dim_customer AS customer USING (customer_id)
"""

IN_LOT = """
WHERE ($company_id = '*' OR company_id = $company_id)
    AND ($billing_cycle = '*' OR billing_cycle = $billing_cycle)
    AND ($segment = '*' OR segment = $segment)
"""


def materialise_lot(
    connection: duckdb.DuckDBPyConnection, lot: Lot, table: str = LOT_ACCOUNTS_TABLE
) -> str:
    """Write the lot's billing accounts into temp table `table` (one column,
    billing_account_id) for the rating engine's `accounts_table`, and return its name."""
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS"
        f" SELECT billing_account_id FROM ({ACCOUNTS}) {IN_LOT}",
        {"company_id": lot.company_id, "billing_cycle": lot.billing_cycle, "segment": lot.segment},
    )
    return table


def lot_of_accounts(
    connection: duckdb.DuckDBPyConnection, lots: list[Lot]
) -> dict[str, str | None]:
    """Each billing account's lot id (None: in no lot, so never billed by a scheduled run)."""
    accounts = connection.execute(
        f"SELECT billing_account_id, company_id, billing_cycle, segment FROM ({ACCOUNTS})"
    ).fetchall()
    found: dict[str, str | None] = {}
    for account_id, company_id, cycle, segment in accounts:
        probe = Lot("probe", company_id or "", cycle or "", segment or "")
        found[account_id] = next((lot.id for lot in lots if lot.overlaps(probe)), None)
    return found
