"""The stack the bench runs against: moto's server, resources from template.yaml, handlers, seed data.

One `ThreadedMotoServer` on 127.0.0.1 in this process serves everything: the
handlers loaded here (warm figures) and the fresh `python` processes of the
cold-start figure. The world is the handler tests' (devstack.testkit): resources
provisioned from template.yaml, handlers loaded as Lambda loads them, API Gateway
events from template.yaml's routes, and the vault, dossier, documents and links
created through the vault and create_link handlers, as an owner would; persons through the vault
handler and invitations through the invite handler, their links read from the e-mail SES "sent".
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer
from moto.ses.models import ses_backends

from devstack import isolation, template
from devstack.functions import Handler, LambdaContext, function_arn, load_handler
from devstack.outbox import parse_raw_email
from devstack.stack import aws_environment
from devstack.testkit import (
    ACCOUNT,
    REGION,
    Api,
    User,
    new_document,
    new_dossier,
    new_user,
    new_vault,
    provision,
)

ROOT = template.ROOT
STACK = "vault-share-bench"
BASE_URL = "https://api.vault-share.bench/v1"
CONSOLE_ORIGIN = "https://app.vault-share.bench"
FUNCTIONS = (
    "VaultFunction",
    "CreateLinkFunction",
    "DownloadFunction",
    "NotifyFunction",
    "InviteFunction",
    "AcceptFunction",
)
MOBILE = "+33612345678"
PASSWORD = "Correct-horse-42"  # meets the user pool's policy
_INVITE_LINK = re.compile(r"/invite/([A-Za-z0-9_-]{20,})")

__all__ = ["ACCOUNT", "REGION", "Function", "NewInvitation", "NewLink", "World", "layer_dirs", "start"]


@dataclass
class Function:
    """One warm "container" of a handler, loaded as Lambda loads it; called directly, to time the handler alone."""

    spec: template.FunctionSpec
    handler: Handler
    arn: str

    @classmethod
    def load(cls, spec: template.FunctionSpec) -> Function:
        return cls(spec, load_handler(spec, "bench"), function_arn(spec, REGION, ACCOUNT))

    def context(self) -> LambdaContext:
        return LambdaContext(function_name=self.spec.logical_id, invoked_function_arn=self.arn)


@dataclass(frozen=True)
class NewLink:
    token: str
    code: str
    document_ids: list[str]


@dataclass(frozen=True)
class NewInvitation:
    token: str  # from the link in the e-mail the person received
    code: str  # from the owner's answer (the person's SMS carries it)
    invitation_id: str
    email: str


@dataclass
class World:
    moto: ThreadedMotoServer
    endpoint: str
    resolver: template.Resolver
    env: dict[str, str]
    api: Api
    functions: dict[str, Function]
    owner: User = field(default_factory=lambda: new_user("owner"))
    vault_id: str = ""
    dossier_id: str = ""
    document_ids: list[str] = field(default_factory=list)
    undo: list[isolation.Undo] = field(default_factory=list)  # devstack's patches of moto, undone at stop

    def event(
        self, method: str, path: str, body: Any = None, *, owner: bool = False, **kwargs: Any
    ) -> tuple[Function, dict[str, Any]]:
        """The handler of the route template.yaml gives this path, and the event API Gateway would pass it."""
        event = self.api.event(method, path, body, user=self.owner if owner else None, **kwargs)
        return self.functions[self.api.route(method, path)[0].function], event

    def seed(self, documents: int) -> None:
        """A vault, a dossier and `documents` available documents, through the vault API."""
        self.vault_id = new_vault(self.api, self.owner, "GARAGE BENCH")
        self.dossier_id = new_dossier(self.api, self.owner, self.vault_id, "SIV AB-123-CD")
        self.document_ids = [
            new_document(self.api, self.owner, self.vault_id, self.dossier_id, f"piece-{n:02d}.pdf", b"%PDF-")
            for n in range(documents)
        ]

    def create_link_event(
        self, documents: int, *, email: bool = True, key: str | None = None
    ) -> tuple[Function, dict[str, Any]]:
        body: dict[str, Any] = {"documentIds": self.document_ids[:documents]}
        if email:
            body["recipientEmail"] = "alain.dupont@example.fr"
        headers = {"Idempotency-Key": key} if key else None
        path = f"/vaults/{self.vault_id}/dossiers/{self.dossier_id}/links"
        return self.event("POST", path, body, headers=headers, owner=True)

    def new_link(self, documents: int = 1) -> NewLink:
        """A link created the normal way (create_link handler); its token and code come from the answer."""
        function, event = self.create_link_event(documents, email=False)
        result = function.handler(event, function.context())
        if result["statusCode"] != 201:
            raise RuntimeError(f"create link: {result['statusCode']} {result.get('body')}")
        answer = json.loads(result["body"])
        return NewLink(answer["url"].rsplit("/", 1)[1], answer["code"], self.document_ids[:documents])

    def new_person(self, *, mobile: bool = True) -> tuple[str, str]:
        """(person id, e-mail) of a new person of the vault with an address of their own (no account
        yet) and, unless told not to, a mobile; made through the vault API."""
        email = f"alain.{uuid.uuid4().hex[:12]}@example.fr"
        body = {"firstName": "Alain", "lastName": "Dupont", "email": email}
        if mobile:
            body["mobile"] = MOBILE
        function, event = self.event("POST", f"/vaults/{self.vault_id}/persons", body, owner=True)
        result = function.handler(event, function.context())
        if result["statusCode"] != 201:
            raise RuntimeError(f"create person: {result['statusCode']} {result.get('body')}")
        return json.loads(result["body"])["personId"], email

    def invite_event(self, person_id: str) -> tuple[Function, dict[str, Any]]:
        """The owner invites the person into the dossier (no Idempotency-Key)."""
        path = f"/vaults/{self.vault_id}/persons/{person_id}/invitations"
        return self.event("POST", path, {"dossierIds": [self.dossier_id]}, owner=True)

    def new_invitation(self) -> NewInvitation:
        """A pending invitation of a new person, by e-mail and SMS, made the normal way (invite
        handler); the token comes from the link in the e-mail SES sent, the code from the answer."""
        person_id, email = self.new_person()
        function, event = self.invite_event(person_id)
        sent = ses_backends[ACCOUNT][REGION].sent_messages
        before = len(sent)
        result = function.handler(event, function.context())
        if result["statusCode"] != 201:
            raise RuntimeError(f"invite: {result['statusCode']} {result.get('body')}")
        answer = json.loads(result["body"])
        for message in list(sent)[before:]:
            mail = parse_raw_email(message.raw_data, list(message.destinations or []))
            found = _INVITE_LINK.search(mail["text"]) if email in mail["to"] else None
            if found:
                return NewInvitation(found.group(1), answer["code"], answer["invitationId"], email)
        raise RuntimeError(f"no invitation e-mail to {email}")

    def cancel_invitations(self) -> None:
        """Every invitation in the reminders' index cancelled through the owner's route (which takes
        it out of the index); one the route refuses (409: accepted meanwhile...) is left as it is."""
        from vault_share.adapters.aws import client
        from vault_share.invitations.store import RELAUNCH_PARTITION, InvitationStore

        ddb = client("dynamodb")
        store = InvitationStore(ddb, self.env["SHARES_TABLE"])
        keys = ddb.query(
            TableName=self.env["SHARES_TABLE"],
            IndexName="relaunch",
            KeyConditionExpression="relaunchPk = :p",
            ExpressionAttributeValues={":p": {"S": RELAUNCH_PARTITION}},
        )["Items"]
        for key in keys:
            invitation = store.get(key["pk"]["S"])
            if invitation is None:
                continue
            path = f"/vaults/{invitation.vault_id}/invitations/{invitation.invitation_id}"
            function, event = self.event("DELETE", path, owner=True)
            result = function.handler(event, function.context())
            if result["statusCode"] not in (204, 409):
                raise RuntimeError(f"cancel invitation: {result['statusCode']} {result.get('body')}")

    def stop(self) -> None:
        self.moto.stop()
        for undo in reversed(self.undo):
            undo()


# The bench is one owner sending hundreds of e-mails and SMS within minutes (request counts, load):
# a bulk sender's quotas (template parameters), far above the defaults a garage gets.
BULK_QUOTAS = {
    name: "1000000"
    for name in (
        "QuotaVaultEmailsPerDay",
        "QuotaVaultSmsPerDay",
        "QuotaVaultLettersPerDay",
        "QuotaUserEmailsPerHour",
        "QuotaUserSmsPerHour",
        "QuotaUserLettersPerHour",
    )
}


def start(documents: int = 50) -> World:
    """moto's server, every resource of template.yaml, the functions' environment, four warm handlers."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    # As the local stack: DynamoDB requests one at a time, and a transaction's rollback keeps only what it
    # touches (moto's copies every table it names, so a transaction's time grew with the tables).
    undo = [isolation.atomic_dynamodb(), isolation.light_transactions()]
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(aws_environment(endpoint))

    # FrontendOrigin: the console's origin (empty would name the CloudFront distribution, not created here).
    resolver = provision(STACK, REGION, ACCOUNT, PublicBaseUrl=BASE_URL, FrontendOrigin=CONSOLE_ORIGIN, **BULK_QUOTAS)
    api = Api(REGION, ACCOUNT)
    env = {**aws_environment(endpoint), **template.merged_environment(resolver, [api.specs[lid] for lid in FUNCTIONS])}
    os.environ.update(env)

    functions = {logical_id: Function.load(api.specs[logical_id]) for logical_id in FUNCTIONS}
    world = World(moto, endpoint, resolver, env, api, functions, undo=undo)
    world.seed(documents)
    return world


def layer_dirs(function: Function) -> tuple[Path, Path]:
    """The function's CodeUri and the layer, as Lambda puts them on sys.path."""
    return function.spec.code_uri, ROOT / "shared"
