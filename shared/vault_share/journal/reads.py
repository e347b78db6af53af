"""Reading journals and notifications: newest first, opaque cursor."""

from __future__ import annotations

from typing import Any

from vault_share.journal.models import JournalEntryItem, NotificationItem, _EventItem
from vault_share.storage import decode_cursor, encode_cursor

DEFAULT_PAGE = 50
MAX_PAGE = 100


def _page(model: type[_EventItem], pk: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page, newest first. One item more than asked is read: it tells whether a next page
    exists, so the last page carries `nextCursor: null` instead of leading to an empty page."""
    start = decode_cursor(cursor, expected_pk=pk)
    found = list(model.query(pk, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start))
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        last = page[-1]
        next_cursor = encode_cursor({"pk": {"S": last.pk}, "sk": {"S": last.sk}})
    return [item.to_json() for item in page], next_cursor


def journal_page(pk: str, limit: int = DEFAULT_PAGE, cursor: str | None = None) -> dict[str, Any]:
    entries, next_cursor = _page(JournalEntryItem, pk, limit, cursor)
    return {"entries": entries, "nextCursor": next_cursor}


def notifications_page(pk: str, limit: int = DEFAULT_PAGE, cursor: str | None = None) -> dict[str, Any]:
    notifications, next_cursor = _page(NotificationItem, pk, limit, cursor)
    return {"notifications": notifications, "nextCursor": next_cursor}
