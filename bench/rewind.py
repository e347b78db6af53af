"""DynamoDB put back, at the keys one recorded request wrote, as it was before that request.

A cold-start sample of a request that writes (an unlock, a new link, an invitation) must meet
the store the recorded request met, or its conditions answer otherwise (a used link, a quota
counter one higher). `Rewind.capture` scans the stack's tables before the recorded process;
`Rewind.of(calls)` keeps the items at the keys its recorded calls write (every PutItem,
UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems entry); `restore()` puts them
back, deleting those that were not there, before each process.

Items a handler writes at keys of its own (a new link's random token) are left: no process
of either kind reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Key = tuple[str, str]  # (table, key attributes as sorted JSON)


def _key_of(item: dict[str, Any], names: list[str]) -> str:
    return json.dumps({name: item[name] for name in names}, sort_keys=True)


def written_keys(calls: list[list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(table, its key or whole item) for every write among recorded `[service, operation, params, error]` calls."""
    found: list[tuple[str, dict[str, Any]]] = []
    for service, operation, params, _ in calls:
        if service != "dynamodb":
            continue
        if operation == "PutItem":
            found.append((params["TableName"], params["Item"]))
        elif operation in ("UpdateItem", "DeleteItem"):
            found.append((params["TableName"], params["Key"]))
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        found.append((table, request["PutRequest"]["Item"]))
                    else:
                        found.append((table, request["DeleteRequest"]["Key"]))
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                if "Put" in entry:
                    found.append((entry["Put"]["TableName"], entry["Put"]["Item"]))
                for kind in ("Update", "Delete"):
                    if kind in entry:
                        found.append((entry[kind]["TableName"], entry[kind]["Key"]))
    return found


@dataclass
class Rewind:
    dynamodb: Any
    key_names: dict[str, list[str]]  # table -> its key attributes
    before: dict[Key, dict[str, Any] | None]  # the recorded request's keys -> item before it (None: absent)
    snapshot: dict[Key, dict[str, Any]] | None = None

    @classmethod
    def capture(cls, dynamodb: Any) -> Rewind:
        """Every item of every table, as it is now (before the recorded process)."""
        key_names: dict[str, list[str]] = {}
        snapshot: dict[Key, dict[str, Any]] = {}
        for table in dynamodb.list_tables()["TableNames"]:
            schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
            key_names[table] = [part["AttributeName"] for part in schema]
            for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
                for item in page["Items"]:
                    snapshot[(table, _key_of(item, key_names[table]))] = item
        return cls(dynamodb, key_names, {}, snapshot)

    def keep(self, calls: list[list[Any]]) -> None:
        """From the snapshot, keep only the items at the keys `calls` (the recorded process's) write."""
        if self.snapshot is None:
            raise RuntimeError("keep() once, after capture()")
        for table, value in written_keys(calls):
            key = (table, _key_of(value, self.key_names[table]))
            self.before[key] = self.snapshot.get(key)
        self.snapshot = None

    def restore(self) -> None:
        for (table, key), item in self.before.items():
            if item is None:
                self.dynamodb.delete_item(TableName=table, Key=json.loads(key))
            else:
                self.dynamodb.put_item(TableName=table, Item=item)
