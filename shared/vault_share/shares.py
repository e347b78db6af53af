"""The shares table as every guarded item's store uses it: a key of its own (`<KIND>#<sha256(token)>`),
found by id within a vault on gsi1 (`VAULT#<vaultId>` / `<KIND>#<id>`), changed by one conditional
update at a time. Links and invitations subclass it with their item type and rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from vault_share.dynamo import (
    Outcome,
    conditional_update,
    from_item,
    made_once,
    put_new,
    refused_parts,
    to_item,
    update_request,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Changed(Generic[T]):
    """A conditional change: the item after it, or as it was when the condition failed (None: no such item)."""

    item: T | None
    applied: bool


class PartRefused(Exception):
    """A part written together with a new item (`SharesStore._insert`) was refused by its condition."""

    def __init__(self, index: int) -> None:
        super().__init__(f"part {index} refused")
        self.index = index


class SharesStore(Generic[T]):
    def __init__(self, dynamodb: Any, table: str, kind: str, parse: Callable[[dict[str, Any]], T]) -> None:
        self._ddb = dynamodb
        self._table = table
        self._kind = kind  # LINK, INVITATION: the prefix of gsi1sk
        self._parse = parse  # a deserialized item -> T

    def _put_new(self, values: dict[str, Any], identity: str) -> None:
        """A new item, made once whatever the put answers (vault_share.dynamo.put_new)."""
        put_new(self._ddb, self._table, values, identity)

    def _insert(self, values: dict[str, Any], identity: str, together: Sequence[dict[str, Any]] = ()) -> None:
        """A new item (`pk` not there yet); with `together` (TransactWriteItems parts: a guest's home
        page, quota counters), in one transaction with them, still one request. Made once whatever
        the write answers (vault_share.dynamo.made_once). PartRefused names the part of `together`
        whose condition failed: nothing is written."""
        if not together:
            self._put_new(values, identity)
            return
        put = {"TableName": self._table, "Item": to_item(values), "ConditionExpression": "attribute_not_exists(pk)"}
        try:
            made_once(
                lambda: self._ddb.transact_write_items(TransactItems=[{"Put": put}, *together]),
                self._ddb,
                self._table,
                {"pk": values["pk"]},
                identity,
                values[identity],
            )
        except Exception as exc:
            refused = refused_parts(exc)
            if refused and refused[0]:
                raise PartRefused(refused[0] - 1) from None
            raise

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
