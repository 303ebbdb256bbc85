#!/usr/bin/env python3
"""Searchlight's compatibility suite: real, unmodified ThoughtSpot clients against a running
server.

Usually started by `compat/run`, which builds and starts a fresh server and sets:
  COMPAT_BASE_URL        the server, e.g. http://127.0.0.1:41234
  COMPAT_ADMIN_PASSWORD  tsadmin's password (COMPAT_ADMIN_USER, default tsadmin)
  COMPAT_STORE           sqlite or postgres, with COMPAT_SQLITE_PATH, or COMPAT_PG_URL and
                         COMPAT_PG_SCHEMA (for the fixtures no endpoint can create yet)
  COMPAT_DATA_DIR        the server's --data-dir (the catalog checks put the fixture's data
                         files under it)
  COMPAT_DEMO_DIR        the TML `serve --demo` generated (for the tml.demo_* checks)

Usage: suite.py [-k SUBSTRING ...] [--list]

Checks live in compat/cases/<area>.py, registered with `@check` (see harness.py); every module
there is loaded, in name order. A check marked `@expected_failure` (a known, reported server
bug) that fails as expected prints `xfail` and counts as neither; if it passes, it fails. The
last line of the output is `N passed, M failed`; the exit status is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cases  # noqa: E402
from harness import CHECKS, server_from_env  # noqa: E402


def load_cases() -> None:
    for module in sorted(pkgutil.iter_modules(cases.__path__), key=lambda m: m.name):
        importlib.import_module(f"cases.{module.name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                        help="run only checks whose id (area.name) contains SUBSTRING (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    args = parser.parse_args()

    load_cases()
    selected = [c for c in CHECKS if not args.k or any(k in c.id for k in args.k)]
    if args.list:
        for c in selected:
            print(c.id)
        return 0
    if not selected:
        print("no check matches", file=sys.stderr)
        return 2

    server = server_from_env()
    print(f"compat suite: {len(selected)} checks against {server.base_url} ({server.store.kind} store)")
    passed, failed, expected = 0, [], []
    for c in selected:
        started = time.monotonic()
        try:
            c.func(server)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then the suite goes on
            elapsed = time.monotonic() - started
            if c.xfail and c.xfail[1] in str(exc):
                expected.append(c.id)
                print(f"xfail {c.id} ({elapsed:.2f}s): {c.xfail[0]}")
                print(f"     {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            else:
                failed.append(c.id)
                print(f"FAIL {c.id} ({elapsed:.2f}s)")
                for line in traceback.format_exc().rstrip().splitlines():
                    print(f"     {line}")
        else:
            elapsed = time.monotonic() - started
            if c.xfail:
                failed.append(c.id)
                print(f"XPASS {c.id} ({elapsed:.2f}s): expected to fail ({c.xfail[0]}) but passed; "
                      "remove its expected_failure mark")
            else:
                passed += 1
                print(f"ok   {c.id} ({elapsed:.2f}s)")
        sys.stdout.flush()

    if expected:
        print("\nexpected failures (known server bugs):")
        for name in expected:
            print(f"  {name}")
    if failed:
        print("\nfailed:")
        for name in failed:
            print(f"  {name}")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
