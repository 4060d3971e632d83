"""Invoice numbers: progressive per company, series and year, without gaps, kept in the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from energia.store.models import NumberingCounter, NumberReservation

# the numbering series (sezionale) of each document type, unless the invoice names its own
DEFAULT_SERIES = {"TD01": "FT", "TD04": "NC"}
# the store's databases, by their INSERT ... ON CONFLICT DO NOTHING
UPSERT_DIALECTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
# SQLite binds at most 32766 parameters in one statement
CHUNK = 1000


class NumberingError(ValueError):
    """Numbers cannot be given as asked; the message names the invoice or series."""


@dataclass(frozen=True)
class NumberRequest:
    invoice_id: str
    company_id: str
    series: str
    issue_date: date
    due_date: date | None


@dataclass(frozen=True)
class Reservation:
    invoice_id: str
    company_id: str
    series: str
    year: int
    number: int
    issue_date: date
    due_date: date | None
    written: bool

    @classmethod
    def of(cls, row: NumberReservation) -> Reservation:
        return cls(
            invoice_id=row.invoice_id,
            company_id=row.company_id,
            series=row.series,
            year=row.year,
            number=row.number,
            issue_date=row.issue_date,
            due_date=row.due_date,
            written=row.written_at is not None,
        )


def reserve_numbers(
    store: sessionmaker[Session], requests: Sequence[NumberRequest]
) -> list[Reservation]:
    """Bind the next numbers of each company/series/year to the invoices, in request order.

    One store transaction, holding the counter rows locked (BEGIN IMMEDIATE on SQLite, SELECT
    ... FOR UPDATE elsewhere), so concurrent runs get consecutive, distinct numbers. An invoice
    that already has a reservation keeps it: asking again is how an interrupted run resumes.
    """
    if not requests:
        return []
    ids = [request.invoice_id for request in requests]
    if len(set(ids)) != len(ids):
        raise NumberingError("invoice ids: an invoice is asked for twice")
    now = datetime.now(UTC)
    with store.begin() as session:
        found = {
            row.invoice_id: row
            for start in range(0, len(ids), CHUNK)
            for row in session.scalars(
                select(NumberReservation).where(
                    NumberReservation.invoice_id.in_(ids[start : start + CHUNK])
                )
            )
        }
        for key, group in _by_counter([r for r in requests if r.invoice_id not in found]).items():
            company_id, series, year = key
            counter = _locked_counter(session, company_id, series, year)
            last_date = session.scalar(
                select(func.max(NumberReservation.issue_date)).where(
                    NumberReservation.company_id == company_id,
                    NumberReservation.series == series,
                    NumberReservation.year == year,
                )
            )
            for request in group:
                if last_date is not None and request.issue_date < last_date:
                    raise NumberingError(
                        f"invoice {request.invoice_id}: issue date {request.issue_date} is before"
                        f" {last_date}, already used in series {series} {year} of {company_id}"
                    )
                counter.last_number += 1
                row = NumberReservation(
                    company_id=company_id,
                    series=series,
                    year=year,
                    number=counter.last_number,
                    invoice_id=request.invoice_id,
                    issue_date=request.issue_date,
                    due_date=request.due_date,
                    reserved_at=now,
                )
                session.add(row)
                found[request.invoice_id] = row
        session.flush()
        return [Reservation.of(found[invoice_id]) for invoice_id in ids]


def _by_counter(
    requests: Sequence[NumberRequest],
) -> dict[tuple[str, str, int], list[NumberRequest]]:
    groups: dict[tuple[str, str, int], list[NumberRequest]] = {}
    for request in requests:
        key = (request.company_id, request.series, request.issue_date.year)
        groups.setdefault(key, []).append(request)
    # counters are always locked in the same order, so two runs never wait on each other
    return dict(sorted(groups.items()))


def _locked_counter(session: Session, company_id: str, series: str, year: int) -> NumberingCounter:
    insert = UPSERT_DIALECTS[session.bind.dialect.name]
    session.execute(
        insert(NumberingCounter)
        .values(company_id=company_id, series=series, year=year, last_number=0)
        .on_conflict_do_nothing()
    )
    return session.scalars(
        select(NumberingCounter)
        .where(
            NumberingCounter.company_id == company_id,
            NumberingCounter.series == series,
            NumberingCounter.year == year,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def mark_written(store: sessionmaker[Session], fingerprints: dict[str, str]) -> None:
    """Record that the warehouse holds these invoices as issued, with their fingerprints."""
    if not fingerprints:
        return
    now = datetime.now(UTC)
    with store.begin() as session:
        for invoice_id, fingerprint in fingerprints.items():
            session.execute(
                update(NumberReservation)
                .where(NumberReservation.invoice_id == invoice_id)
                .values(written_at=now, fingerprint=fingerprint)
            )


def reservations(
    store: sessionmaker[Session], invoice_ids: Sequence[str] | None = None
) -> list[Reservation]:
    """Reservations of the given invoices (all when None), by company, series, year, number."""
    query = select(NumberReservation).order_by(
        NumberReservation.company_id,
        NumberReservation.series,
        NumberReservation.year,
        NumberReservation.number,
    )
    with store() as session:
        if invoice_ids is None:
            return [Reservation.of(row) for row in session.scalars(query)]
        ids = list(invoice_ids)
        rows = [
            row
            for start in range(0, len(ids), CHUNK)
            for row in session.scalars(
                query.where(NumberReservation.invoice_id.in_(ids[start : start + CHUNK]))
            )
        ]
    return [Reservation.of(row) for row in rows]


def fingerprints(store: sessionmaker[Session]) -> dict[str, str | None]:
    """The fingerprint recorded at issue of every reserved invoice (None: not written yet)."""
    with store() as session:
        return dict(
            session.execute(select(NumberReservation.invoice_id, NumberReservation.fingerprint))
            .tuples()
            .all()
        )
