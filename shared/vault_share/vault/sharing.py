"""What a sharing use case needs from the vault, in one BatchGetItem.

The caller's membership, the dossier and the chosen documents are read
together, whatever the number of documents (at most 50, so one request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vault_share.errors import Unprocessable
from vault_share.vault import models as m
from vault_share.vault.access import Caller, ensure_editor, not_found, well_formed


@dataclass(frozen=True)
class Shareable:
    member: m.MemberItem
    dossier: m.DossierItem
    documents: list[m.DocumentItem]  # in the order asked


def load_shareable(
    dynamodb: Any, table: str, caller: Caller, vault_id: str, dossier_id: str, document_ids: list[str]
) -> Shareable:
    """Owner or member of the vault; documents available and in this dossier.

    `dynamodb` is a low-level boto3 client and `table` the vault table's name: the caller builds
    them once per container. Malformed ids are not looked up: they name nothing."""
    keys = []
    if well_formed(dossier_id):
        keys.append(m.dossier_sk(dossier_id))
        keys += [m.document_sk(dossier_id, doc_id) for doc_id in document_ids if well_formed(doc_id)]
    member, items = editor_with(dynamodb, table, caller, vault_id, keys)
    dossier_item = items.get(m.dossier_sk(dossier_id))
    if dossier_item is None:
        raise not_found("dossier")

    documents, unavailable = [], []
    for doc_id in document_ids:
        raw = items.get(m.document_sk(dossier_id, doc_id))
        document = m.DocumentItem.from_raw_data(raw) if raw else None
        if document is None or document.status != "available":
            unavailable.append(doc_id)
        else:
            documents.append(document)
    if unavailable:
        raise Unprocessable(
            "Certains documents ne sont pas disponibles dans ce dossier.",
            code="documents_unavailable",
            documentIds=unavailable,
        )
    return Shareable(member, m.DossierItem.from_raw_data(dossier_item), documents)


def editor_with(
    dynamodb: Any, table: str, caller: Caller, vault_id: str, sort_keys: list[str]
) -> tuple[m.MemberItem, dict[str, dict[str, Any]]]:
    """The caller's membership, an owner's or a member's (404 for a stranger, 403 for a guest), and
    the vault's items under `sort_keys` that exist, by sort key: one BatchGetItem."""
    if not well_formed(vault_id):
        raise not_found("vault")
    items = _batch_get(dynamodb, table, m.vault_pk(vault_id), [m.member_sk(caller.user_id), *sort_keys])
    member_item = items.get(m.member_sk(caller.user_id))
    if member_item is None:
        raise not_found("vault")
    member = m.MemberItem.from_raw_data(member_item)
    ensure_editor(member.role)
    return member, items


def _batch_get(dynamodb: Any, table: str, pk: str, sort_keys: list[str]) -> dict[str, dict[str, Any]]:
    """Items by sort key; unprocessed keys are asked again (rare: throttling only)."""
    request: dict[str, Any] = {table: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for sk in dict.fromkeys(sort_keys)]}}
    found: dict[str, dict[str, Any]] = {}
    while request:
        answer = dynamodb.batch_get_item(RequestItems=request)
        for item in answer["Responses"].get(table, []):
            found[item["sk"]["S"]] = item
        request = answer.get("UnprocessedKeys") or {}
    return found
