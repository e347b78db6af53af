"""bench/rewind.py: each cold-start process meets the store the recorded request met.

Against moto's DynamoDB: a recorded request's writes, in every form DynamoDB takes them (PutItem,
UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems), are undone by `restore()`, and a
replay of the very same calls then answers as the first time (a conditional put that would fail
on the second try goes through again).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bench.rewind import Rewind

TABLE = "rewind"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "item"}}


def _item(pk: str, **values: str) -> dict[str, Any]:
    return {**_key(pk), **{name: {"S": value} for name, value in values.items()}}


def _calls() -> list[list[Any]]:
    """One request's calls as bench/cold_child.py records them: [service, operation, parameters, error]."""
    new_only = "attribute_not_exists(pk)"
    return [
        ["dynamodb", "GetItem", {"TableName": TABLE, "Key": _key("kept")}, None],
        ["dynamodb", "PutItem", {"TableName": TABLE, "Item": _item("new"), "ConditionExpression": new_only}, None],
        [
            "dynamodb",
            "UpdateItem",
            {
                "TableName": TABLE,
                "Key": _key("counter"),
                "UpdateExpression": "SET n = :one",
                "ConditionExpression": "attribute_not_exists(n)",
                "ExpressionAttributeValues": {":one": {"S": "1"}},
            },
            None,
        ],
        ["dynamodb", "DeleteItem", {"TableName": TABLE, "Key": _key("gone")}, None],
        [
            "dynamodb",
            "BatchWriteItem",
            {
                "RequestItems": {
                    TABLE: [{"PutRequest": {"Item": _item("batched")}}, {"DeleteRequest": {"Key": _key("b")}}]
                }
            },
            None,
        ],
        [
            "dynamodb",
            "TransactWriteItems",
            {
                "TransactItems": [
                    {
                        "ConditionCheck": {
                            "TableName": TABLE,
                            "Key": _key("kept"),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": TABLE, "Item": _item("tx"), "ConditionExpression": new_only}},
                    {"Delete": {"TableName": TABLE, "Key": _key("tx-gone")}},
                ]
            },
            None,
        ],
        ["ses", "SendRawEmail", {"RawMessage": {"Data": "..."}}, None],
    ]


def _replay(client: Any, calls: list[list[Any]]) -> list[str | None]:
    errors: list[str | None] = []
    for service, operation, params, _ in calls:
        if service != "dynamodb":
            continue
        try:
            getattr(client, {"GetItem": "get_item", "PutItem": "put_item", "UpdateItem": "update_item",
                             "DeleteItem": "delete_item", "BatchWriteItem": "batch_write_item",
                             "TransactWriteItems": "transact_write_items"}[operation])(**params)  # fmt: skip
            errors.append(None)
        except ClientError as exc:
            errors.append(exc.response["Error"]["Code"])
    return errors


def _everything(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=TABLE)["Items"], key=lambda item: item["pk"]["S"])


def test_restore_undoes_every_kind_of_write_and_the_replay_answers_as_the_first_time(dynamodb: Any) -> None:
    for pk, value in (("kept", "k"), ("gone", "g"), ("b", "b"), ("tx-gone", "t"), ("counter", "c")):
        dynamodb.put_item(TableName=TABLE, Item=_item(pk, v=value))
    before = _everything(dynamodb)
    rewind = Rewind.capture(dynamodb)

    calls = _calls()
    assert _replay(dynamodb, calls) == [None] * 6  # the recorded request
    assert _everything(dynamodb) != before
    assert _replay(dynamodb, calls)[1:3] == ["ConditionalCheckFailedException"] * 2, "a replay without a rewind"

    rewind.keep(calls)
    for _ in range(2):
        rewind.restore()
        assert _everything(dynamodb) == before
        assert _replay(dynamodb, calls) == [None] * 6


def test_items_the_request_did_not_write_are_left_alone(dynamodb: Any) -> None:
    rewind = Rewind.capture(dynamodb)
    calls = _calls()[1:2]  # the PutItem of "new"
    _replay(dynamodb, calls)
    rewind.keep(calls)
    dynamodb.put_item(TableName=TABLE, Item=_item("elsewhere"))  # a handler's own key (a new link's token)
    rewind.restore()
    assert [item["pk"]["S"] for item in _everything(dynamodb)] == ["elsewhere"]
