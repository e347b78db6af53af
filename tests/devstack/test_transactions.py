"""The local stack's transactions (devstack.isolation.light_transactions) against moto: all or
nothing as DynamoDB's, items and stream alike, without copying the whole table each time."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from devstack import isolation

TABLE = "transactions"


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3", aws_access_key_id="t", aws_secret_access_key="t")
        client.create_table(
            TableName=TABLE,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        for n in range(300):
            client.put_item(TableName=TABLE, Item={"pk": {"S": f"P{n}"}, "sk": {"S": "S"}, "n": {"N": "0"}})
        undo = isolation.light_transactions()
        try:
            yield client
        finally:
            undo()


def add(pk: str, condition: str | None = None) -> dict[str, Any]:
    update: dict[str, Any] = {
        "TableName": TABLE,
        "Key": {"pk": {"S": pk}, "sk": {"S": "S"}},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}


def put(pk: str) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}, "sk": {"S": "S"}, "n": {"N": "9"}}}}


def state(ddb: Any) -> tuple[dict[str, str], int]:
    """Every item's counter, and how many records the table's stream holds."""
    items = ddb.scan(TableName=TABLE)["Items"]
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].tables[TABLE]
    return {i["pk"]["S"]: i["n"]["N"] for i in items}, len(table.stream_shard.items)


def test_a_refused_transaction_leaves_items_and_stream_as_they_were(ddb: Any) -> None:
    before = state(ddb)
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        # The update and the new item are written before the third operation's condition fails.
        ddb.transact_write_items(TransactItems=[add("P1"), put("NEW"), add("P2", "n = :one")])
    assert state(ddb) == before


def test_a_transaction_that_goes_writes_every_item_and_streams_them(ddb: Any) -> None:
    items, records = state(ddb)
    ddb.transact_write_items(TransactItems=[add("P1"), put("NEW")])
    after, more = state(ddb)
    assert (after["P1"], after["NEW"], more - records) == ("1", "9", 2)
    assert {k: v for k, v in after.items() if k not in ("P1", "NEW")} == {k: v for k, v in items.items() if k != "P1"}


def test_no_table_is_copied_whole(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[Any] = []
    deepcopy = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        result = deepcopy(value, memo)
        if isinstance(value, Table) and isinstance(result, Table):  # a whole table, items and stream
            copied.append(value)
        return result

    monkeypatch.setattr(copy, "deepcopy", counting)
    ddb.transact_write_items(TransactItems=[add("P1"), add("P2")])
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[add("P3"), add("P4", "n = :one")])
    assert copied == []
