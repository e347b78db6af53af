"""The table and bench/results.json."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")


@dataclass
class Row:
    name: str
    low: float
    median: float
    high: float
    target: str = ""
    passes: bool | None = None  # None: for information

    @property
    def verdict(self) -> str:
        if self.passes is None:
            return "info"
        return "PASS" if self.passes else "MISSED"


def stats(name: str, samples: Sequence[float], target: str = "", check: Callable[[float], bool] | None = None) -> Row:
    median = statistics.median(samples)
    return Row(name, min(samples), median, max(samples), target, None if check is None else check(median))


def ratio(
    name: str,
    numerators: Sequence[float],
    denominators: Sequence[float],
    target: str = "",
    check: Callable[[float], bool] | None = None,
) -> Row:
    """median(numerators) / median(denominators); min and max over the pairs taken in order."""
    value = statistics.median(numerators) / statistics.median(denominators)
    pairs = [n / d for n, d in zip(numerators, denominators, strict=True)]
    return Row(name, min(pairs), value, max(pairs), target, None if check is None else check(value))


def percentile(samples: Sequence[float], p: int) -> float:
    """The p-th percentile, interpolated between the samples (p=50 is the median)."""
    if len(samples) == 1:
        return float(samples[0])
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def grid(cells: Sequence[Sequence[str]], left: Collection[int] = ()) -> str:
    """Columns of text, the first row a header underlined; numbers right-aligned, `left` columns not."""
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                cell.ljust(w) if i in left else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def table(rows: list[Row]) -> str:
    header = ("figure", "min", "median", "max", "target", "verdict")
    cells = [header] + [(r.name, number(r.low), number(r.median), number(r.high), r.target, r.verdict) for r in rows]
    return grid(cells, left=(0, 4, 5))


def write_json(rows: list[Row], path: Path = RESULTS, extra: dict[str, Any] | None = None) -> None:
    """Each row's median by name, then the `extra` figures (tables: nested objects) as they are."""
    payload: dict[str, Any] = {
        r.name: int(r.median) if float(r.median).is_integer() else round(r.median, 4) for r in rows
    }
    payload.update(extra or {})
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
