"""Vault items in the single vault table (pk / sk, gsi1).

| item       | pk                | sk                               | gsi1pk / gsi1sk                                |
|------------|-------------------|----------------------------------|------------------------------------------------|
| vault      | VAULT#<vaultId>   | META                             |                                                |
| member     | VAULT#<vaultId>   | MEMBER#<userId>                  | USER#<userId> / VAULT#<vaultId>                |
| dossier    | VAULT#<vaultId>   | DOSSIER#<dossierId>              | DOSSIERS#<vaultId> / <name>␟<dossierId>        |
| document   | VAULT#<vaultId>   | DOSSIER#<dossierId>#DOC#<docId>  |                                                |
| grant      | VAULT#<vaultId>   | GRANT#<userId>#<dossierId>       |                                                |
| person     | VAULT#<vaultId>   | PERSON#<personId>                | PERSONS#<vaultId> / <last>␟<first>␟<personId>  |
| profile    | USER#<userId>     | PROFILE                          | PCODE#<code> / PROFILE                         |

The gsi1 sort keys of dossiers and persons list them by name (`name_order`).

A guest's home page is a dossier of kind `home` with `homeOf` (the guest's user id) and the
owner's `welcome` text; the guest's member item names it (`homeDossierId`). See vault.guests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from vault_share.contact import search_key
from vault_share.storage import Gsi1, vault_table

ROLES = ("owner", "member", "guest")
GUEST = "guest"
# Owners create dossiers of kind siv, internal or other (vault.schemas); `home` is a guest's page.
HOME = "home"


def vault_pk(vault_id: str) -> str:
    return f"VAULT#{vault_id}"


def dossier_sk(dossier_id: str) -> str:
    return f"DOSSIER#{dossier_id}"


def document_sk(dossier_id: str, document_id: str) -> str:
    return f"DOSSIER#{dossier_id}#DOC#{document_id}"


def member_sk(user_id: str) -> str:
    return f"MEMBER#{user_id}"


def grant_sk(user_id: str, dossier_id: str) -> str:
    return f"GRANT#{user_id}#{dossier_id}"


def person_sk(person_id: str) -> str:
    return f"PERSON#{person_id}"


def dossiers_gsi1pk(vault_id: str) -> str:
    return f"DOSSIERS#{vault_id}"


def persons_gsi1pk(vault_id: str) -> str:
    return f"PERSONS#{vault_id}"


# U+001F (unit separator) sorts before every character a name may hold, space included, so
# that ("de", "la b") sorts before ("de la", "a") as the names do, one part at a time.
_SEPARATOR = "\x1f"
# NFKD can expand a character up to 18 times: each part is cut so that the key stays far below
# DynamoDB's 1024 bytes for a sort key (names are at most 120 characters, of up to 4 bytes).
_PART_CHARS = 120


def name_order(*parts: str) -> str:
    """A sort key ordering by each part in turn, case- and accent-insensitive; the last part is an id."""
    *names, item_id = parts
    return _SEPARATOR.join([*(search_key(name)[:_PART_CHARS] for name in names), item_id])


class _VaultTableModel(Model):
    class Meta:
        table_name = vault_table()

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    created_at = UnicodeAttribute(attr_name="createdAt")

    def stored(self) -> bool:
        """Whether this item's key is in the table (a strongly consistent read); False when the
        read fails too."""
        try:
            type(self).get(self.pk, self.sk, consistent_read=True, attributes_to_get=["pk"])
        except Exception:
            return False
        return True


def write_new(write: Callable[[], Any], item: _VaultTableModel) -> None:
    """A write of new items under a fresh id, made once whatever its answer. The write may have
    been carried out though it failed: a timeout or a 5xx after DynamoDB wrote it, or a condition
    failing when botocore sent it again after losing its first answer (nothing else can hold a
    fresh id). So a failure stands only when `item`, one of the written items, is not stored."""
    try:
        write()
    except Exception:
        if not item.stored():
            raise


class VaultItem(_VaultTableModel):
    vault_id = UnicodeAttribute(attr_name="vaultId")
    name = UnicodeAttribute()
    created_by = UnicodeAttribute(attr_name="createdBy")


class MemberItem(_VaultTableModel):
    vault_id = UnicodeAttribute(attr_name="vaultId")
    user_id = UnicodeAttribute(attr_name="userId")
    role = UnicodeAttribute()
    vault_name = UnicodeAttribute(attr_name="vaultName")
    email = UnicodeAttribute()
    # A guest's home page (a dossier of kind `home`); None for owners and members.
    home_dossier_id = UnicodeAttribute(attr_name="homeDossierId", null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_user = Gsi1()


class DossierItem(_VaultTableModel):
    dossier_id = UnicodeAttribute(attr_name="dossierId")
    name = UnicodeAttribute()
    kind = UnicodeAttribute()  # siv | internal | other | home
    public = BooleanAttribute(default=False)
    created_by = UnicodeAttribute(attr_name="createdBy")
    # Home pages only: the guest whose page it is, and the owner's text for them.
    home_of = UnicodeAttribute(attr_name="homeOf", null=True)
    welcome = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_name = Gsi1()


class DocumentItem(_VaultTableModel):
    document_id = UnicodeAttribute(attr_name="documentId")
    dossier_id = UnicodeAttribute(attr_name="dossierId")
    file_name = UnicodeAttribute(attr_name="fileName")
    content_type = UnicodeAttribute(attr_name="contentType")
    size = NumberAttribute()
    status = UnicodeAttribute()  # pending | available
    s3_key = UnicodeAttribute(attr_name="s3Key")
    # The S3 object version checked at `complete`: what is shared, whatever is uploaded later.
    version_id = UnicodeAttribute(attr_name="versionId", null=True)


class GrantItem(_VaultTableModel):
    """A guest's read access to one dossier."""

    user_id = UnicodeAttribute(attr_name="userId")
    dossier_id = UnicodeAttribute(attr_name="dossierId")


class PostalAddress(MapAttribute[str, Any]):
    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(attr_name="postalCode")
    city = UnicodeAttribute()
    country = UnicodeAttribute()


class PersonItem(_VaultTableModel):
    person_id = UnicodeAttribute(attr_name="personId")
    first_name = UnicodeAttribute(attr_name="firstName")
    last_name = UnicodeAttribute(attr_name="lastName")
    email = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute(null=True)
    postal_address = PostalAddress(attr_name="postalAddress", null=True)
    # The person's account, once it has access to this vault (direct access, accepted invitation).
    user_id = UnicodeAttribute(attr_name="userId", null=True)
    search_key = UnicodeAttribute(attr_name="searchKey")
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_name = Gsi1()


class ProfileItem(_VaultTableModel):
    user_id = UnicodeAttribute(attr_name="userId")
    email = UnicodeAttribute()
    personal_code = UnicodeAttribute(attr_name="personalCode")
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_code = Gsi1()
