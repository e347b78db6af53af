"""DynamoDB plumbing for the rules that are conditions: one conditional update, one way
to recognise a failed condition (raw boto3 errors and PynamoDB's alike).

Values are plain Python (str, int, dict, list, bool); items come back deserialized.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

CONDITION_FAILED = "ConditionalCheckFailedException"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values -> DynamoDB's typed form; None values are left out."""
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def refused_parts(exc: BaseException) -> list[int]:
    """The indexes of the parts whose condition failed, when `exc` is a cancelled TransactWriteItems."""
    if not isinstance(exc, ClientError) or exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    reasons = exc.response.get("CancellationReasons") or []
    return [i for i, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]


def is_condition_failure(exc: BaseException) -> bool:
    """A ConditionExpression that did not hold, from boto3 (ClientError) or PynamoDB (PutError...)."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") == CONDITION_FAILED
    return getattr(exc, "cause_response_code", None) == CONDITION_FAILED


@dataclass(frozen=True)
class Outcome:
    """What a conditional update did: `new` when it applied, else `old` (None: no such item)."""

    new: dict[str, Any] | None
    old: dict[str, Any] | None

    @property
    def applied(self) -> bool:
        return self.new is not None


def update_request(
    table: str,
    key: dict[str, Any],
    update: str,
    condition: str,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An UpdateItem under a condition, as UpdateItem and TransactWriteItems' `Update` both take it."""
    request: dict[str, Any] = {
        "TableName": table,
        "Key": to_item(key),
        "UpdateExpression": update,
        "ConditionExpression": condition,
    }
    if values:
        request["ExpressionAttributeValues"] = to_item(values)
    if names:
        request["ExpressionAttributeNames"] = names
    return request


def conditional_update(
    ddb: Any,
    table: str,
    key: dict[str, Any],
    update: str,
    condition: str,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> Outcome:
    """One UpdateItem under a condition, returning the new item, or the item as it was when
    the condition failed (ReturnValuesOnConditionCheckFailure): never a second read."""
    request = update_request(table, key, update, condition, values, names)
    request.update(ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    try:
        answer = ddb.update_item(**request)
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
        old = exc.response.get("Item")
        return Outcome(None, from_item(old) if old else None)
    return Outcome(from_item(answer["Attributes"]), None)


def made_once(write: Callable[[], Any], ddb: Any, table: str, key: dict[str, Any], attribute: str, value: Any) -> None:
    """A write of a new item under a fresh key (a token's hash, a new id), made once whatever its
    answer (as vault.models.write_new): it may have been carried out though it failed (a timeout,
    a 5xx after DynamoDB wrote it, or its own condition when botocore sent it again). Nothing else
    can hold a fresh key, so the failure stands only when the item there, read consistently, is
    not this one (its `attribute`, an id drawn with it, is not `value`), or cannot be read."""
    try:
        write()
    except Exception:
        try:
            found = ddb.get_item(TableName=table, Key=to_item(key), ConsistentRead=True).get("Item")
        except Exception:
            found = None
        if not found or from_item(found).get(attribute) != value:
            raise


def put_new(ddb: Any, table: str, values: dict[str, Any], identity: str) -> None:
    """PutItem of a new item (`pk` not there yet), made once (`made_once`, by its `identity` attribute)."""
    item = to_item(values)
    made_once(
        lambda: ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)"),
        ddb,
        table,
        {"pk": values["pk"]},
        identity,
        values[identity],
    )
