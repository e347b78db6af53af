"""DynamoDB plumbing for the rules that are conditions: one conditional update, one way
to recognise a failed condition (raw boto3 errors and PynamoDB's alike).

Values are plain Python (str, int, dict, list, bool); items come back deserialized.
"""

from __future__ import annotations

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
