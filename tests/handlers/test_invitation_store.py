"""The invitation item on the real shares table (moto): the guard judges codes, cancel and the
reads answer what the owner and the journal need. The use cases come with the invitations issue."""

from __future__ import annotations

import dataclasses
import os
import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest
from vault_share import clock
from vault_share.guard import secrets
from vault_share.invitations.store import Invitation, InvitationStore, invitation_pk

from devstack import isolation
from tests.conftest import REGION
from tests.fixtures import Aws

PEPPER = b"test-pepper"


@pytest.fixture(scope="module")
def store(aws: Aws) -> InvitationStore:
    return InvitationStore(boto3.client("dynamodb", region_name=REGION), os.environ["SHARES_TABLE"])


def new_invitation(store: InvitationStore, *, status: str = "pending", person_id: str | None = None,
                   vault_id: str | None = None) -> tuple[Invitation, str, str]:  # fmt: skip
    token, code = secrets.new_token(), secrets.new_code()
    hashed = secrets.token_hash(token)
    now = clock.now()
    invitation = Invitation(
        pk=invitation_pk(hashed),
        invitation_id=uuid.uuid4().hex,
        vault_id=vault_id or uuid.uuid4().hex,
        vault_name="GARAGE AUTO",
        person_id=person_id or uuid.uuid4().hex,
        person_name="DUPONT Alain",
        dossier_ids=[uuid.uuid4().hex],
        home_dossier_id=uuid.uuid4().hex,
        status=status,
        link_channel="email",
        code_channel="sms",
        channels={"link": {"status": "sent"}, "code": {"status": "sent"}},
        created_by="owner",
        creator_email="owner@example.fr",
        created_at=clock.iso(now),
        expires_at=clock.iso(now + timedelta(days=30)),
        code_mac=secrets.code_mac(PEPPER, hashed, code),
        sealed="kms-ciphertext",
        email="alain.dupont@example.fr",
        next_relaunch_at=clock.iso(now + timedelta(days=3)),
    )
    store.insert(invitation, ttl=int(now.timestamp()) + 86400)
    return invitation, token, code


def fields(invitation: Invitation | None) -> dict[str, Any]:
    """What was written, as read back (the item's other attributes aside)."""
    assert invitation is not None
    return {k: v for k, v in dataclasses.asdict(invitation).items() if k != "extra"}


def mac(token: str, code: str) -> str:
    return secrets.code_mac(PEPPER, secrets.token_hash(token), code)


def raw(pk: str) -> dict[str, Any]:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=os.environ["SHARES_TABLE"], Key={"pk": {"S": pk}}, ConsistentRead=True
    )["Item"]
    return item


def test_an_invitation_is_found_by_token_by_id_and_as_the_latest_of_its_person(store: InvitationStore) -> None:
    first, token, _ = new_invitation(store)
    clock.advance(0.01)
    later, _, _ = new_invitation(store, person_id=first.person_id, vault_id=first.vault_id)
    try:
        assert fields(store.get(first.pk)) == fields(first)
        assert fields(store.get(invitation_pk(secrets.token_hash(token)))) == fields(first)
        assert fields(store.by_id(first.vault_id, first.invitation_id)) == fields(first)
        assert store.by_id(uuid.uuid4().hex, first.invitation_id) is None
        latest = store.latest_for_person(first.vault_id, first.person_id)
        assert latest is not None and latest.invitation_id == later.invitation_id
        assert store.latest_for_person(first.vault_id, uuid.uuid4().hex) is None
    finally:
        clock.reset()
    item = raw(first.pk)
    # Pending: in the sweep's and the reminders' partitions; neither the token nor the code kept.
    assert (item["expiryPk"]["S"], item["relaunchPk"]["S"]) == ("INVITATION", "INVITATION")
    assert token not in str(item)


def test_the_right_code_accepts_once_and_wrong_ones_lock_after_five(store: InvitationStore) -> None:
    invitation, token, code = new_invitation(store)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    verdict, seen = store.accept(invitation.pk, mac(token, wrong), clock.iso(clock.now()))
    assert verdict == "wrong" and seen is not None and seen.failed_attempts == 1
    verdict, seen = store.accept(invitation.pk, mac(token, code), clock.iso(clock.now()))
    assert verdict == "won" and seen is not None and seen.accepted_at is not None
    assert (seen.state(), seen.failed_attempts) == ("accepting", 1)
    assert store.accept(invitation.pk, mac(token, code), clock.iso(clock.now()))[0] == "refused"
    # The account could not be made: reopened, the same code wins again; then accepted for good.
    reopened = store.reopen(invitation.pk, seen.accepted_at)
    assert reopened.applied and reopened.item is not None and reopened.item.state() == "pending"
    assert raw(invitation.pk)["expiryPk"]["S"] == "INVITATION"
    verdict, again = store.accept(invitation.pk, mac(token, code), clock.iso(clock.now()))
    assert verdict == "won" and again is not None and again.accepted_at is not None
    assert not store.finish(invitation.pk, seen.accepted_at, "user-1").applied, "only the acceptance in progress"
    done = store.finish(invitation.pk, again.accepted_at, "user-1")
    assert done.applied and done.item is not None
    assert (done.item.state(), done.item.accepted_by) == ("accepted", "user-1")
    assert "relaunchPk" not in raw(invitation.pk)
    assert store.accept(invitation.pk, mac(token, code), clock.iso(clock.now()))[0] == "refused"

    locked, token, code = new_invitation(store)
    verdicts = [
        store.accept(locked.pk, mac(token, f"{(int(code) + i) % 1_000_000:06d}"), clock.iso(clock.now()))[0]
        for i in range(1, 7)
    ]
    assert verdicts == ["wrong"] * 4 + ["locked", "refused"]
    after = store.get(locked.pk)
    assert after is not None and after.state() == "locked"
    assert store.accept(locked.pk, mac(token, code), clock.iso(clock.now()))[0] == "refused"


def test_concurrent_acceptances_one_wins(store: InvitationStore) -> None:
    invitation, token, code = new_invitation(store)
    undo = isolation.atomic_dynamodb()
    barrier = threading.Barrier(10)
    verdicts: list[str] = []
    try:

        def run(user: str) -> None:
            barrier.wait(timeout=30)
            verdicts.append(store.accept(invitation.pk, mac(token, code), clock.iso(clock.now()))[0])

        threads = [threading.Thread(target=run, args=(f"user-{i}",)) for i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        undo()
    assert Counter(verdicts) == Counter({"won": 1, "refused": 9})


def test_cancel_ends_a_pending_or_unsent_invitation_once(store: InvitationStore) -> None:
    for status in ("pending", "not_sent"):
        invitation, token, code = new_invitation(store, status=status)
        cancelled = store.cancel(invitation.pk, "owner", clock.iso(clock.now()))
        assert cancelled.applied and cancelled.item is not None
        assert cancelled.item.state() == "cancelled"
        item = raw(invitation.pk)
        assert "expiryPk" not in item and "relaunchPk" not in item
        again = store.cancel(invitation.pk, "owner", clock.iso(clock.now()))
        assert not again.applied and again.item is not None and again.item.status == "cancelled"
        assert store.accept(invitation.pk, mac(token, code), clock.iso(clock.now()))[0] == "refused"


def test_an_unsent_invitation_cannot_be_accepted_nor_expire(store: InvitationStore) -> None:
    invitation, token, code = new_invitation(store, status="not_sent")
    item = raw(invitation.pk)
    assert "expiryPk" not in item and "relaunchPk" not in item
    assert store.accept(invitation.pk, mac(token, code), clock.iso(clock.now()))[0] == "refused"
