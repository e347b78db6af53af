"""One-time links through the local stack's HTTP gateway, concurrent requests included.

The gateway runs concurrent requests as concurrent invocations (threads standing
for Lambda environments) against the embedded DynamoDB: the one-time rule must
hold there as it does in AWS.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from devstack.client import Answer, ApiClient
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def _create_link(stack: Stack, owner: ApiClient, **extra: Any) -> dict[str, Any]:
    demo = stack.demo
    answer = owner.post(
        f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/links",
        {"documentIds": demo["documentIds"], **extra},
    )
    assert answer.status == 201, answer.text
    link: dict[str, Any] = answer.json()
    stack.secrets.update({link["code"], link["url"].rsplit("/", 1)[1]})
    return link


def _at_once(count: int, call: Any) -> list[Answer]:
    barrier = threading.Barrier(count)
    answers: list[Answer | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def test_twenty_concurrent_unlocks_over_http_open_the_link_once(stack: Stack, owner: ApiClient) -> None:
    link = _create_link(stack, owner)
    answers = _at_once(20, lambda _i: ApiClient(stack.api_url).post(link["url"], {"code": link["code"]}))
    statuses = sorted(a.status for a in answers)
    assert statuses == [200] + [410] * 19, statuses
    assert {a.json()["error"] for a in answers if a.status == 410} == {"link_used"}


def test_twenty_concurrent_wrong_codes_over_http_lock_at_five(stack: Stack, owner: ApiClient) -> None:
    link = _create_link(stack, owner)
    wrong = [f"{(int(link['code']) + i) % 1_000_000:06d}" for i in range(1, 21)]
    answers = _at_once(20, lambda i: ApiClient(stack.api_url).post(link["url"], {"code": wrong[i]}))
    left = sorted(a.json()["attemptsLeft"] for a in answers if a.status == 403)
    assert left == [1, 2, 3, 4]
    assert sorted(a.status for a in answers).count(410) == 16
    after = ApiClient(stack.api_url).post(link["url"], {"code": link["code"]})
    assert (after.status, after.json()["error"]) == (410, "link_locked")
    listed = owner.get(f"/vaults/{stack.demo['vaultId']}/dossiers/{stack.demo['dossierId']}/links").json()["links"]
    mine = next(x for x in listed if x["linkId"] == link["linkId"])
    assert (mine["status"], mine["failedAttempts"]) == ("locked", 5)
