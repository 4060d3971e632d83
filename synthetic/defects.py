"""Defects injected into metering files, and the log that tells tests where each one is."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from synthetic.formats import decimal_comma

GAP = "gap"
DUPLICATE = "duplicate"
NEGATIVE = "negative"
IMPOSSIBLE = "impossible"
WRONG_FIELD_COUNT = "wrong_field_count"
BAD_NUMBER = "bad_number"
BAD_DATE = "bad_date"
UNKNOWN_SUPPLY_POINT = "unknown_supply_point"

INTERVAL_KINDS = (
    GAP,
    DUPLICATE,
    NEGATIVE,
    IMPOSSIBLE,
    WRONG_FIELD_COUNT,
    BAD_NUMBER,
    BAD_DATE,
    UNKNOWN_SUPPLY_POINT,
)
# a register reading has no quarter hours to leave empty and no power cap to exceed
REGISTER_KINDS = (
    DUPLICATE,
    NEGATIVE,
    WRONG_FIELD_COUNT,
    BAD_NUMBER,
    BAD_DATE,
    UNKNOWN_SUPPLY_POINT,
)

# what back-office exports put where a number should be
_NOT_NUMBERS = ("n.d.", "12,3,4", "1.234,5", "#VALORE!")
ID, DATE = 0, 1  # positions of the supply point and the date in every metering line


@dataclass(frozen=True)
class Defect:
    file: str  # relative to the landing folder
    line: int  # 1-based, the header being line 1
    kind: str
    supply_point_id: str
    reading_date: str  # as written in the clean line, DD/MM/YYYY
    detail: str


@dataclass
class DefectLog:
    defects: list[Defect] = field(default_factory=list)
    superseded_files: set[str] = field(default_factory=set)  # a __v2 replaces them

    def add(
        self, file: str, line: int, kind: str, supply_point_id: str, reading_date: str, detail: str
    ) -> None:
        self.defects.append(Defect(file, line, kind, supply_point_id, reading_date, detail))

    def by_kind(self, *, include_superseded: bool = True) -> dict[str, int]:
        counts = Counter(
            d.kind
            for d in self.defects
            if include_superseded or d.file not in self.superseded_files
        )
        return dict(sorted(counts.items()))

    def by_file(self) -> dict[str, dict[str, int]]:
        files: dict[str, Counter] = {}
        for d in self.defects:
            files.setdefault(d.file, Counter())[d.kind] += 1
        return {f: dict(sorted(c.items())) for f, c in sorted(files.items())}

    def to_dict(self) -> dict:
        return {
            "total": len(self.defects),
            "by_kind": self.by_kind(),
            "by_kind_in_current_files": self.by_kind(include_superseded=False),
            "by_file": self.by_file(),
            "superseded_files": sorted(self.superseded_files),
            "lines": [vars(d) for d in self.defects],
        }


def plan(
    eligible: Sequence[Sequence[int]],
    kinds: Sequence[str],
    rate: float,
    minimum: int,
    rng: np.random.Generator,
) -> list[dict[int, str]]:
    """Which rows of each file get which defect kind.

    `eligible` holds, per file, the row indices a defect may hit. The share `rate` of them
    is hit (at least `minimum` when the rate is not zero), and kinds take turns in a random
    order so that the first len(kinds) defects cover every kind.
    """
    chosen: list[dict[int, str]] = [{} for _ in eligible]
    total = sum(len(rows) for rows in eligible)
    if rate <= 0 or total == 0:
        return chosen
    count = min(total, max(minimum, math.ceil(rate * total)))
    offsets = np.cumsum([0, *(len(rows) for rows in eligible)])
    order = [kinds[i] for i in rng.permutation(len(kinds))]
    for n, position in enumerate(rng.choice(total, size=count, replace=False)):
        file_index = int(np.searchsorted(offsets, position, side="right")) - 1
        row = eligible[file_index][int(position - offsets[file_index])]
        chosen[file_index][row] = order[n % len(order)]
    return chosen


@dataclass(frozen=True)
class LineLayout:
    """Where the quantities of a line are, so a defect can damage one of them."""

    labels: Sequence[str]  # header labels, to name the damaged column
    value_positions: Sequence[int]
    decimals: int
    cap_units: int | None = None  # physical cap of the point in 10**-decimals, interval only


def inject(
    kind: str,
    fields: list[str],
    layout: LineLayout,
    rng: np.random.Generator,
    unknown_id: Callable[[], str],
) -> tuple[list[list[str]], int, str]:
    """The lines to write instead of `fields`, the index of the defective one, and a detail."""
    damaged = list(fields)
    labels, positions = layout.labels, layout.value_positions
    pick = int(positions[int(rng.integers(len(positions)))])
    if kind == DUPLICATE:
        return [fields, damaged], 1, "same key as the line before"
    if kind == UNKNOWN_SUPPLY_POINT:
        damaged[ID] = unknown_id()
        return [fields, damaged], 1, f"supply point {damaged[ID]} is not in the registry"
    if kind == GAP:
        length = int(rng.integers(1, 9))
        first = int(positions[int(rng.integers(len(positions) - length + 1))])
        for i in range(first, first + length):
            damaged[i] = ""
        detail = f"{labels[first]}..{labels[first + length - 1]} empty"
    elif kind == NEGATIVE:
        magnitude = (
            fields[pick]
            if any(c in "123456789" for c in fields[pick])
            else (decimal_comma(1, layout.decimals))
        )
        damaged[pick] = "-" + magnitude
        detail = f"{labels[pick]}={damaged[pick]}"
    elif kind == IMPOSSIBLE:
        assert layout.cap_units is not None
        damaged[pick] = decimal_comma(
            int(layout.cap_units * rng.uniform(1.5, 4.0)), layout.decimals
        )
        detail = f"{labels[pick]}={damaged[pick]}"
    elif kind == WRONG_FIELD_COUNT:
        damaged = damaged[:-1] if rng.random() < 0.5 else [*damaged, "0"]
        detail = f"{len(damaged)} fields instead of {len(fields)}"
    elif kind == BAD_NUMBER:
        damaged[pick] = str(rng.choice(_NOT_NUMBERS))
        detail = f"{labels[pick]}={damaged[pick]}"
    elif kind == BAD_DATE:
        day, month, year = fields[DATE].split("/")
        damaged[DATE] = str(
            rng.choice(
                [
                    f"{year}-{month}-{day}",
                    f"31/02/{year}",
                    f"{day}/13/{year}",
                    f"{day}.{month}.{year}",
                ]
            )
        )
        detail = f"{labels[DATE]}={damaged[DATE]}"
    else:
        raise ValueError(f"unknown defect kind {kind!r}")
    return [damaged], 0, detail
