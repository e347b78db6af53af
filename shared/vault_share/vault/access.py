"""Who may do what in a vault: the caller, the roles, and the rules every use case applies.

Owners and members ("editors") do everything in their vault. A guest reads the public
dossiers, those granted to them and their own home page (a dossier of kind `home` whose
`homeOf` is them), and writes (uploads documents) into their home page only.

A vault the caller has no role in, and a dossier a guest may not read, do not exist for the
caller (404, never a hint). A dossier a guest reads but may not act on is 403. What guests may
never do at all (create dossiers, persons, links) is refused 403 before any lookup: the same
answer whatever the ids, so it reveals nothing either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from vault_share.errors import Forbidden, NotFound, Unauthorized
from vault_share.vault import models as m

EDITORS = ("owner", "member")

# Every id the vault makes (ids.new_id): anything else cannot exist, and must never reach a key
# ("#" would let a path segment pose as another item's key).
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str
    # Cognito's email_verified claim. The web client cannot write the e-mail (template.yaml), so an
    # account's is the one its invitation or its administrator verified; checked all the same.
    email_verified: bool = False

    def notification_email(self) -> str:
        """The address that will receive this caller's notifications: a verified one only."""
        if not self.email_verified:
            raise Forbidden(
                "Votre adresse e-mail n'est pas vérifiée : les avis de vos liens et invitations ne peuvent"
                " pas vous être envoyés. Faites-la vérifier, puis réessayez.",
                code="email_not_verified",
            )
        return self.email


def caller_from_event(event: Any) -> Caller:
    """Read `requestContext.authorizer.claims` (all strings, as API Gateway passes them).

    API Gateway rejects unauthenticated requests before the function runs;
    this check is the second line, for a route wired without the authorizer.
    """
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    sub, email, token_use = claims.get("sub"), claims.get("email"), claims.get("token_use")
    if not sub or not email or token_use != "id":  # noqa: S105 (a claim value, not a secret)
        raise Unauthorized()
    verified = claims.get("email_verified") in ("true", True)  # a string through API Gateway
    return Caller(user_id=sub, email=email.lower(), email_verified=verified)


# What the caller is told of an id that names nothing it may see: the same for a malformed id,
# an unknown one and one of another vault.
Kind = Literal["vault", "dossier", "document", "person"]
_UNKNOWN: dict[Kind, tuple[str, str]] = {
    "vault": ("Coffre introuvable.", "vault_not_found"),
    "dossier": ("Dossier introuvable.", "dossier_not_found"),
    "document": ("Document introuvable.", "document_not_found"),
    "person": ("Personne introuvable.", "person_not_found"),
}

_M = TypeVar("_M", bound=Model)


def not_found(kind: Kind) -> NotFound:
    message, code = _UNKNOWN[kind]
    return NotFound(message, code=code)


def well_formed(value: str) -> bool:
    return _ID.fullmatch(value) is not None


def known(value: str, kind: Kind) -> str:
    """A malformed id is simply not found, like any other unknown id."""
    if not well_formed(value):
        raise not_found(kind)
    return value


def existing(model: type[_M], kind: Kind, vault_id: str, sort_key: str) -> _M:
    """The vault's item under `sort_key`, or the 404 of its kind."""
    try:
        return model.get(m.vault_pk(vault_id), sort_key)
    except DoesNotExist:
        raise not_found(kind) from None


def membership(vault_id: str, caller: Caller) -> m.MemberItem:
    """The caller's member item in the vault; a stranger gets 404, never a hint that it exists."""
    known(vault_id, "vault")
    return existing(m.MemberItem, "vault", vault_id, m.member_sk(caller.user_id))


def role_in(vault_id: str, caller: Caller) -> str:
    return membership(vault_id, caller).role


EDITORS_ONLY = "Réservé au propriétaire et aux membres du coffre."


def ensure_editor(role: str) -> None:
    """May edit: owners and members; a guest sees the vault but may not change it (403)."""
    if role not in EDITORS:
        raise Forbidden(EDITORS_ONLY)


def require_editor(vault_id: str, caller: Caller) -> str:
    role = role_in(vault_id, caller)
    ensure_editor(role)
    return role


def existing_dossier(vault_id: str, dossier_id: str) -> m.DossierItem:
    known(dossier_id, "dossier")
    return existing(m.DossierItem, "dossier", vault_id, m.dossier_sk(dossier_id))


def home_of(dossier: m.DossierItem, caller: Caller) -> bool:
    """The caller's own home page."""
    return dossier.kind == m.HOME and dossier.home_of == caller.user_id


def _open_to(role: str, dossier: m.DossierItem, caller: Caller) -> bool:
    """Readable without a grant: every dossier by editors; public ones by anyone in the vault; a
    home page by its guest."""
    return role in EDITORS or dossier.public or home_of(dossier, caller)


def _ensure_readable(vault_id: str, role: str, dossier: m.DossierItem, caller: Caller) -> None:
    if not _open_to(role, dossier, caller):
        existing(m.GrantItem, "dossier", vault_id, m.grant_sk(caller.user_id, dossier.dossier_id))


def readable_dossier(vault_id: str, dossier_id: str, caller: Caller) -> m.DossierItem:
    """May read this dossier: editors every dossier; guests public ones, those granted to them, their home."""
    role = role_in(vault_id, caller)
    dossier = existing_dossier(vault_id, dossier_id)
    _ensure_readable(vault_id, role, dossier, caller)
    return dossier


def readable_filter(vault_id: str, role: str, caller: Caller) -> Callable[[m.DossierItem], bool]:
    """The rule of `readable_dossier` for a list of dossiers: the caller's grants are read once."""
    if role in EDITORS:
        return lambda dossier: True
    grants = m.GrantItem.query(m.vault_pk(vault_id), m.GrantItem.sk.startswith(m.grant_sk(caller.user_id, "")))
    granted = {grant.dossier_id for grant in grants}
    return lambda dossier: _open_to(role, dossier, caller) or dossier.dossier_id in granted


def may_write(role: str, dossier: m.DossierItem, caller: Caller) -> bool:
    """May upload documents into it: editors into every dossier, a guest into their home page only."""
    return role in EDITORS or home_of(dossier, caller)


def _may_edit(role: str, dossier: m.DossierItem, caller: Caller) -> bool:
    return role in EDITORS


def _acted_on(
    vault_id: str, dossier_id: str, caller: Caller, may: Callable[[str, m.DossierItem, Caller], bool], refusal: str
) -> m.DossierItem:
    role = role_in(vault_id, caller)
    dossier = existing_dossier(vault_id, dossier_id)
    if not may(role, dossier, caller):
        _ensure_readable(vault_id, role, dossier, caller)  # 404 for what the caller cannot see
        raise Forbidden(refusal)
    return dossier


def writable_dossier(vault_id: str, dossier_id: str, caller: Caller) -> m.DossierItem:
    """The dossier, if the caller may upload into it (`may_write`); else 403 if they may read it, 404 if not."""
    return _acted_on(
        vault_id, dossier_id, caller, may_write, "Un invité ne dépose des documents que dans sa page d'accueil."
    )


def edited_dossier(vault_id: str, dossier_id: str, caller: Caller) -> m.DossierItem:
    """The dossier, for what editors alone do on it (its journal); a guest is 403 on a dossier
    they may read, 404 on one they may not."""
    return _acted_on(vault_id, dossier_id, caller, _may_edit, EDITORS_ONLY)
