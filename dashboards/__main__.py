"""Serve the dashboards: `python -m dashboards [--host 127.0.0.1] [--port 8050] [--debug]`."""

from __future__ import annotations

import argparse

from dashboards.app import create_app
from energia.store import migrate_store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument(
        "--debug", action="store_true", help="reload on code changes and show errors in the page"
    )
    args = parser.parse_args(argv)
    # sign-in needs the access tables; migrating an up-to-date store changes nothing
    migrate_store()
    app = create_app()
    print(f"Dashboards: http://{args.host}:{args.port}/", flush=True)
    print("Sign in with a user of `python -m access.seed_demo` (it prints them).", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
