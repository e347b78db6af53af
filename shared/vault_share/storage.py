"""PynamoDB plumbing shared by the capabilities: table names, the common index, a page query
through a model (pages and cursors themselves: vault_share.pagination)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import pynamodb.connection.base
from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from vault_share.adapters.aws import SharedSession
from vault_share.pagination import Query
from vault_share.settings import get_settings

# PynamoDB gives each connection (one per model, per thread) a botocore session of its own, and
# each session loads DynamoDB's service model again: 60-100 ms of a cold start per model used.
# Every connection makes its client from the one session of vault_share.adapters.aws instead.
setattr(pynamodb.connection.base, "get_session", SharedSession)  # noqa: B010


def vault_table() -> str:
    return get_settings().vault_table


def shares_table() -> str:
    return get_settings().shares_table


@cache
def _connection() -> Connection:
    """One DynamoDB connection per container: building its botocore client costs ~100 ms."""
    return Connection()


def transaction() -> TransactWrite:
    """An all-or-nothing write of several items (DynamoDB TransactWriteItems)."""
    return TransactWrite(connection=_connection())


def write_together(checks: Sequence[dict[str, Any]], updates: Sequence[dict[str, Any]]) -> None:
    """One TransactWriteItems of prepared parts, the condition checks first, then the updates in
    their order (so that a refusal's index names its part): PynamoDB's operation arguments
    (`get_update_kwargs_from_instance`...) and those of a table it does not model alike.
    TransactWriteError when it is cancelled."""
    _connection().transact_write_items(
        condition_check_items=checks, delete_items=[], put_items=[], update_items=updates
    )


class Gsi1(GlobalSecondaryIndex[Any]):
    """Generic inverted index of the vault table (gsi1pk / gsi1sk)."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


def model_query(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Query:
    """A `Query` through a PynamoDB model or index: `method` is `Model.query` or `index.query`,
    `args`/`kwargs` what it takes but page_size and last_evaluated_key. One call is one request."""

    def query(start: dict[str, Any] | None, size: int) -> dict[str, Any]:
        result = method(*args, page_size=size, last_evaluated_key=start, **kwargs)
        page: dict[str, Any] = next(result.page_iter)
        return page

    return query
