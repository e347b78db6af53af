"""Invitations over HTTP on the local stack: the e-mailed link from the outbox, acceptance into a new
account, then signed in as the guest; and an existing account accepting with its own ID token
(verified by the function against the pool's JWKS), its password untouched."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Account, Stack

pytestmark = pytest.mark.e2e

INVITE_URL = re.compile(r"(?P<url>http://[^\s\"<>]+/invite/(?P<token>[A-Za-z0-9_-]{22,}))")


def invite(stack: Stack, owner: Any, email: str) -> tuple[str, dict[str, Any]]:
    """The demo owner invites a new person of the demo vault (code by phone): the token from the outbox."""
    vault = stack.demo["vaultId"]
    person = owner.post(f"/vaults/{vault}/persons", {"firstName": "Alain", "lastName": "Dupont", "email": email})
    assert person.status == 201, person.text
    answer = owner.post(
        f"/vaults/{vault}/persons/{person.json()['personId']}/invitations", {"dossierIds": [stack.demo["dossierId"]]}
    )
    assert answer.status == 201, answer.text
    stack.secrets.add(answer.json()["code"])
    mails = stack.client().get("/_local/outbox").json()["emails"]
    [mail] = [m for m in mails if email in m["to"]]
    token = INVITE_URL.search(mail["text"])["token"]  # type: ignore[index]
    stack.secrets.add(token)
    return token, answer.json()


def test_a_new_guest_accepts_then_signs_in(stack: Stack, owner: Any) -> None:
    email = f"alain.{uuid.uuid4().hex[:8]}@example.fr"
    token, invitation = invite(stack, owner, email)
    public = stack.client()
    assert public.get(f"/invite/{token}").json()["accountExists"] is False
    password = f"Invite-{uuid.uuid4().hex[:10]}-X9"
    stack.secrets.add(password)
    accepted = public.post(f"/invite/{token}", {"code": invitation["code"], "password": password})
    assert accepted.status == 200, accepted.text
    guest = stack.client(stack.sign_in(email, password))
    vaults = guest.get("/vaults").json()["vaults"]
    assert [v["role"] for v in vaults if v["vaultId"] == stack.demo["vaultId"]] == ["guest"]
    home = guest.get(f"/vaults/{stack.demo['vaultId']}/home")
    assert home.status == 200 and home.json()["homeDossierId"]
    assert public.get(f"/invite/{token}").status == 410


def test_an_existing_account_accepts_with_its_token_and_keeps_its_password(
    stack: Stack, owner: Any, stranger: Account
) -> None:
    token, invitation = invite(stack, owner, stranger.email)
    public = stack.client()
    assert public.get(f"/invite/{token}").json()["accountExists"] is True
    refused = public.post(f"/invite/{token}", {"code": invitation["code"], "password": "Another-pass-123"})
    assert (refused.status, refused.json()["error"]) == (409, "account_exists")
    forged = public.post(f"/invite/{token}", {"code": invitation["code"]}, headers={"Authorization": "Bearer x.y.z"})
    assert forged.status == 401
    accepted = stack.client(stranger.token).post(f"/invite/{token}", {"code": invitation["code"]})
    assert accepted.status == 200, accepted.text
    assert stack.sign_in(stranger.email, stranger.password), "the password is the one it had"
