"""French wording helpers for dates shown to people (pages, e-mails, SMS, journal)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def date_fr(moment: datetime) -> str:
    """'3 décembre 2026', the day in Paris time."""
    local = moment.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {_MONTHS[local.month - 1]} {local.year}"


def date_time_fr(moment: datetime) -> str:
    """'3 décembre 2026 à 17h05' in Paris time."""
    local = moment.astimezone(PARIS)
    return f"{date_fr(local)} à {local.hour}h{local.minute:02d}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count <= 1 else (plural_form or singular + 's')}"
