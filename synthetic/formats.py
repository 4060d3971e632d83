"""Text conventions of the landing files (decimal comma, DD/MM/YYYY) and the file writer."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType

import numpy as np

from landing.sources import Source, header_line


def rng_for(seed: int, *labels: str) -> np.random.Generator:
    """An independent random stream per purpose, so one part's draws never shift another's."""
    return np.random.default_rng([seed, *(zlib.crc32(label.encode()) for label in labels)])


def decimal_comma(units: int, decimals: int) -> str:
    """`units` counted in 10**-decimals, written with a decimal comma: (-1234, 3) -> '-1,234'."""
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(int(units)), 10**decimals)
    return f"{sign}{whole},{fraction:0{decimals}d}" if decimals else f"{sign}{whole}"


def rounded(value: float, decimals: int) -> str:
    return decimal_comma(round(value * 10**decimals), decimals)


def amount(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f").replace(".", ",")


def italian_date(day: date | None) -> str:
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


class LandingFile:
    """One landing file being written: the contract's header, then `;`-separated lines."""

    def __init__(self, root: Path, relative: str, source: Source, lines_written: dict[str, int]):
        self.relative = relative
        self.lines = 0  # data lines so far; the header is line 1 of the file
        self._path = root / relative
        self._source = source
        self._lines_written = lines_written
        self._buffer: list[str] = []

    def __enter__(self) -> LandingFile:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._path.open("w", encoding="utf-8", newline="\n")
        self._file.write(header_line(self._source) + "\n")
        return self

    def write(self, fields: list[str]) -> int:
        """Append one line; returns its line number in the file."""
        return self.write_text(";".join(fields))

    def write_text(self, line: str) -> int:
        """Append one line already joined by `;`; returns its line number in the file."""
        self._buffer.append(line)
        self.lines += 1
        if len(self._buffer) >= 4096:
            self._flush()
        return self.lines + 1

    def _flush(self) -> None:
        if self._buffer:
            self._file.write("\n".join(self._buffer) + "\n")
            self._buffer.clear()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._flush()
        self._file.close()
        self._lines_written[self.relative] = self.lines


class LandingWriter:
    """Writes files under the landing folder and remembers how many data lines each got."""

    def __init__(self, root: Path):
        self.root = root
        self.lines_written: dict[str, int] = {}
        self.source_of: dict[str, str] = {}

    def open(self, source: Source, name: str) -> LandingFile:
        """`name` is the path under the source's folder, e.g. `DSO001/DSO001_202503.csv`."""
        relative = f"{source.folder}/{name}"
        self.source_of[relative] = source.name
        return LandingFile(self.root, relative, source, self.lines_written)

    def write_rows(self, source: Source, name: str, rows: Iterable[dict[str, str]]) -> None:
        """Rows keyed by column name, written in the contract's column order."""
        names = [c.name for c in source.columns]
        with self.open(source, name) as out:
            for row in rows:
                fields = [row[n] for n in names]
                if any(";" in f or "\n" in f for f in fields):
                    raise ValueError(f"a field of {row} would break the `;`-separated line")
                out.write(fields)
