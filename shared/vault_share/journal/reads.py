"""Reading journals and notifications: newest first, opaque cursor."""

from __future__ import annotations

from typing import Any

from vault_share.journal.models import JournalEntryItem, NotificationItem, _EventItem
from vault_share.storage import decode_cursor, encode_cursor

DEFAULT_PAGE = 50
MAX_PAGE = 100


def _page(model: type[_EventItem], pk: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    result = model.query(
        pk,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, expected_pk=pk),
    )
    items = [item.to_json() for item in result]
    return items, encode_cursor(result.last_evaluated_key)


def journal_page(pk: str, limit: int = DEFAULT_PAGE, cursor: str | None = None) -> dict[str, Any]:
    entries, next_cursor = _page(JournalEntryItem, pk, limit, cursor)
    return {"entries": entries, "nextCursor": next_cursor}


def notifications_page(pk: str, limit: int = DEFAULT_PAGE, cursor: str | None = None) -> dict[str, Any]:
    notifications, next_cursor = _page(NotificationItem, pk, limit, cursor)
    return {"notifications": notifications, "nextCursor": next_cursor}
