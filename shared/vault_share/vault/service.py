"""Use cases of the minimal vault. Every read and write is scoped by vault and role."""

from __future__ import annotations

import secrets
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from vault_share import clock, ids
from vault_share.adapters.documents import DocumentStore
from vault_share.contact import search_key
from vault_share.dynamo import conditional_update, is_condition_failure, to_item
from vault_share.errors import Conflict
from vault_share.journal.models import dossier_journal_pk, notifications_pk, person_journal_pk
from vault_share.journal.reads import journal_page, notifications_page
from vault_share.pagination import Partition, query_page
from vault_share.storage import model_query, transaction
from vault_share.vault import models as m
from vault_share.vault.access import (
    Caller,
    edited_dossier,
    existing,
    known,
    membership,
    not_found,
    readable_dossier,
    readable_filter,
    require_editor,
    writable_dossier,
)
from vault_share.vault.schemas import (
    CreateDocument,
    CreateDossier,
    CreatePerson,
    CreateVault,
    PostalAddressIn,
    UpdatePerson,
)

# Personal codes: Crockford base32 without look-alikes, 12 characters (60 bits).
_PERSONAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# ------------------------------------------------------------------ vaults


def create_vault(caller: Caller, body: CreateVault) -> dict[str, Any]:
    vault_id, now = ids.new_id(), clock.iso(clock.now())
    vault = m.VaultItem(
        m.vault_pk(vault_id), "META", vault_id=vault_id, name=body.name, created_by=caller.user_id, created_at=now
    )

    def write() -> None:
        with transaction() as tx:
            tx.save(vault, condition=m.VaultItem.pk.does_not_exist())
            tx.save(_member(vault_id, body.name, caller, "owner", now))

    m.write_new(write, vault)
    return {"vaultId": vault_id, "name": body.name, "role": "owner", "createdAt": now}


def _member(vault_id: str, vault_name: str, user: Caller, role: str, now: str) -> m.MemberItem:
    return m.MemberItem(
        m.vault_pk(vault_id),
        m.member_sk(user.user_id),
        vault_id=vault_id,
        user_id=user.user_id,
        role=role,
        vault_name=vault_name,
        email=user.email,
        created_at=now,
        gsi1pk=f"USER#{user.user_id}",
        gsi1sk=f"VAULT#{vault_id}",
    )


def list_vaults(caller: Caller) -> dict[str, Any]:
    members = m.MemberItem.by_user.query(f"USER#{caller.user_id}")
    return {"vaults": [{"vaultId": x.vault_id, "name": x.vault_name, "role": x.role} for x in members]}


# ------------------------------------------------------------------ dossiers and documents


def dossier_json(dossier: m.DossierItem) -> dict[str, Any]:
    return {
        "dossierId": dossier.dossier_id,
        "name": dossier.name,
        "kind": dossier.kind,
        "public": dossier.public,
        "createdAt": dossier.created_at,
    }


def document_json(doc: m.DocumentItem) -> dict[str, Any]:
    return {
        "documentId": doc.document_id,
        "fileName": doc.file_name,
        "contentType": doc.content_type,
        "size": int(doc.size),
        "status": doc.status,
    }


def create_dossier(caller: Caller, vault_id: str, body: CreateDossier) -> dict[str, Any]:
    require_editor(vault_id, caller)
    dossier_id = ids.new_id()
    dossier = m.DossierItem(
        m.vault_pk(vault_id),
        m.dossier_sk(dossier_id),
        dossier_id=dossier_id,
        name=body.name,
        kind=body.kind,
        public=body.public,
        created_by=caller.user_id,
        created_at=clock.iso(clock.now()),
        gsi1pk=m.dossiers_gsi1pk(vault_id),
        gsi1sk=m.name_order(body.name, dossier_id),
    )
    m.write_new(lambda: dossier.save(condition=m.DossierItem.pk.does_not_exist()), dossier)
    return {**dossier_json(dossier), "documents": []}


def list_dossiers(caller: Caller, vault_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """The dossiers the caller may read, by name."""
    return _readable_page(vault_id, membership(vault_id, caller).role, caller, limit, cursor)


def home(caller: Caller, vault_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """A guest's home page: the owner's welcome, the home dossier and the dossiers they may read
    (the home one among them); owners and members get the dossiers they may read, no home."""
    member = membership(vault_id, caller)
    welcome, home_id = None, None
    if member.role == m.GUEST and member.home_dossier_id:
        home_id = member.home_dossier_id
        welcome = existing(m.DossierItem, "dossier", vault_id, m.dossier_sk(home_id)).welcome
    return {
        "welcome": welcome,
        "homeDossierId": home_id,
        **_readable_page(vault_id, member.role, caller, limit, cursor),
    }


def _readable_page(vault_id: str, role: str, caller: Caller, limit: int, cursor: str | None) -> dict[str, Any]:
    partition = Partition(m.dossiers_gsi1pk(vault_id), key_names=("gsi1pk", "gsi1sk", "pk", "sk"))
    dossiers, next_cursor = query_page(
        model_query(m.DossierItem.by_name.query, partition.value),
        partition,
        limit=limit,
        cursor=cursor,
        parse=m.DossierItem.from_raw_data,
        keep=readable_filter(vault_id, role, caller),
    )
    return {
        "dossiers": [{"dossierId": d.dossier_id, "name": d.name, "kind": d.kind, "public": d.public} for d in dossiers],
        "nextCursor": next_cursor,
    }


def get_dossier(caller: Caller, vault_id: str, dossier_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """The dossier and one page of its documents (in the order of their ids)."""
    dossier = readable_dossier(vault_id, dossier_id, caller)
    partition = Partition(m.vault_pk(vault_id), sort_prefix=m.document_sk(dossier_id, ""))
    docs, next_cursor = query_page(
        model_query(m.DocumentItem.query, partition.value, m.DocumentItem.sk.startswith(partition.sort_prefix)),
        partition,
        limit=limit,
        cursor=cursor,
        parse=m.DocumentItem.from_raw_data,
    )
    return {**dossier_json(dossier), "documents": [document_json(d) for d in docs], "nextCursor": next_cursor}


def create_document(
    caller: Caller, vault_id: str, dossier_id: str, body: CreateDocument, store: DocumentStore
) -> dict[str, Any]:
    writable_dossier(vault_id, dossier_id, caller)
    document_id = ids.new_id()
    doc = m.DocumentItem(
        m.vault_pk(vault_id),
        m.document_sk(dossier_id, document_id),
        document_id=document_id,
        dossier_id=dossier_id,
        file_name=body.file_name,
        content_type=body.content_type,
        size=body.size,
        status="pending",
        s3_key=f"vaults/{vault_id}/dossiers/{dossier_id}/{document_id}",
        created_at=clock.iso(clock.now()),
    )
    upload = store.presign_upload(doc.s3_key, body.content_type, body.size)
    m.write_new(lambda: doc.save(condition=m.DocumentItem.pk.does_not_exist()), doc)
    return {**document_json(doc), "upload": upload}


def complete_document(
    caller: Caller, vault_id: str, dossier_id: str, document_id: str, store: DocumentStore, dynamodb: Any
) -> dict[str, Any]:
    writable_dossier(vault_id, dossier_id, caller)
    known(document_id, "document")
    doc = existing(m.DocumentItem, "document", vault_id, m.document_sk(dossier_id, document_id))
    if doc.status == "available":
        return document_json(doc)
    stored = store.head(doc.s3_key)
    if stored is None:
        raise Conflict("Aucun fichier n'a été déposé pour ce document.", code="upload_missing")
    # The version checked here is the one links will serve. A concurrent complete that won gives
    # the same outcome: the item as it was when the condition failed.
    update = "SET #status = :available, #size = :size"
    values: dict[str, Any] = {":available": "available", ":pending": "pending", ":size": stored.size}
    if stored.version_id is not None:
        update += ", versionId = :version"
        values[":version"] = stored.version_id
    outcome = conditional_update(
        dynamodb,
        m.vault_table(),
        {"pk": doc.pk, "sk": doc.sk},
        update,
        "#status = :pending",
        values,
        {"#status": "status", "#size": "size"},
    )
    return document_json(m.DocumentItem.from_raw_data(to_item(outcome.new or outcome.old or {})))


# ------------------------------------------------------------------ persons


def person_json(person: m.PersonItem) -> dict[str, Any]:
    address = person.postal_address
    postal = None
    if address:
        postal = {
            "line1": address.line1,
            "line2": address.line2,
            "postalCode": address.postal_code,
            "city": address.city,
            "country": address.country,
        }
    return {
        "personId": person.person_id,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "email": person.email,
        "mobile": person.mobile,
        "postalAddress": postal,
        "createdAt": person.created_at,
    }


def _postal(address: PostalAddressIn | None) -> m.PostalAddress | None:
    return m.PostalAddress(**address.model_dump(exclude_none=True)) if address else None


def create_person(caller: Caller, vault_id: str, body: CreatePerson) -> dict[str, Any]:
    require_editor(vault_id, caller)
    person_id = ids.new_id()
    person = m.PersonItem(
        m.vault_pk(vault_id),
        m.person_sk(person_id),
        person_id=person_id,
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        mobile=body.mobile,
        postal_address=_postal(body.postal_address),
        search_key=search_key(body.first_name, body.last_name),
        created_at=clock.iso(clock.now()),
        gsi1pk=m.persons_gsi1pk(vault_id),
        gsi1sk=m.name_order(body.last_name, body.first_name, person_id),
    )
    m.write_new(lambda: person.save(condition=m.PersonItem.pk.does_not_exist()), person)
    return person_json(person)


def search_persons(caller: Caller, vault_id: str, query: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """Every word of the query must appear in the name, in any order ("dupont alain", "alain dup");
    by last name, then first name (the gsi1 sort key), across pages."""
    require_editor(vault_id, caller)
    condition = None
    for word in dict.fromkeys(search_key(query or "").split()):
        contains = m.PersonItem.search_key.contains(word)
        condition = contains if condition is None else condition & contains
    partition = Partition(m.persons_gsi1pk(vault_id), key_names=("gsi1pk", "gsi1sk", "pk", "sk"))
    persons, next_cursor = query_page(
        model_query(m.PersonItem.by_name.query, partition.value, filter_condition=condition),
        partition,
        limit=limit,
        cursor=cursor,
        parse=m.PersonItem.from_raw_data,
    )
    return {"persons": [person_json(p) for p in persons], "nextCursor": next_cursor}


def get_person(vault_id: str, person_id: str) -> m.PersonItem:
    known(person_id, "person")
    return existing(m.PersonItem, "person", vault_id, m.person_sk(person_id))


def set_contact(vault_id: str, person_id: str, body: UpdatePerson) -> m.PersonItem:
    """The contact details `body` sends, in one conditional update of an existing person (`null`
    clears a field); the person as it now is. The caller's rights are the use case's to check."""
    fields = {
        "email": (m.PersonItem.email, body.email),
        "mobile": (m.PersonItem.mobile, body.mobile),
        "postal_address": (m.PersonItem.postal_address, _postal(body.postal_address)),
    }
    actions = [
        attribute.remove() if value is None else attribute.set(value)
        for name, (attribute, value) in fields.items()
        if name in body.model_fields_set
    ]
    return _update_person(vault_id, person_id, actions) if actions else get_person(vault_id, person_id)


def _update_person(vault_id: str, person_id: str, actions: list[Any]) -> m.PersonItem:
    known(person_id, "person")
    person = m.PersonItem(m.vault_pk(vault_id), m.person_sk(person_id))
    try:
        person.update(actions=actions, condition=m.PersonItem.pk.exists())
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        raise not_found("person") from None
    return person


# ------------------------------------------------------------------ journals and notifications


def dossier_journal(caller: Caller, vault_id: str, dossier_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    edited_dossier(vault_id, dossier_id, caller)
    return journal_page(dossier_journal_pk(vault_id, dossier_id), limit, cursor)


def person_journal(caller: Caller, vault_id: str, person_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    require_editor(vault_id, caller)
    get_person(vault_id, person_id)
    return journal_page(person_journal_pk(vault_id, person_id), limit, cursor)


def notifications(caller: Caller, limit: int, cursor: str | None) -> dict[str, Any]:
    return notifications_page(notifications_pk(caller.user_id), limit, cursor)


# ------------------------------------------------------------------ profile


_PERSONAL_LENGTH = 12
# What people type for a code read aloud or copied by hand (Crockford's decoding).
_PERSONAL_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _grouped(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, _PERSONAL_LENGTH, 4))


def _new_personal_code() -> str:
    return _grouped("".join(secrets.choice(_PERSONAL_ALPHABET) for _ in range(_PERSONAL_LENGTH)))


def normalize_personal_code(typed: str) -> str | None:
    """A personal code as stored (`XXXX-XXXX-XXXX`) from what a person typed: any case, spaces
    and dashes anywhere, O for 0, I or L for 1; None when it cannot be a personal code."""
    raw = "".join(typed.split()).replace("-", "").upper().translate(_PERSONAL_LOOK_ALIKES)
    if len(raw) != _PERSONAL_LENGTH or any(char not in _PERSONAL_ALPHABET for char in raw):
        return None
    return _grouped(raw)


def profile_by_personal_code(dynamodb: Any, code: str) -> m.ProfileItem | None:
    """The account whose personal code this is (gsi1 `PCODE#<code>`), or None. Through the
    low-level client: PynamoDB's DEBUG lines would carry the key, hence the code."""
    items = dynamodb.query(
        TableName=m.vault_table(),
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :code",
        ExpressionAttributeValues={":code": {"S": f"PCODE#{code}"}},
        Limit=1,
    )["Items"]
    return m.ProfileItem.from_raw_data(items[0]) if items else None


def me(caller: Caller) -> dict[str, Any]:
    """The caller's profile, created on first read with a fresh personal code."""
    pk = f"USER#{caller.user_id}"
    try:
        profile = m.ProfileItem.get(pk, "PROFILE")
    except DoesNotExist:
        code = _new_personal_code()
        profile = m.ProfileItem(
            pk,
            "PROFILE",
            user_id=caller.user_id,
            email=caller.email,
            personal_code=code,
            gsi1pk=f"PCODE#{code}",
            gsi1sk="PROFILE",
            created_at=clock.iso(clock.now()),
        )
        try:
            profile.save(condition=m.ProfileItem.pk.does_not_exist())
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
            # A concurrent first read won: use its code.
            profile = m.ProfileItem.get(pk, "PROFILE", consistent_read=True)
    return {"userId": profile.user_id, "email": profile.email, "personalCode": profile.personal_code}
