"""An owner whose e-mail Cognito has not verified cannot have notifications sent to it: making a
link, an invitation or a direct access (each e-mails its author later) is refused, 403
`email_not_verified` in French, before anything is written or sent."""

from __future__ import annotations

from dataclasses import replace

from tests.fixtures import Api
from tests.handlers.test_invitations_owner import World, access_path, person, personal_code, state, world
from tests.handlers.test_links import call
from tests.handlers.test_links import world as link_world  # noqa: F401 (a fixture)
from tests.raw_http import french_error

__all__ = ["world"]


def refused(result: object) -> None:
    assert result.status == 403, result.body  # type: ignore[attr-defined]
    body = result.json()  # type: ignore[attr-defined]
    french_error(body, "email_not_verified")
    assert "n'est pas vérifiée" in body["message"]


def test_an_unverified_owner_makes_no_invitation_and_the_mobile_stays(api: Api, world: World) -> None:
    someone = person(api, world.owner, world.vault_id, email="claire.martin@example.fr")
    unverified = replace(world.owner, email_verified=False)
    before = state()
    body = {"dossierIds": [world.dossiers[0]], "mobile": "06 12 34 56 78"}
    refused(call(api, "POST", world.invitations_path(someone), body, user=unverified))
    assert state() == before
    page = call(api, "GET", world.person_path(someone), user=world.owner).json()
    assert (page["mobile"], page["invitation"]) == (None, None)
    # The same owner, verified: it goes.
    assert call(api, "POST", world.invitations_path(someone), body, user=world.owner).status == 201


def test_an_unverified_owner_grants_no_direct_access_and_no_guess_is_counted(api: Api, world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    holder = make_user("holder")
    code = personal_code(api, holder)
    someone = person(api, world.owner, world.vault_id)
    unverified = replace(world.owner, email_verified=False)
    before = state()
    refused(call(api, "POST", access_path(world, someone), {"personalCode": code}, user=unverified))
    assert state() == before
    assert call(api, "POST", access_path(world, someone), {"personalCode": code}, user=world.owner).status == 201


def test_an_unverified_owner_makes_no_link(api: Api, link_world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    unverified = replace(link_world.owner, email_verified=False)
    before = state()
    path = f"/vaults/{link_world.vault_id}/dossiers/{link_world.dossier_id}/links"
    refused(call(api, "POST", path, link_world.body(recipientEmail="agent@prefecture.example"), user=unverified))
    assert state() == before
    assert call(api, "POST", path, link_world.body(), user=link_world.owner).status == 201
