"""Serve the mini-site in the foreground: ``python -m defcorpus.minisite [--host H] [--port P]``.

The first line on stdout is the base URL, so scripts can read it; Ctrl-C stops the server.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from defcorpus.minisite.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m defcorpus.minisite", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    args = parser.parse_args(argv)
    with serve(args.host, args.port) as site:
        print(site.base_url, flush=True)
        print(f"Serving the mini-site at {site.base_url}/ (Ctrl-C stops it)", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
