"""Hand the portal's saved forecasts to the landing folder: `python -m access.export_forecasts`.

Each upload not yet exported becomes one file per company in
`<data home>/landing/customer/consumption_forecasts/`, which the next load ingests.
"""

from __future__ import annotations

import argparse

from access.forecasts import ForecastBook
from energia.settings import get_settings
from energia.store import create_store_engine


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="python -m access.export_forecasts", description=__doc__
    ).parse_args(argv)
    settings = get_settings()
    engine = create_store_engine(settings.store_url)
    try:
        written = ForecastBook(engine).export_to_landing(settings.landing_dir)
    finally:
        engine.dispose()
    for path in written:
        print(path)
    print(f"{len(written)} file(s) written")


if __name__ == "__main__":
    main()
