"""`python -m devstack`: the local stack with a seeded demo (make run)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from devstack.seed import seed
from devstack.stack import LocalStack
from devstack.walkthrough import render


def walkthrough(stack: LocalStack) -> str:
    """The demo and the steps a newcomer copy-pastes (devstack.walkthrough)."""
    return render(stack.info())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind; requests must still name 127.0.0.1, localhost or [::1]"
    )
    parser.add_argument("--no-seed", action="store_true", help="start without the demo data")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template.yaml parameter over its default (repeatable), e.g. QuotaUserEmailsPerHour=500",
    )
    args = parser.parse_args(argv)
    parameters = dict(p.split("=", 1) for p in args.parameter if "=" in p)
    if len(parameters) != len(args.parameter):
        parser.error("--parameter takes NAME=VALUE")

    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("devstack").setLevel(level)
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    started = time.monotonic()
    stack = LocalStack(port=args.port, host=args.host, log_level=level, parameters=parameters)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        stack.start()
        if not args.no_seed:
            seed(stack)
        stack.ready = True
        print(walkthrough(stack), flush=True)
        print(f"ready in {time.monotonic() - started:.1f} s", flush=True)
        stopping.wait()
    finally:
        print("stopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
