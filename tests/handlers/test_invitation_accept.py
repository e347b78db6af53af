"""The invited person's side through the invite function's real handler (moto in-process):
the page and its JSON, the e-mail confirmation of the letter path, acceptance with the code.

Invitations are written by the store here (the owner's routes have tests of their own), sealed
under the template's InvitationKey as the owner's side seals them.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import boto3
import pytest
from moto.ses.models import ses_backends
from vault_share import clock
from vault_share.adapters.sealer import Sealer
from vault_share.guard import secrets
from vault_share.guard.secrets import Pepper
from vault_share.invitations import codes
from vault_share.invitations.delivery import Secrets, seal
from vault_share.invitations.store import Invitation, InvitationStore, invitation_pk

from devstack import isolation
from devstack.outbox import parse_raw_email
from tests.conftest import REGION
from tests.fixtures import ACCOUNT, Api, Aws, User, new_user
from tests.handlers.test_links import new_dossier, new_vault

PASSWORD = "Correct-horse-42"


def store() -> InvitationStore:
    return InvitationStore(boto3.client("dynamodb", region_name=REGION), os.environ["SHARES_TABLE"])


class Invited:
    def __init__(self, invitation: Invitation, token: str, code: str) -> None:
        self.invitation, self.token, self.code = invitation, token, code

    @property
    def path(self) -> str:
        return f"/invite/{self.token}"

    def item(self) -> Invitation:
        found = store().get(self.invitation.pk)
        assert found is not None
        return found


def invite(api: Api, owner: User, *, email: str | None = None, postal: bool = False) -> Invited:
    """A pending invitation of a new person into a new vault, as the owner's side writes it."""
    vault_id = new_vault(api, owner, "GARAGE AUTO")
    dossier_id = new_dossier(api, owner, vault_id, "SIV AB-123-CD")
    person = api.call("POST", f"/vaults/{vault_id}/persons", {"firstName": "Alain", "lastName": "DUPONT"}, user=owner)
    assert person.status == 201, person.body
    token, code = secrets.new_token(), secrets.new_code()
    hashed = secrets.token_hash(token)
    pepper = Pepper(os.environ["PEPPER_SECRET_ARN"])()  # as the handlers read it (cached per process)
    now = clock.now()
    invitation = Invitation(
        pk=invitation_pk(hashed),
        invitation_id=uuid.uuid4().hex,
        vault_id=vault_id,
        vault_name="GARAGE AUTO",
        person_id=person.json()["personId"],
        person_name="DUPONT Alain",
        person_first_name="Alain",
        person_last_name="DUPONT",
        dossier_ids=[dossier_id],
        home_dossier_id="",
        status="pending",
        link_channel="postal" if postal else "email",
        code_channel="phone",
        channels={"link": {"status": "sent"}, "code": {"status": "not_applicable"}},
        created_by=owner.user_id,
        creator_email=owner.email,
        created_at=clock.iso(now),
        expires_at=clock.iso(now + timedelta(days=30)),
        code_mac=secrets.code_mac(pepper, hashed, codes.at_invitation("postal" if postal else "email", None, code)),
        validation_mac=codes.validation_mac(pepper, hashed, "postal" if postal else "email", None, code),
        sealed="",
        email=None if postal else (email or f"alain.{uuid.uuid4().hex[:8]}@example.fr"),
        postal_address={"line1": "12 rue des Lilas", "postalCode": "75020", "city": "Paris", "country": "France"}
        if postal
        else None,
    )
    sealer = Sealer(boto3.client("kms", region_name=REGION), os.environ["INVITATION_KEY_ARN"])
    invitation.sealed = seal(sealer, vault_id, invitation.invitation_id, Secrets(token, code))
    store().insert(invitation, ttl=int(now.timestamp()) + 86400)
    return Invited(invitation, token, code)


def call(api: Api, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
    result = api.call(method, path, body, **kwargs)
    assert result.status < 500 or result.status == 503, result.body
    assert "Traceback" not in result.body
    return result


def sign_in(aws: Aws, email: str, password: str) -> dict[str, Any]:
    answer: dict[str, Any] = boto3.client("cognito-idp", region_name=REGION).initiate_auth(
        ClientId=aws.ref("UserPoolClient"),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return answer


def wrong(code: str, shift: int = 1) -> str:
    return f"{(int(code) + shift) % 1_000_000:06d}"


@pytest.fixture
def owner() -> User:
    return new_user("owner")


def test_the_page_and_its_json_describe_a_pending_invitation(api: Api, owner: User) -> None:
    invited = invite(api, owner)
    answer = call(api, "GET", invited.path)
    assert answer.status == 200
    assert answer.json() == {
        "status": "pending",
        "vaultName": "GARAGE AUTO",
        "expiresAt": invited.invitation.expires_at,
        "accountExists": False,
        "emailRequired": False,
    }
    page = call(api, "GET", invited.path, headers={"Accept": "text/html"})
    assert page.status == 200 and '<html lang="fr"' in page.body
    assert 'name="code"' in page.body and 'name="password"' in page.body
    assert invited.code not in page.body and invited.code not in answer.body
    assert page.headers.get("Referrer-Policy") == "no-referrer" and page.headers.get("Cache-Control") == "no-store"
    assert call(api, "GET", f"/invite/{secrets.new_token()}").status == 404
    assert call(api, "GET", "/invite/short").status == 404


def test_accepting_creates_the_account_and_the_guest_can_sign_in(api: Api, aws: Aws, owner: User) -> None:
    invited = invite(api, owner)
    refused = call(api, "POST", invited.path, {"code": wrong(invited.code), "password": PASSWORD})
    assert (refused.status, refused.json()["attemptsLeft"]) == (403, 4)
    weak = call(api, "POST", invited.path, {"code": invited.code, "password": "court"})
    assert (weak.status, weak.json()["error"]) == (422, "weak_password")
    assert invited.item().failed_attempts == 1, "a weak password judges no code"
    accepted = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD})
    assert accepted.status == 200, accepted.body
    assert accepted.json() == {"vaultId": invited.invitation.vault_id, "role": "guest"}
    assert invited.item().state() == "accepted"
    tokens = sign_in(aws, str(invited.invitation.email), PASSWORD)
    assert tokens["AuthenticationResult"]["IdToken"]
    person = call(
        api, "GET", f"/vaults/{invited.invitation.vault_id}/persons/{invited.invitation.person_id}", user=owner
    )
    assert person.json()["access"] == {"role": "guest", "userId": invited.item().accepted_by}, (
        "the owner sees the access"
    )
    again = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD})
    assert (again.status, again.json()["error"]) == (410, "invitation_accepted")
    assert call(api, "GET", invited.path).status == 410


def test_an_e_mail_code_where_none_was_asked_is_not_judged(api: Api, owner: User) -> None:
    invited = invite(api, owner)
    extra = {"code": invited.code, "password": PASSWORD, "email": invited.invitation.email, "emailCode": "123456"}
    answer = call(api, "POST", invited.path, extra)
    assert (answer.status, answer.json()["error"]) == (409, "email_not_required")
    after = invited.item()
    assert (after.state(), after.failed_attempts) == ("pending", 0)
    assert call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD}).status == 200


def test_an_existing_account_is_never_given_a_password(api: Api, aws: Aws, owner: User) -> None:
    email = f"deja.{uuid.uuid4().hex[:8]}@example.fr"
    idp = boto3.client("cognito-idp", region_name=REGION)
    idp.admin_create_user(
        UserPoolId=aws.ref("UserPool"),
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=aws.ref("UserPool"), Username=email, Password="Original-pass-1", Permanent=True
    )
    invited = invite(api, owner, email=email)
    assert call(api, "GET", invited.path).json()["accountExists"] is True
    before = invited.item()
    answer = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD})
    assert (answer.status, answer.json()["error"]) == (409, "account_exists")
    after = invited.item()
    assert (after.status, after.failed_attempts) == (before.status, before.failed_attempts), "nothing changed"
    sign_in(aws, email, "Original-pass-1")
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        sign_in(aws, email, PASSWORD)


def test_a_failure_midway_burns_nothing_and_the_retry_succeeds(api: Api, aws: Aws, owner: User) -> None:
    invited = invite(api, owner)
    pool = api.pools["AcceptFunction"]
    pool.warm_up()
    real = [m.public.accounts for m in pool.modules]

    class Down:
        def __init__(self, accounts: Any) -> None:
            self.accounts = accounts

        def __getattr__(self, name: str) -> Any:
            return getattr(self.accounts, name)

        def create(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("Cognito unreachable")

    for module, accounts in zip(pool.modules, real, strict=True):
        object.__setattr__(module.public, "accounts", Down(accounts))
    try:
        failed = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD})
    finally:
        for module, accounts in zip(pool.modules, real, strict=True):
            object.__setattr__(module.public, "accounts", accounts)
    assert (failed.status, failed.json()["error"]) == (503, "unavailable")
    assert invited.item().state() == "pending", "reopened, not burnt"
    retried = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD})
    assert retried.status == 200, retried.body
    sign_in(aws, str(invited.invitation.email), PASSWORD)


def test_concurrent_acceptances_one_wins(api: Api, owner: User) -> None:
    invited = invite(api, owner)
    pool = api.pools["AcceptFunction"]
    while pool.instances < 8:  # one warm container per concurrent request
        pool._idle.append(pool._load())
    undo = [isolation.atomic_dynamodb(), isolation.one_event_per_thread()]
    barrier = threading.Barrier(8)
    results: list[Any] = []
    try:

        def run() -> None:
            barrier.wait(timeout=30)
            results.append(api.call("POST", invited.path, {"code": invited.code, "password": PASSWORD}))

        threads = [threading.Thread(target=run) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for step in reversed(undo):
            step()
    outcomes = Counter((r.status, r.json().get("error")) for r in results)
    assert outcomes[(200, None)] == 1, outcomes
    assert set(outcomes) <= {(200, None), (409, "acceptance_in_progress"), (410, "invitation_accepted")}, outcomes


def test_the_letter_path_confirms_an_e_mail_address_first(api: Api, aws: Aws, owner: User) -> None:
    invited = invite(api, owner, postal=True)
    assert call(api, "GET", invited.path).json()["emailRequired"] is True
    without = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD})
    assert (without.status, without.json()["error"]) == (400, "invalid_email_code")
    assert invited.item().failed_attempts == 0, "a code without its e-mail code is not judged"
    address = f"alain.{uuid.uuid4().hex[:8]}@example.fr"
    sent = ses_backends[ACCOUNT][REGION].sent_messages
    before = len(sent)
    answer = call(api, "POST", f"{invited.path}/email", {"email": address})
    assert answer.status == 202
    [message] = [parse_raw_email(m.raw_data, list(m.destinations or [])) for m in sent[before:]]
    assert message["to"] == [address]
    [email_code] = re.findall(r"\b[0-9]{6}\b", message["text"])
    assert invited.code not in message["text"] and invited.token not in message["text"]
    # The validation code alone no longer accepts; nor a wrong e-mail code (each counts).
    alone = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD, "email": address,
                                              "emailCode": wrong(email_code)})  # fmt: skip
    assert (alone.status, alone.json()["attemptsLeft"]) == (403, 4)
    still = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD})
    assert (still.status, invited.item().failed_attempts) == (400, 1), "nor judged once an address is given"
    accepted = call(api, "POST", invited.path, {"code": invited.code, "password": PASSWORD, "email": address,
                                                 "emailCode": email_code})  # fmt: skip
    assert accepted.status == 200, accepted.body
    sign_in(aws, address, PASSWORD)


class _Form(HTMLParser):
    """The one form of a page: where it posts (its action resolved as a browser resolves it)."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.actions.append(dict(attrs).get("action"))


def resolved(page_path: str, reference: str) -> str:
    """The path a browser goes to from the page served at `page_path` behind a stage prefix, as
    API Gateway serves it (forms' actions and redirects must be relative to work there too)."""
    return urlsplit(urljoin(f"https://api.example/v1{page_path}", reference)).path.removeprefix("/v1")


def form_targets(page_path: str, page: str) -> list[str]:
    """Where a browser posts each of the page's forms."""
    parser = _Form()
    parser.feed(page)
    return [resolved(page_path, action or "") for action in parser.actions]


def test_the_letter_path_in_a_browser_posts_each_form_where_it_belongs(api: Api, aws: Aws, owner: User) -> None:
    """Without JavaScript: the e-mail form, then the page it answers, whose form must post the codes
    to the invitation (not back to `<token>/email`, which would e-mail another code and accept nothing)."""
    invited = invite(api, owner, postal=True)
    html = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    first = call(api, "GET", invited.path, headers={"Accept": "text/html"})
    assert first.status == 200
    [email_path] = form_targets(invited.path, first.body)
    assert email_path == f"{invited.path}/email"
    address = f"alain.{uuid.uuid4().hex[:8]}@example.fr"
    sent = ses_backends[ACCOUNT][REGION].sent_messages
    before = len(sent)
    asked = call(api, "POST", email_path, raw_body=urlencode({"email": address}).encode(), headers=html)
    assert asked.status == 303, asked.body  # Post/Redirect/Get: reloading the page sends no other code
    assert resolved(email_path, asked.headers["Location"]) == invited.path
    [message] = [parse_raw_email(m.raw_data, list(m.destinations or [])) for m in sent[before:]]
    [email_code] = re.findall(r"\b[0-9]{6}\b", message["text"])
    codes_page = call(api, "GET", invited.path, headers={"Accept": "text/html"})
    assert f"Un code de confirmation a été envoyé à {address}." in codes_page.body
    accept_path, again_path = form_targets(invited.path, codes_page.body)
    assert (accept_path, again_path) == (invited.path, email_path), "codes to the invitation, a new address to /email"
    fields = {"code": invited.code, "email": address, "emailCode": email_code, "password": PASSWORD}
    accepted = call(api, "POST", accept_path, raw_body=urlencode(fields).encode(), headers=html)
    assert accepted.status == 200, accepted.body
    assert "Invitation acceptée" in accepted.body
    assert len(sent) == before + 1, "one confirmation code, e-mailed once"
    sign_in(aws, address, PASSWORD)


def test_a_browsers_refused_form_comes_back_with_its_error(api: Api, owner: User) -> None:
    """Without JavaScript, a refused form is the form again, the error above it, its actions
    still where they belong; nothing is counted or sent."""
    html = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}

    def post(path: str, fields: dict[str, str]) -> Any:
        return call(api, "POST", path, raw_body=urlencode(fields).encode(), headers=html)

    invited = invite(api, owner)
    weak = post(invited.path, {"code": invited.code, "password": "court"})
    assert weak.status == 422 and 'role="alert"' in weak.body and "Mot de passe trop faible" in weak.body
    assert form_targets(invited.path, weak.body) == [invited.path]
    assert invited.item().failed_attempts == 0

    letter = invite(api, owner, postal=True)
    email_path = f"{letter.path}/email"
    bad = post(email_path, {"email": "pas-une-adresse"})
    assert bad.status == 422 and "Adresse e-mail invalide." in bad.body
    assert form_targets(email_path, bad.body) == [email_path]
    assert "confirmEmail" not in letter.item().extra, "nothing sent"
    address = f"alain.{uuid.uuid4().hex[:8]}@example.fr"
    for _ in range(3):
        assert post(email_path, {"email": address}).status == 303
    more = post(email_path, {"email": address})
    assert more.status == 409 and "Trop de codes envoyés" in more.body
    assert form_targets(email_path, more.body) == [letter.path, email_path], "the codes can still be given"
