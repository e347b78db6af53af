"""shared/vault_share/invitations/public_holidays.py: the public holidays of metropolitan France as
a table, written from the `holidays` package, so that an invitation's cold start does not import
it: `holidays.calendars` loads every calendar the package knows (Islamic, Chinese, Hindu...), about
100 ms, to tell whether a day is a holiday in France.

    python -m scripts.public_holidays          # (= make holidays) writes the table
    python -m scripts.public_holidays --check  # exit 1 when the table differs from what the package says

The package stays the source, and answers for the years outside the table
(vault_share.invitations.schedule): a lock upgrade of the package fails tests/unit/test_schedule.py
until the table is written again (it names the version it was written from).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from importlib.metadata import version

from vault_share.invitations import schedule

from devstack import template

OUTPUT = template.ROOT / "shared" / "vault_share" / "invitations" / "public_holidays.py"
FIRST_YEAR, LAST_YEAR = 2000, 2100

HEADER = '''"""The public holidays of metropolitan France (no subdivision), {first} to {last}, as the `holidays`
package {version} gives them. Written by `make holidays` (scripts/public_holidays.py): do not edit.

`DAYS[year]`: that year's holidays, as "MM-DD".
"""

from __future__ import annotations

FIRST_YEAR, LAST_YEAR = {first}, {last}

_TABLE = {{
'''

FOOTER = """}

DAYS: dict[int, frozenset[str]] = {year: frozenset(days.split()) for year, days in _TABLE.items()}
"""


def render(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> str:
    by_year: dict[int, list[str]] = defaultdict(list)
    for day in sorted(schedule.france(range(first, last + 1))):
        by_year[day.year].append(f"{day:%m-%d}")
    lines = [f'    {year}: "{" ".join(by_year[year])}",\n' for year in range(first, last + 1)]
    return HEADER.format(first=first, last=last, version=version("holidays")) + "".join(lines) + FOOTER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the table is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(template.ROOT)} is stale: run `make holidays`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
