"""Simulation (IN1): the full run without issuing, and a pre-invoice workbook per account in the
customer's language whose figures are the invoice's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from invoicing_fixtures import (
    Account,
    MeteredPoint,
    add_accounts,
    add_points,
    add_true_up,
    load_reference_seeds,
    new_warehouse,
    set_consumption,
    write_lots,
)

import invoicing
from invoicing.i18n import LANGUAGES, LOCALE_DIR
from invoicing.lots import load_lots
from invoicing.preinvoice import COMPONENTS, GROUPS, TOTAL_NAMES
from invoicing.runs import simulate_lot
from rating.rules import COMPONENT_GROUPS

D = Decimal
JANUARY, FEBRUARY = date(2025, 1, 1), date(2025, 2, 1)
ITALIAN, ENGLISH = Account("BA01", language="it"), Account("BA02", language="en")
POINTS = [
    MeteredPoint("IT001E00000001", ITALIAN),
    MeteredPoint("IT001E00000002", ITALIAN, power_kw=D(6)),
    MeteredPoint("IT001E00000003", ENGLISH, use="domestic_nonresident"),
]
USAGE = {"F1": D("95.5"), "F2": D("80.25"), "F3": D("140")}
LOTS = "lots:\n  - id: all-domestic\n    segment: domestic\n"


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    connection = new_warehouse(tmp_path / "warehouse.duckdb")
    load_reference_seeds(connection)
    add_accounts(connection, [ITALIAN, ENGLISH])
    add_points(connection, POINTS)
    for point in POINTS:
        set_consumption(connection, point, JANUARY, USAGE, provenance="estimate")
        set_consumption(connection, point, FEBRUARY, USAGE)
    yield connection
    connection.close()


def cells(path: Path) -> tuple[openpyxl.Workbook, list[list]]:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    return workbook, [[cell.value for cell in row] for row in sheet.iter_rows()]


def named(workbook: openpyxl.Workbook, name: str) -> Decimal:
    ((sheet, reference),) = workbook.defined_names[name].destinations
    value = workbook[sheet][reference.replace("$", "")].value
    return D(str(value)).quantize(D("0.01"))


def test_simulation_writes_a_checked_pre_invoice_per_account_and_issues_nothing(
    warehouse, store, tmp_path
) -> None:
    (lot,) = load_lots(write_lots(tmp_path / "lots.yaml", LOTS))
    out = tmp_path / "out"
    result, paths = simulate_lot(warehouse, store, JANUARY, lot, out)
    assert [p.name for p in paths] == ["BA01-202501.xlsx", "BA02-202501.xlsx"]
    assert result.rating.kinds == {"acconto": 2}
    assert warehouse.execute(
        "SELECT count(*) FROM billing.invoices WHERE status = 'issued' OR number IS NOT NULL"
    ).fetchone() == (0,)

    for path in paths:
        invoice_id = path.stem
        taxable, vat_total, total = warehouse.execute(
            "SELECT taxable, vat_total, total FROM billing.invoices WHERE invoice_id = ?",
            [invoice_id],
        ).fetchone()
        workbook, rows = cells(path)
        assert [named(workbook, name) for name in TOTAL_NAMES] == [taxable, vat_total, total]
        # the lines in the workbook add up to the taxable, and with their VAT to the total
        heading = next(
            i for i, row in enumerate(rows) if row[0] in ("Supply point", "Punto di fornitura")
        )
        lines = []
        for row in rows[heading + 1 :]:
            if row[0] is None:
                break
            lines.append(row)
        db_lines = warehouse.execute(
            "SELECT count(*), sum(amount) FROM billing.invoice_lines WHERE invoice_id = ?",
            [invoice_id],
        ).fetchone()
        assert len(lines) == db_lines[0]
        assert sum(D(str(row[7])).quantize(D("0.01")) for row in lines) == db_lines[1] == taxable
        vat_rows = warehouse.execute(
            "SELECT vat_rate, taxable, vat FROM billing.invoice_vat WHERE invoice_id = ?",
            [invoice_id],
        ).fetchall()
        assert sum(vat for _, _, vat in vat_rows) == vat_total
        assert taxable + vat_total == total


def test_labels_and_formats_follow_the_customers_language(warehouse, store, tmp_path) -> None:
    (lot,) = load_lots(write_lots(tmp_path / "lots.yaml", LOTS))
    _, paths = simulate_lot(warehouse, store, FEBRUARY, lot, tmp_path / "out")
    italian, english = (cells(path) for path in paths)
    assert italian[1][0][0] == "Prefattura: non valida ai fini fiscali"
    assert english[1][0][0] == "Pre-invoice: not valid for tax purposes"
    italian_labels = {row[0]: row[1] for row in italian[1] if row[0]}
    assert italian_labels["Stato"] == "Verificata"
    assert italian_labels["Periodo dal"].date() == FEBRUARY
    assert {row[2] for row in italian[1]} >= {"Energia", "Dispacciamento", "Accise"}
    assert {row[2] for row in english[1]} >= {"Energy", "Dispatching", "Excise"}
    total_cell = italian[0].worksheets[0][
        italian[0].defined_names["total"].attr_text.split("!")[1].replace("$", "")
    ]
    assert total_cell.number_format == '#,##0.00 "€"'
    total_cell = english[0].worksheets[0][
        english[0].defined_names["total"].attr_text.split("!")[1].replace("$", "")
    ]
    assert total_cell.number_format == '"€"#,##0.00'


def test_a_true_up_is_simulated_and_shown_line_by_line(warehouse, store, tmp_path) -> None:
    (lot,) = load_lots(write_lots(tmp_path / "lots.yaml", LOTS))
    simulate_lot(warehouse, store, JANUARY, lot, tmp_path / "out")
    # January's actual readings arrive with February: its bill restates January
    actual = {band: quantity + 10 for band, quantity in USAGE.items()}
    add_true_up(warehouse, POINTS[0], FEBRUARY, JANUARY, actual)
    result, paths = simulate_lot(warehouse, store, FEBRUARY, lot, tmp_path / "out")
    assert result.rating.kinds == {"conguaglio": 1, "regular": 1}
    workbook, rows = cells(paths[0])
    true_up_rows = [row for row in rows if row[10] == "Sì"]
    true_up_lines = warehouse.execute(
        "SELECT count(*), sum(amount) FROM billing.invoice_lines"
        " WHERE invoice_id = 'BA01-202502' AND is_true_up"
    ).fetchone()
    assert len(true_up_rows) == true_up_lines[0] > 0
    assert sum(D(str(row[7])).quantize(D("0.01")) for row in true_up_rows) == true_up_lines[1]
    assert (
        named(workbook, "total")
        == warehouse.execute(
            "SELECT total FROM billing.invoices WHERE invoice_id = 'BA01-202502'"
        ).fetchone()[0]
    )


def test_every_rated_component_and_group_has_a_label() -> None:
    assert set(COMPONENT_GROUPS) <= set(COMPONENTS)
    assert set(COMPONENT_GROUPS.values()) | {"other"} <= set(GROUPS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_in_the_code_is_translated(language: str) -> None:
    used = {
        message
        for _f, _l, message, _c, _x in extract_from_dir(
            Path(invoicing.__file__).parent,
            method_map=[("**.py", "python")],
            keywords={"_": (2,), "N_": None},
        )
    }
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    translated = {m.id: m for m in catalogue if m.id}
    assert used, "no label found in the code"
    for message in used:
        entry = translated.get(message)
        assert entry is not None and entry.string and not entry.fuzzy, message
