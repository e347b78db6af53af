"""Reading journals and notifications: newest first, opaque cursor."""

from __future__ import annotations

from typing import Any

from vault_share.journal.models import JournalEntryItem, NotificationItem, _EventItem
from vault_share.pagination import DEFAULT_PAGE, Partition, query_page
from vault_share.storage import model_query


def _page(model: type[_EventItem], pk: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    items, next_cursor = query_page(
        model_query(model.query, pk, scan_index_forward=False),
        Partition(pk),
        limit=limit,
        cursor=cursor,
        parse=model.from_raw_data,
    )
    return [item.to_json() for item in items], next_cursor


def journal_page(pk: str, limit: int = DEFAULT_PAGE, cursor: str | None = None) -> dict[str, Any]:
    entries, next_cursor = _page(JournalEntryItem, pk, limit, cursor)
    return {"entries": entries, "nextCursor": next_cursor}


def notifications_page(pk: str, limit: int = DEFAULT_PAGE, cursor: str | None = None) -> dict[str, Any]:
    notifications, next_cursor = _page(NotificationItem, pk, limit, cursor)
    return {"notifications": notifications, "nextCursor": next_cursor}
