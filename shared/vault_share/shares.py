"""The shares table as every guarded item's store uses it: a key of its own (`<KIND>#<sha256(token)>`),
found by id within a vault on gsi1 (`VAULT#<vaultId>` / `<KIND>#<id>`), changed by one conditional
update at a time. Links and invitations subclass it with their item type and rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from vault_share.dynamo import Outcome, conditional_update, from_item, put_new, update_request

T = TypeVar("T")


@dataclass(frozen=True)
class Changed(Generic[T]):
    """A conditional change: the item after it, or as it was when the condition failed (None: no such item)."""

    item: T | None
    applied: bool


class SharesStore(Generic[T]):
    def __init__(self, dynamodb: Any, table: str, kind: str, parse: Callable[[dict[str, Any]], T]) -> None:
        self._ddb = dynamodb
        self._table = table
        self._kind = kind  # LINK, INVITATION: the prefix of gsi1sk
        self._parse = parse  # a deserialized item -> T

    def _put_new(self, values: dict[str, Any], identity: str) -> None:
        """A new item, made once whatever the put answers (vault_share.dynamo.put_new)."""
        put_new(self._ddb, self._table, values, identity)

    def _change(self, pk: str, update: str, condition: str, values: dict[str, Any], **names: str) -> Outcome:
        """One conditional update of the item (`#status` names its status)."""
        return conditional_update(
            self._ddb, self._table, {"pk": pk}, update, condition, values, {"#status": "status", **names}
        )

    def _update_request(
        self, pk: str, update: str, condition: str, values: dict[str, Any], **names: str
    ) -> dict[str, Any]:
        """The same change as a part of a transaction (TransactWriteItems' `Update`)."""
        return update_request(self._table, {"pk": pk}, update, condition, values, {"#status": "status", **names})

    def _changed(self, pk: str, update: str, condition: str, values: dict[str, Any], **names: str) -> Changed[T]:
        outcome = self._change(pk, update, condition, values, **names)
        values_after = outcome.new or outcome.old
        return Changed(self._parse(values_after) if values_after else None, outcome.applied)

    def get(self, pk: str, consistent: bool = False) -> T | None:
        item = self._ddb.get_item(TableName=self._table, Key={"pk": {"S": pk}}, ConsistentRead=consistent).get("Item")
        return self._parse(from_item(item)) if item else None

    def by_id(self, vault_id: str, item_id: str) -> T | None:
        items = self._ddb.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :sk",
            ExpressionAttributeValues={":pk": {"S": f"VAULT#{vault_id}"}, ":sk": {"S": f"{self._kind}#{item_id}"}},
        )["Items"]
        return self._parse(from_item(items[0])) if items else None
