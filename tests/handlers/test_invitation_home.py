"""The guest's home page is made by the invitation, through InviteFunction's API Gateway events
(moto in-process): `homeDossierId` in the 201, the page among the owner's dossiers (kind `home`,
with the welcome text), one page per person whatever the invitations, the Idempotency-Key replay,
the acceptance and the direct access using that very page, all within the invitation's request
budget."""

from __future__ import annotations

import os
from typing import Any

import boto3
from vault_share.vault import models as m
from vault_share.vault.guests import home_dossier_id

from tests.fixtures import Api, Aws, User, new_user
from tests.handlers.test_guest_rights import squat
from tests.handlers.test_invitations_owner import (
    MOBILE,
    World,
    assert_link_without_code,
    aws_requests,
    invite,
    ok,
    person,
    personal_code,
    state,
    world,
)
from tests.handlers.test_links import call

__all__ = ["world"]  # the module's fixture, shared with the owner's tests

PASSWORD = "Correct-horse-42"


def homes(api: Api, world: World) -> dict[str, dict[str, Any]]:
    """The vault's dossiers of kind `home`, as the owner lists them."""
    listed = ok(call(api, "GET", f"/vaults/{world.vault_id}/dossiers", user=world.owner, query="limit=100"))
    return {d["dossierId"]: d for d in listed["dossiers"] if d["kind"] == "home"}


def accept(api: Api, aws: Aws, email: str, token: str, code: str) -> User:
    """The invited person accepts into a new account; the guest as the API sees them (their `sub`)."""
    accepted = call(api, "POST", f"/invite/{token}", {"code": code, "password": PASSWORD})
    assert accepted.status == 200, accepted.body
    account = boto3.client("cognito-idp").admin_get_user(UserPoolId=aws.ref("UserPool"), Username=email)
    [sub] = [a["Value"] for a in account["UserAttributes"] if a["Name"] == "sub"]
    return User(sub, email)


def test_the_invitation_makes_the_home_page_and_the_acceptance_opens_it(api: Api, aws: Aws, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="accueil.alain@example.fr", mobile=MOBILE)
    welcome = "Bonjour Alain, déposez ici votre permis de conduire."
    invited = invite(api, world, person_id, {"dossierIds": world.dossiers[:1], "welcome": welcome})
    home_id = invited.answer["homeDossierId"]
    assert home_id == home_dossier_id(world.vault_id, person_id)
    # The owners see it at once, among the dossiers, a page of kind `home` with the welcome text.
    assert homes(api, world)[home_id] == {
        "dossierId": home_id,
        "name": "Accueil – Alain DUPONT",
        "kind": "home",
        "public": False,
    }
    item = m.DossierItem.get(m.vault_pk(world.vault_id), m.dossier_sk(home_id))
    assert (item.welcome, item.created_by, item.home_of) == (welcome, world.owner.user_id, None)
    assert ok(call(api, "GET", f"/vaults/{world.vault_id}/invitations/{invited.answer['invitationId']}",
                   user=world.owner))["homeDossierId"] == home_id  # fmt: skip

    # The acceptance admits the guest into that page: theirs to read and write.
    token = assert_link_without_code(invited.emails[0], invited.answer["code"])
    guest = accept(api, aws, "accueil.alain@example.fr", token, invited.answer["code"])
    page = ok(call(api, "GET", f"/vaults/{world.vault_id}/home", user=guest))
    assert (page["homeDossierId"], page["welcome"]) == (home_id, welcome)
    assert home_id in {d["dossierId"] for d in page["dossiers"]}
    upload = {"fileName": "permis.pdf", "contentType": "application/pdf", "size": 8}
    path = f"/vaults/{world.vault_id}/dossiers/{home_id}/documents"
    assert call(api, "POST", path, upload, user=guest).status == 201
    assert m.DossierItem.get(m.vault_pk(world.vault_id), m.dossier_sk(home_id)).home_of == guest.user_id
    assert list(homes(api, world)).count(home_id) == 1


def test_one_home_page_per_person_whatever_the_invitations(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="deux.fois@example.fr")
    first = invite(api, world, person_id, {"welcome": "Premier mot"})
    cancelled = call(api, "DELETE", f"/vaults/{world.vault_id}/invitations/{first.answer['invitationId']}",
                     user=world.owner)  # fmt: skip
    assert cancelled.status == 204
    again = invite(api, world, person_id, {"welcome": "Autre mot"})
    assert again.answer["homeDossierId"] == first.answer["homeDossierId"]
    assert again.answer["invitationId"] != first.answer["invitationId"]
    home = m.DossierItem.get(m.vault_pk(world.vault_id), m.dossier_sk(first.answer["homeDossierId"]))
    assert home.welcome == "Premier mot", "a later invitation keeps the page and its text (as admissions do)"
    # Another person, another page; an invitation that goes nowhere makes its page too.
    other = person(api, world.owner, world.vault_id)
    unsent = invite(api, world, other)
    assert unsent.answer["status"] == "not_sent"
    assert unsent.answer["homeDossierId"] not in (None, first.answer["homeDossierId"])
    assert {first.answer["homeDossierId"], unsent.answer["homeDossierId"]} <= set(homes(api, world))


def test_a_replayed_invitation_answers_the_same_home_page_and_writes_nothing(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="rejeu.accueil@example.fr", mobile=MOBILE)
    headers = {"Idempotency-Key": f"home-{os.urandom(6).hex()}"}
    path = world.invitations_path(person_id)
    first = ok(call(api, "POST", path, {"welcome": "Bienvenue"}, user=world.owner, headers=headers), 201)
    before = state()
    again = ok(call(api, "POST", path, {"welcome": "Bienvenue"}, user=world.owner, headers=headers), 201)
    assert again["homeDossierId"] == first["homeDossierId"] and again == first
    assert state() == before
    assert first["homeDossierId"] in homes(api, world)


def test_direct_access_after_an_invitation_uses_the_same_home_page(api: Api, world: World) -> None:
    holder = new_user("titulaire.accueil")
    person_id = person(api, world.owner, world.vault_id, email=holder.email)
    invited = invite(api, world, person_id, {"welcome": "Votre espace"})
    body = {"personalCode": personal_code(api, holder), "dossierIds": world.dossiers[1:]}
    granted = ok(call(api, "POST", f"{world.person_path(person_id)}/access", body, user=world.owner), 201)
    assert granted["homeDossierId"] == invited.answer["homeDossierId"]
    page = ok(call(api, "GET", f"/vaults/{world.vault_id}/home", user=holder))
    assert (page["homeDossierId"], page["welcome"]) == (invited.answer["homeDossierId"], "Votre espace")


def test_an_id_held_by_another_dossier_refuses_the_invitation_and_writes_nothing(api: Api, world: World) -> None:
    person_id = person(api, world.owner, world.vault_id, email="squat@example.fr", mobile=MOBILE)
    home_id = home_dossier_id(world.vault_id, person_id)
    squatter = squat(world.vault_id, home_id, world.owner.user_id)
    try:
        before = state()
        refused = call(api, "POST", world.invitations_path(person_id), {}, user=world.owner)
        assert (refused.status, refused.json()["error"]) == (409, "home_conflict")
        assert "accueil" in refused.json()["message"]
        assert state() == before, "no invitation, no e-mail, no SMS"
        assert m.DossierItem.get(m.vault_pk(world.vault_id), m.dossier_sk(home_id)).kind == "other"
    finally:
        squatter.delete()


def test_the_home_page_costs_no_request_more(api: Api, world: World) -> None:
    """Written in the transaction that writes the invitation: the budget stays 6 (see the owner's tests)."""
    person_id = person(api, world.owner, world.vault_id, email="budget.accueil@example.fr", mobile=MOBILE)
    made = aws_requests(lambda: invite(api, world, person_id))
    assert len(made) <= 6 and made.count("dynamodb.TransactWriteItems") == 1, made
