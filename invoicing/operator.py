"""The operator's tool for invoices the checks routed to a person (IN3, BI5, IN4).

    python -m invoicing.operator holds --company C01 --month 2025-03
    python -m invoicing.operator release INVOICE_ID... [--to checked|draft]
    python -m invoicing.operator approve INVOICE_ID...
    python -m invoicing.operator due-date INVOICE_ID YYYY-MM-DD

Every move goes through invoicing.workflow, so the tool can do nothing the workflow forbids,
and each one is kept in the store's audit trail under `--actor`. Messages, amounts and dates
are in `--language` (it or en; default: the installation's ENERGIA_DEFAULT_LOCALE); the hold
reasons are shown as the checks stored them, and the usage errors and the invoice kinds stay
in English. The warehouse and the store
default to the platform's settings (ENERGIA_DATA_HOME, ENERGIA_OPERATIONAL_STORE_URL).

Exit status: 0 done; 1 the workflow refused (an unknown invoice, a move it does not allow:
nothing was changed); 2 a malformed command or a warehouse that cannot be opened.
"""

from __future__ import annotations

import argparse
import calendar
import getpass
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
from babel import numbers

from energia.settings import get_settings
from energia.store import create_store_engine, store_sessions
from invoicing.i18n import (
    LANGUAGES,
    LOCALES,
    N_,
    TranslatableError,
    _,
    language_or_default,
    short_date,
)
from invoicing.reasons import shown
from invoicing.workflow import (
    CHECKED,
    DRAFT,
    MISSING,
    ON_HOLD,
    STATUS_LABELS,
    WorkflowError,
    approve,
    release,
    return_to_draft,
    set_due_date,
    statuses,
)

REFUSED, USAGE = 1, 2

HOLDS = """
SELECT invoice_id, billing_account_id, kind, period_start, period_end, total, hold_reason
FROM billing.invoices
WHERE status = 'on_hold'
    AND company_id = $company_id
    -- the month's documents: a bill of the month ends in it, as rating writes them
    AND period_end BETWEEN $month_start AND $month_end
ORDER BY billing_account_id, invoice_id
"""


class OperatorError(TranslatableError):
    """What stops a command before the workflow is asked: the message is for the operator."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    # the operator's language for every message, amount and date (default: the installation's)
    arguments.language = language = language_or_default(arguments.language)
    try:
        with _warehouse(arguments.warehouse, read_only=arguments.command == "holds") as connection:
            return arguments.run(connection, arguments)
    except OperatorError as error:
        message = error.in_language(language)
        print(_(language, "error: {message}").format(message=message), file=sys.stderr)
        return USAGE
    except WorkflowError as error:
        message = error.in_language(language)
        print(_(language, "refused: {message}").format(message=message), file=sys.stderr)
        return REFUSED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m invoicing.operator",
        description="Invoices on hold: list them, release them, approve, set due dates.",
    )
    parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: the settings')")
    parser.add_argument("--store", help="operational store URL (default: the settings')")
    parser.add_argument("--actor", default=_user(), help="who acts, for the audit trail")
    parser.add_argument("--language", choices=LANGUAGES, help="how amounts and dates are written")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    holds = commands.add_parser("holds", help="list a company's invoices on hold for a month")
    holds.add_argument("--company", required=True, help="company id, e.g. C01")
    holds.add_argument("--month", required=True, type=_month, help="billing month YYYY-MM")
    holds.set_defaults(run=_holds)

    released = commands.add_parser("release", help="release invoices on hold")
    released.add_argument("invoice_ids", nargs="+", metavar="INVOICE_ID")
    released.add_argument(
        "--to",
        choices=(CHECKED, DRAFT),
        default=CHECKED,
        help="checked: accepted as they are (default); draft: the next run replaces them",
    )
    released.set_defaults(run=_release)

    approved = commands.add_parser("approve", help="approve checked invoices for issue")
    approved.add_argument("invoice_ids", nargs="*", metavar="INVOICE_ID")
    approved.add_argument(
        "--all-checked",
        action="store_true",
        help="every checked invoice (of --company and --month when given) instead of ids",
    )
    approved.add_argument("--company", help="with --all-checked: this company only")
    approved.add_argument("--month", type=_month, help="with --all-checked: this billing month")
    approved.set_defaults(run=_approve)

    due = commands.add_parser("due-date", help="a due date other than the contract's (IN4)")
    due.add_argument("invoice_id", metavar="INVOICE_ID")
    due.add_argument("due_date", type=_day, metavar="YYYY-MM-DD")
    due.set_defaults(run=_due_date)
    return parser


def _user() -> str:
    """The login name, the audit trail's default actor."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a name
        return "operator"


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM: {text!r}") from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


@contextmanager
def _warehouse(path: Path | None, *, read_only: bool):
    path = path or get_settings().warehouse_path
    # connecting would create an empty warehouse where there is none
    if not path.is_file():
        raise OperatorError(N_("no warehouse at {path}"), path=path)
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        raise OperatorError(
            N_("cannot open the warehouse {path}: {error}"), path=path, error=error
        ) from None
    try:
        yield connection
    finally:
        connection.close()


def _store(arguments: argparse.Namespace):
    return store_sessions(create_store_engine(arguments.store))


def _holds(connection: duckdb.DuckDBPyConnection, arguments: argparse.Namespace) -> int:
    month = arguments.month
    last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    rows = connection.execute(
        HOLDS, {"company_id": arguments.company, "month_start": month, "month_end": last_day}
    ).fetchall()
    language = arguments.language
    heading = {"company": arguments.company, "month": f"{month:%Y-%m}"}
    if not rows:
        print(_(language, "{company} {month}: no invoice on hold").format(**heading))
        return 0
    on_hold = _(language, "{company} {month}: invoices on hold: {count}")
    print(on_hold.format(count=len(rows), **heading))
    for invoice_id, account, kind, start, end, total, reason in rows:
        period = f"{short_date(start, language)} - {short_date(end, language)}"
        print(
            f"{invoice_id}\t{account}\t{kind}\t{period}"
            f"\t{_money(total, language)}\t{shown(reason, language)}"
        )
    return 0


def _release(connection: duckdb.DuckDBPyConnection, arguments: argparse.Namespace) -> int:
    # release is for held invoices only; other moves back to draft are the workflow's own
    _require_on_hold(connection, arguments.invoice_ids)
    move = release if arguments.to == CHECKED else return_to_draft
    return _move(connection, arguments, move, arguments.to)


def _approve(connection: duckdb.DuckDBPyConnection, arguments: argparse.Namespace) -> int:
    if arguments.all_checked == bool(arguments.invoice_ids):
        raise OperatorError(N_("give invoice ids or --all-checked: one of the two"))
    if arguments.all_checked:
        arguments.invoice_ids = _checked_ids(connection, arguments.company, arguments.month)
        if not arguments.invoice_ids:
            print(_(arguments.language, "no checked invoice to approve"))
            return 0
    elif arguments.company or arguments.month:
        raise OperatorError(N_("--company and --month go with --all-checked"))
    return _move(connection, arguments, approve, "approved")


def _checked_ids(
    connection: duckdb.DuckDBPyConnection, company: str | None, month: date | None
) -> list[str]:
    """The checked invoices, of one company and billing month when given, oldest first."""
    rows = connection.execute(
        """
        SELECT invoice_id FROM billing.invoices
        WHERE status = 'checked'
            AND ($company IS NULL OR company_id = $company)
            AND ($month IS NULL OR date_trunc('month', period_end) = $month)
        ORDER BY period_end, invoice_id
        """,
        {"company": company, "month": month},
    ).fetchall()
    return [invoice_id for (invoice_id,) in rows]


def _move(
    connection: duckdb.DuckDBPyConnection,
    arguments: argparse.Namespace,
    move: Callable[..., list[str]],
    to_status: str,
) -> int:
    moved = move(connection, _store(arguments), arguments.invoice_ids, actor=arguments.actor)
    status = _(arguments.language, STATUS_LABELS[to_status])
    for invoice_id in moved:
        print(f"{invoice_id}: {status}")
    return 0


def _due_date(connection: duckdb.DuckDBPyConnection, arguments: argparse.Namespace) -> int:
    set_due_date(
        connection,
        _store(arguments),
        arguments.invoice_id,
        arguments.due_date,
        actor=arguments.actor,
    )
    due = short_date(arguments.due_date, arguments.language)
    print(
        _(arguments.language, "{invoice_id}: due {date}").format(
            invoice_id=arguments.invoice_id, date=due
        )
    )
    return 0


def _require_on_hold(connection: duckdb.DuckDBPyConnection, invoice_ids: Sequence[str]) -> None:
    """Refuse, naming the first invoice, unless every invoice exists and is on hold."""
    current = statuses(connection, invoice_ids)
    for invoice_id in invoice_ids:
        if invoice_id not in current:
            raise WorkflowError(MISSING, invoice_id=invoice_id)
        if current[invoice_id] != ON_HOLD:
            raise WorkflowError(
                N_("invoice {invoice_id}: is not on hold (it is {status})"),
                invoice_id=invoice_id,
                status=current[invoice_id],
            )


def _money(amount: Decimal | None, language: str) -> str:
    if amount is None:
        return ""
    return numbers.format_currency(amount, "EUR", locale=LOCALES[language])


if __name__ == "__main__":
    sys.exit(main())
