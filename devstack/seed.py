"""The demo, created through the public API as the owner would: GARAGE AUTO, its SIV dossier and two
persons to invite: DUPONT Alain (e-mail, mobile and postal address: the link by e-mail, the code by
SMS) and BERNARD Sophie (a postal address only: the link by letter, the code by the owner's phone)."""

from __future__ import annotations

import boto3

from devstack.client import ApiClient, sign_in
from devstack.demo_documents import demo_documents
from devstack.stack import Demo, LocalStack

OWNER_EMAIL = "owner@garage-auto.example"
OWNER_PASSWORD = "Garage-Auto-2026"  # noqa: S105 (local demo account, printed on purpose)
# The demo's guests: DUPONT Alain as seeded, and what each types in the invitation page (a password
# of the user pool's policy; BERNARD Sophie, invited by letter, also gives an e-mail address there).
GUEST_EMAIL = "alain.dupont@example.fr"
GUEST_MOBILE = "+33612345678"
GUEST_PASSWORD = "Bienvenue-Alain-2026"  # noqa: S105 (local demo, printed on purpose)
POSTAL_ADDRESS = {"line1": "8 avenue Jean Jaurès", "postalCode": "69007", "city": "Lyon", "country": "France"}
POSTAL_GUEST_EMAIL = "sophie.bernard@example.fr"
POSTAL_GUEST_PASSWORD = "Bienvenue-Sophie-2026"  # noqa: S105 (local demo, printed on purpose)


class SeedError(RuntimeError):
    pass


def _expect(answer_status: int, expected: int, what: str) -> None:
    if answer_status != expected:
        raise SeedError(f"{what}: HTTP {answer_status}, expected {expected}")


def create_user(stack: LocalStack, email: str, password: str) -> None:
    """An account in the embedded user pool, confirmed, with a permanent password."""
    info = stack.info()
    cognito = boto3.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=info["userPoolId"],
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=info["userPoolId"], Username=email, Password=password, Permanent=True)


def seed(stack: LocalStack) -> Demo:
    info = stack.info()
    create_user(stack, OWNER_EMAIL, OWNER_PASSWORD)
    token = sign_in(info["awsEndpoint"], info["region"], info["userPoolClientId"], OWNER_EMAIL, OWNER_PASSWORD)
    api = ApiClient(info["apiUrl"], token)

    vault = api.post("/vaults", {"name": "GARAGE AUTO"})
    _expect(vault.status, 201, "create vault")
    vault_id = vault.json()["vaultId"]
    dossier = api.post(f"/vaults/{vault_id}/dossiers", {"name": "SIV AB-123-CD", "kind": "siv"})
    _expect(dossier.status, 201, "create dossier")
    dossier_id = dossier.json()["dossierId"]

    document_ids = []
    for file_name, content in demo_documents():
        created = api.post(
            f"/vaults/{vault_id}/dossiers/{dossier_id}/documents",
            {"fileName": file_name, "contentType": "application/pdf", "size": len(content)},
        )
        _expect(created.status, 201, f"create document {file_name}")
        document = created.json()
        uploaded = api.upload(document["upload"], content, file_name)
        if uploaded not in (200, 201, 204):
            raise SeedError(f"upload {file_name}: HTTP {uploaded}")
        completed = api.post(f"/vaults/{vault_id}/dossiers/{dossier_id}/documents/{document['documentId']}/complete")
        _expect(completed.status, 200, f"complete {file_name}")
        document_ids.append(document["documentId"])

    person = api.post(
        f"/vaults/{vault_id}/persons",
        {
            "firstName": "Alain",
            "lastName": "DUPONT",
            "email": GUEST_EMAIL,
            "mobile": GUEST_MOBILE,
            "postalAddress": {"line1": "12 rue des Lilas", "postalCode": "69003", "city": "Lyon", "country": "France"},
        },
    )
    _expect(person.status, 201, "create person")
    postal = api.post(
        f"/vaults/{vault_id}/persons", {"firstName": "Sophie", "lastName": "BERNARD", "postalAddress": POSTAL_ADDRESS}
    )
    _expect(postal.status, 201, "create postal-only person")

    stack.demo = Demo(
        vault_id=vault_id,
        dossier_id=dossier_id,
        document_ids=document_ids,
        person_id=person.json()["personId"],
        postal_person_id=postal.json()["personId"],
        owner_email=OWNER_EMAIL,
        owner_password=OWNER_PASSWORD,
    )
    return stack.demo
