"""Serve the dashboards: `python -m dashboards [--host 127.0.0.1] [--port 8050] [--threads 4]`.

Served by waitress, a production WSGI server with a fixed pool of threads: requests beyond the
pool wait in its queue and are answered in turn. Flask's development server (`--debug`, or
`--dev-server`) starts a thread per request instead; under load they all share one interpreter
lock, so every answer slows down together and the heavy ones (exports) take seconds.
"""

from __future__ import annotations

import argparse

from dashboards.app import create_app
from energia.store import migrate_store

# the pages are Python work under one interpreter lock: more threads than this only interleave
# requests (each waits longer) without answering more of them; DuckDB queries run outside it
DEFAULT_THREADS = 4


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument(
        "--threads", type=int, default=DEFAULT_THREADS, help="requests answered at once"
    )
    parser.add_argument(
        "--debug", action="store_true", help="reload on code changes and show errors in the page"
    )
    parser.add_argument(
        "--dev-server", action="store_true", help="Flask's development server, without --debug"
    )
    args = parser.parse_args(argv)
    # sign-in needs the access tables; migrating an up-to-date store changes nothing
    migrate_store()
    app = create_app()
    print(f"Dashboards: http://{args.host}:{args.port}/", flush=True)
    print("Sign in with a user of `python -m access.seed_demo` (it prints them).", flush=True)
    if args.debug or args.dev_server:
        app.run(host=args.host, port=args.port, debug=args.debug)
        return
    from waitress import serve

    # a connection limit above the pool: waiting browsers queue instead of being refused
    serve(app.server, host=args.host, port=args.port, threads=args.threads, connection_limit=500)


if __name__ == "__main__":
    main()
