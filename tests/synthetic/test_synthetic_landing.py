"""The synthetic generator: deterministic, in the contract's layouts, valid ids, known defects."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from schwifty import IBAN
from stdnum.it import codicefiscale, iva

from landing.sources import (
    KWH,
    PDR_RE,
    POD_RE,
    SOURCES,
    SOURCES_BY_NAME,
    Source,
    file_identity,
    header_line,
)
from synthetic import Summary, generate
from synthetic.__main__ import main
from synthetic.defects import INTERVAL_KINDS

SMALL = {"companies": 2, "customers": 24, "months": 2, "start": "2025-03"}
INTERVAL = SOURCES_BY_NAME["ele_interval_readings"]
FIXED = len(INTERVAL.columns)  # POD and date come before the 100 slots


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> tuple[Path, Summary]:
    out = tmp_path_factory.mktemp("defective")
    return out, generate(out, seed=3, defect_rate=0.05, **SMALL)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, Summary]:
    out = tmp_path_factory.mktemp("clean")
    return out, generate(out, seed=3, defect_rate=0, **SMALL)


def source_of(relative: Path) -> Source:
    return next(s for s in SOURCES if relative.as_posix().startswith(s.folder + "/"))


def contents(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.csv"))}


def lines(path: Path) -> list[list[str]]:
    """Data lines split on `;`, the header dropped."""
    return [line.split(";") for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def rows(out: Path, folder: str) -> list[list[str]]:
    return [fields for path in sorted((out / folder).rglob("*.csv")) for fields in lines(path)]


def records(out: Path, name: str) -> list[dict[str, str]]:
    source = SOURCES_BY_NAME[name]
    names = [c.name for c in source.columns]
    return [dict(zip(names, f, strict=True)) for f in rows(out, source.folder)]


def italian(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def kwh(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def caps(out: Path) -> dict[str, Decimal]:
    """kWh a quarter hour can hold at each POD's committed power."""
    return {
        r["supply_point_id"]: kwh(r["power_kw"]) / 4
        for r in records(out, "supply_points")
        if r["power_kw"]
    }


# ---- determinism ------------------------------------------------------------------------


def test_same_arguments_give_identical_bytes(defective, tmp_path):
    out, _ = defective
    generate(tmp_path, seed=3, defect_rate=0.05, **SMALL)
    assert contents(tmp_path) == contents(out)


def test_another_seed_gives_other_data(defective, tmp_path):
    out, _ = defective
    generate(tmp_path, seed=4, defect_rate=0.05, **SMALL)
    first, second = contents(out), contents(tmp_path)
    assert first["registry/customers/C01.csv"] != second["registry/customers/C01.csv"]
    assert first["market/pun/PUN_202503.csv"] != second["market/pun/PUN_202503.csv"]


def test_a_folder_of_other_files_is_not_overwritten(tmp_path):
    foreign = tmp_path / "registry" / "companies" / "real_feed.csv"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("x\n")
    with pytest.raises(FileExistsError):
        generate(tmp_path, seed=1, companies=1, customers=3, months=1, defect_rate=0)
    generate(tmp_path, seed=1, companies=1, customers=3, months=1, defect_rate=0, overwrite=True)
    assert not foreign.exists()
    # a folder the generator wrote is replaced without asking, so demos can re-run
    generate(tmp_path, seed=2, companies=1, customers=3, months=1, defect_rate=0)


# ---- the contract's layouts -------------------------------------------------------------


def test_every_file_has_its_sources_header_and_name(defective):
    out, summary = defective
    files = sorted(p.relative_to(out) for p in out.rglob("*.csv"))
    assert {source_of(p).name for p in files} == {s.name for s in SOURCES}
    assert sorted(summary.files) == [p.as_posix() for p in files]
    for path in files:
        source = source_of(path)
        assert (out / path).read_text(encoding="utf-8").split("\n", 1)[0] == header_line(source)
        if source.folder.startswith("metering/"):
            dso = path.parent.name
            assert re.fullmatch(r"DSO\d{3}", dso)
            assert re.fullmatch(rf"{dso}_2025\d\d(__v\d+)?\.csv", path.name)
    market = {p.name for p in files if p.parts[0] == "market"}
    assert {"PUN_202503.csv", "PSV_202504.csv", "FWD_20250314.csv", "FWD_20250415.csv"} <= market


def test_clean_lines_have_the_contracts_field_count(clean):
    out, _ = clean
    for source in SOURCES:
        width = len(header_line(source).split(";"))
        assert all(len(f) == width for f in rows(out, source.folder)), source.name


def test_tax_codes_vat_numbers_and_ibans_validate(clean):
    out, _ = clean
    customers = records(out, "customers")
    people = [c for c in customers if c["kind"] == "person"]
    assert people and all(codicefiscale.is_valid(c["tax_code"]) for c in people)
    vat_numbers = [c["vat_number"] for c in customers if c["vat_number"]]
    vat_numbers += [c["vat_number"] for c in records(out, "companies")]
    assert len(vat_numbers) > 5 and all(iva.is_valid(v) for v in vat_numbers)
    ibans = [a["iban"] for a in records(out, "billing_accounts") if a["iban"]]
    ibans += [c["iban"] for c in records(out, "companies")]
    for code in ibans:
        IBAN(code, validate_bban=True)  # raises on a bad check digit or national CIN
    accounts = records(out, "billing_accounts")
    business = {c["customer_id"] for c in customers if c["segment"] == "business"}
    assert all(len(a["sdi_code"]) == 7 for a in accounts if a["customer_id"] in business)
    assert all(a["sdi_code"] == "" for a in accounts if a["customer_id"] not in business)


def test_supply_point_codes_match_the_contract(clean):
    out, _ = clean
    points = records(out, "supply_points")
    for p in points:
        pattern = POD_RE if p["commodity"] == "ELE" else PDR_RE
        assert pattern.match(p["supply_point_id"]), p
        if p["commodity"] == "ELE":
            assert p["dso_code"] == f"DSO{p['supply_point_id'][2:5]}"
    for f in rows(out, "metering/ele_interval") + rows(out, "metering/ele_register"):
        assert POD_RE.match(f[0])
    assert all(PDR_RE.match(f[0]) for f in rows(out, "metering/gas_register"))


def test_companies_commodities_and_a_customer_hierarchy(clean):
    out, _ = clean
    assert len(records(out, "companies")) >= 2
    points = records(out, "supply_points")
    assert {p["commodity"] for p in points} == {"ELE", "GAS"}
    assert {p["meter_type"] for p in points if p["commodity"] == "ELE"} == {"interval", "register"}
    customers = {c["customer_id"]: c for c in records(out, "customers")}
    assert {"person", "company", "group", "region", "cost_centre"} <= {
        c["kind"] for c in customers.values()
    }
    # a business customer three levels down: cost centre -> region -> group
    chains = []
    for c in customers.values():
        chain = [c["kind"]]
        while c["parent_customer_id"]:
            c = customers[c["parent_customer_id"]]
            chain.append(c["kind"])
        chains.append(chain)
    assert ["company", "cost_centre", "region", "group"] in chains or [
        "person",
        "cost_centre",
        "region",
        "group",
    ] in chains
    offers = records(out, "offers")
    assert {(o["commodity"], o["kind"]) for o in offers} == {
        ("ELE", "fixed"),
        ("ELE", "indexed"),
        ("GAS", "fixed"),
        ("GAS", "indexed"),
    }
    versions = Counter(c["contract_id"] for c in records(out, "contracts"))
    assert 2 in versions.values()


# ---- metering ---------------------------------------------------------------------------


def test_daylight_saving_days_have_92_and_100_quarter_hours(clean, tmp_path):
    out, _ = clean
    autumn = tmp_path / "autumn"
    generate(autumn, seed=1, companies=1, customers=6, months=1, start="2025-10", defect_rate=0)
    for folder, special, slots, hours in (
        (out, "30/03/2025", 92, 23),
        (autumn, "26/10/2025", 100, 25),
    ):
        used = {(f[1], sum(v != "" for v in f[FIXED:])) for f in rows(folder, INTERVAL.folder)}
        assert {n for day, n in used if day == special} == {slots}
        assert {n for day, n in used if day != special} == {96}
        # values fill the first slots of the day, the rest of the 100 stay empty
        assert all(
            all(f[FIXED : FIXED + slots]) and not any(f[FIXED + slots :])
            for f in rows(folder, INTERVAL.folder)
            if f[1] == special
        )
        pun = Counter(f[0] for f in rows(folder, "market/pun"))
        assert pun[special] == hours and set(pun.values()) == {24, hours}


def test_clean_curves_stay_under_the_power_cap(clean):
    out, summary = clean
    cap = caps(out)
    curves = rows(out, INTERVAL.folder)
    assert curves
    for f in curves:
        values = [kwh(v) for v in f[FIXED:] if v]
        assert min(values) >= 0 and max(values) <= cap[f[0]], f[:2]
    assert len({(f[0], f[1]) for f in curves}) == len(curves)  # no duplicate POD and day
    assert summary.defects.defects == [] and summary.redeliveries == []
    assert not [p for p in out.rglob("*__v*.csv")]


def test_curves_follow_the_customer_class(clean):
    out, _ = clean
    segment = {p["supply_point_id"]: p["use"] for p in records(out, "supply_points")}
    evening, night = Decimal(0), Decimal(0)
    for f in rows(out, INTERVAL.folder):
        if segment[f[0]] == "domestic_resident" and f[1] != "30/03/2025":
            evening += sum(kwh(v) for v in f[FIXED + 76 : FIXED + 88])  # 19:00-22:00
            night += sum(kwh(v) for v in f[FIXED + 12 : FIXED + 24])  # 03:00-06:00
    assert evening > 2 * night


def test_registers_only_go_back_on_a_rollover(clean):
    out, summary = clean
    rollovers = summary.events["register_rollovers"]
    assert {r["register"] for r in rollovers} >= {"reading_f1", "reading_m3"}
    wrapped = {(r["supply_point_id"], r["reading_date"]) for r in rollovers}
    kinds = set()
    for name in ("ele_register_readings", "gas_register_readings"):
        source = SOURCES_BY_NAME[name]
        registers = [c.name for c in source.columns if c.type == KWH]
        by_meter: dict[str, list[tuple[date, str, list[int]]]] = {}
        for r in records(out, name):
            point = r[source.columns[0].name]
            by_meter.setdefault(r["meter_serial"], []).append(
                (italian(r["reading_date"]), point, [int(r[k]) for k in registers])
            )
            kinds.add(r["reading_kind"])
        for readings in by_meter.values():
            readings.sort()
            for (_, _, before), (day, point, after) in pairwise(readings):
                if (point, day.isoformat()) not in wrapped:
                    assert all(a >= b for a, b in zip(after, before, strict=True)), point
    assert kinds == {"actual", "estimate"}


def test_a_meter_replacement_is_in_registry_and_readings(clean):
    out, summary = clean
    [change] = summary.events["meter_replacements"]
    versions = [
        p
        for p in records(out, "supply_points")
        if p["supply_point_id"] == change["supply_point_id"]
    ]
    assert [v["meter_serial"] for v in versions] == [
        change["old_meter_serial"],
        change["new_meter_serial"],
    ]
    day = f"{date.fromisoformat(change['day']):%d/%m/%Y}"
    assert versions[1]["valid_from"] == day
    on_the_day = [
        r
        for r in records(out, "gas_register_readings")
        if r["pdr"] == change["supply_point_id"] and r["reading_date"] == day
    ]
    assert {r["meter_serial"] for r in on_the_day} == {
        change["old_meter_serial"],
        change["new_meter_serial"],
    }
    opening = next(r for r in on_the_day if r["meter_serial"] == change["new_meter_serial"])
    assert int(opening["reading_m3"]) < 10


def test_self_readings_are_of_register_meters_some_implausible(clean):
    out, summary = clean
    points = {p["supply_point_id"]: p for p in records(out, "supply_points")}
    sent = records(out, "self_readings")
    events = summary.events["self_readings"]
    assert len(sent) == len(events) > 0
    assert {e["flaw"] for e in events} == {"", "below_previous_actual", "far_above_history"}
    for r in sent:
        point = points[r["supply_point_id"]]
        assert point["meter_type"] == "register" or point["commodity"] == "GAS"
        bands = [r["reading_f1"], r["reading_f2"], r["reading_f3"]]
        if point["commodity"] == "ELE":
            assert all(bands) and r["reading_m3"] == ""
        else:
            assert not any(bands) and r["reading_m3"]
        assert r["meter_serial"] in ("", point["meter_serial"])
    # a right self-reading lies between the DSO's actual readings around it
    actual = {
        (r["pdr"], italian(r["reading_date"])): int(r["reading_m3"])
        for r in records(out, "gas_register_readings")
        if r["reading_kind"] == "actual"
    }
    flaws = {(e["supply_point_id"], e["reading_date"]): e["flaw"] for e in events}
    checked = 0
    for r in sent:
        day = italian(r["reading_date"])
        if r["reading_m3"] and not flaws[(r["supply_point_id"], day.isoformat())]:
            before = [v for (p, d), v in actual.items() if p == r["supply_point_id"] and d < day]
            after = [v for (p, d), v in actual.items() if p == r["supply_point_id"] and d > day]
            if before and after:
                assert before[-1] <= int(r["reading_m3"]) <= after[0]
                checked += 1
    assert checked


def test_forecasts_cover_the_period_per_band(clean):
    out, _ = clean
    points = {p["supply_point_id"]: p for p in records(out, "supply_points")}
    rows_ = records(out, "consumption_forecasts")
    assert rows_
    months = {italian(r["month"]) for r in rows_}
    assert {date(2025, 3, 1), date(2025, 4, 1)} <= months
    assert all(m.day == 1 for m in months)
    for r in rows_:
        expected = (
            {"ALL"} if points[r["supply_point_id"]]["commodity"] == "GAS" else {"F1", "F2", "F3"}
        )
        assert r["band"] in expected and int(r["quantity"]) >= 0
    assert any(points[r["supply_point_id"]]["meter_type"] == "register" for r in rows_)


# ---- defects ----------------------------------------------------------------------------


def test_every_defect_kind_is_injected_and_logged_where_it_is(defective):
    out, summary = defective
    log = summary.defects
    assert set(log.by_kind()) == set(INTERVAL_KINDS)
    cap = caps(out)
    known = {p["supply_point_id"] for p in records(out, "supply_points")}
    for d in log.defects:
        path = out / d.file
        text = path.read_text(encoding="utf-8").splitlines()
        fields = text[d.line - 1].split(";")
        width = len(text[0].split(";"))
        if d.kind == "wrong_field_count":
            assert len(fields) != width
            continue
        assert len(fields) == width, d
        if d.kind == "duplicate":
            assert text[d.line - 1] == text[d.line - 2]
        elif d.kind == "unknown_supply_point":
            assert fields[0] == d.supply_point_id and fields[0] not in known
        elif d.kind == "bad_date":
            with pytest.raises(ValueError):
                datetime.strptime(fields[1], "%d/%m/%Y")
        elif d.kind == "negative":
            assert any(v.startswith("-") for v in fields[2:])
        elif d.kind == "bad_number":
            assert any(v and not re.fullmatch(r"-?\d+(,\d+)?", v) for v in fields[2:])
        elif d.kind == "impossible":
            assert max(kwh(v) for v in fields[FIXED:] if v) > cap[fields[0]] * Decimal("1.1")
        elif d.kind == "gap":
            used = 92 if fields[1] == "30/03/2025" else 96
            assert "" in fields[FIXED : FIXED + used]


def test_the_defect_share_follows_the_rate(defective):
    out, summary = defective
    curve_lines = sum(n for f, n in summary.files.items() if f.startswith(INTERVAL.folder))
    logged = sum(n for k, n in summary.defects.by_kind().items())
    assert 0.02 * curve_lines < logged < 0.1 * curve_lines
    assert summary.to_dict()["defects"]["by_file"]


def test_a_late_redelivery_completes_and_corrects_a_first_file(defective):
    out, summary = defective
    assert summary.redeliveries
    for r in summary.redeliveries:
        first, second = out / r.superseded, out / r.file
        assert file_identity(first) == (r.key, 1) and file_identity(second) == (r.key, 2)
        assert first.parent == second.parent
        assert r.rows > r.superseded_rows
        assert r.superseded in summary.defects.superseded_files
        assert r.file not in summary.defects.by_file()
        kept = {";".join(f) for f in lines(second)}
        damaged = {d.line for d in summary.defects.defects if d.file == r.superseded}
        clean_first = {";".join(f) for n, f in enumerate(lines(first), start=2) if n not in damaged}
        assert clean_first <= kept


# ---- benchmark mode and command line ----------------------------------------------------


def test_interval_points_writes_load_curves_and_the_least_registry(tmp_path):
    summary = generate(
        tmp_path, seed=1, interval_points=40, months=1, start="2025-02", defect_rate=0
    )
    by_source = summary.lines_by_source()
    assert set(by_source) == {
        INTERVAL.name,
        "companies",
        "customers",
        "billing_accounts",
        "supply_points",
        "offers",
        "contracts",
    }
    assert by_source[INTERVAL.name] == 40 * 28
    points = records(tmp_path, "supply_points")
    curve_pods = {f[0] for f in rows(tmp_path, INTERVAL.folder)}
    assert {p["supply_point_id"] for p in points} == curve_pods and len(points) == 40
    assert {p["meter_type"] for p in points} == {"interval"}
    contracts = records(tmp_path, "contracts")
    assert sorted(c["supply_point_id"] for c in contracts) == sorted(curve_pods)


def test_command_line(tmp_path, capsys):
    assert (
        main(
            [
                "--out",
                str(tmp_path),
                "--seed",
                "2",
                "--companies",
                "1",
                "--customers",
                "5",
                "--months",
                "1",
                "--defect-rate",
                "0.02",
                "--summary-json",
                str(tmp_path / "summary.json"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert printed.startswith("wrote ") and "defects:" in printed
    assert '"by_kind"' in (tmp_path / "summary.json").read_text()
