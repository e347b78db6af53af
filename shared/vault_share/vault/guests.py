"""A guest's home page, and a guest admitted into a vault: home page, membership, grants, in one write.

The home page is the person's: a dossier of kind `home` with the owner's welcome text, under an id
derived from the vault and the person (`home_dossier_id`), so that every invitation and admission
of one person names the same one (created the first time, left as it is afterwards). The
invitation makes it (`home_page_write`, in the transaction that writes the invitation); the
admission gives it its guest (`homeOf`).

The invitation's acceptance and the owner's direct access (personal code) both admit the guest
here. One DynamoDB transaction, and no read before it (the acceptance's request budget counts it
as one request, the invitation's "accepted" written in it):

- the home page, made if missing, its guest set: refused when it is another account's page, or
  when anything else holds its id;
- the guest's member item, with the vault's name and `homeDossierId`; refused when the user
  already is an owner or a member of the vault (an admission never lowers a role);
- the person, linked to the account (refused when the person is gone);
- for each invited dossier, a check that it is a dossier of this vault (its key holds the vault:
  a dossier of another vault is not there) and not a home page, and the guest's grant.

Every part is an upsert whose values are set only where missing (`if_not_exists`), or set to
what they already are: a retry after success changes nothing and answers the same home id. A
later admission adds its grants and keeps the home page and its welcome text.

The function calling it needs dynamodb:UpdateItem and dynamodb:ConditionCheckItem on the vault
table (a TransactWriteItems is authorised part by part).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from vault_share import clock
from vault_share.errors import Conflict, Unprocessable
from vault_share.storage import write_together
from vault_share.vault import models as m
from vault_share.vault.access import known, not_found

# TransactWriteItems takes 100 actions: the home page, the member, the person, the acceptance's
# "accepted" (`together`), then two per dossier.
MAX_DOSSIERS = 48


@dataclass(frozen=True)
class Guest:
    user_id: str  # the account's `sub`
    email: str
    first_name: str
    last_name: str
    person_id: str  # the vault's person the account is: the home page is theirs


def home_dossier_id(vault_id: str, person_id: str) -> str:
    """The id of a person's home page in a vault: the same for every invitation and admission (an id's shape)."""
    return hashlib.sha256(f"home\x1f{vault_id}\x1f{person_id}".encode()).hexdigest()[:32]


def home_name(first_name: str, last_name: str) -> str:
    return f"Accueil – {first_name} {last_name.upper()}"


@dataclass(frozen=True)
class HomePage:
    """A person's home page as an invitation or an admission writes it."""

    vault_id: str
    person_id: str
    first_name: str
    last_name: str
    welcome: str | None
    made_by: str

    @property
    def dossier_id(self) -> str:
        return home_dossier_id(self.vault_id, self.person_id)

    def upsert(self, now: str, guest_user_id: str | None = None) -> tuple[m.DossierItem, list[Action], Condition]:
        """The update that makes the page if missing (its values only where missing) and, given
        `guest_user_id`, makes it that guest's. Refused when anything but a home page holds the id,
        or when it is another guest's page."""
        dossier, home_id = m.DossierItem, self.dossier_id
        name = home_name(self.first_name, self.last_name)
        actions = [
            dossier.dossier_id.set(home_id),
            dossier.kind.set(m.HOME),
            dossier.name.set(dossier.name | name),
            dossier.public.set(dossier.public | False),
            dossier.created_by.set(dossier.created_by | self.made_by),
            dossier.created_at.set(dossier.created_at | now),
            dossier.gsi1pk.set(m.dossiers_gsi1pk(self.vault_id)),
            dossier.gsi1sk.set(dossier.gsi1sk | m.name_order(name, home_id)),
        ]
        if self.welcome:
            actions.append(dossier.welcome.set(dossier.welcome | self.welcome))
        a_home = dossier.kind == m.HOME
        if guest_user_id is not None:
            actions.append(dossier.home_of.set(guest_user_id))
            a_home = a_home & (dossier.home_of.does_not_exist() | (dossier.home_of == guest_user_id))
        item = dossier(m.vault_pk(self.vault_id), m.dossier_sk(home_id))
        return item, actions, dossier.pk.does_not_exist() | a_home


def home_page_write(page: HomePage, now: str) -> dict[str, Any]:
    """The page as one part of another TransactWriteItems (the invitation's): its `Update`."""
    item, actions, condition = page.upsert(now)
    return {"Update": item.get_update_kwargs_from_instance(actions, condition, add_version_condition=False)}


def home_conflict() -> Conflict:
    return Conflict("La page d'accueil de cet invité ne peut pas être créée.", code="home_conflict")


class TogetherRefused(Exception):
    """An update written with the admission (`admit_guest`'s `together`) was refused by its
    condition: nothing of the admission is written."""

    def __init__(self, index: int) -> None:
        super().__init__(f"part {index} refused")
        self.index = index


def admit_guest(
    vault_id: str,
    vault_name: str,
    guest: Guest,
    dossier_ids: Sequence[str],
    welcome: str | None,
    admitted_by: str,
    together: Sequence[dict[str, Any]] = (),
) -> str:
    """Admit `guest` into the vault with read access to `dossier_ids`; answers the home page's id.
    The person is linked to the guest's account (their page shows the access). `together`:
    updates of another table (TransactWriteItems' `Update`) written in the same transaction, the
    acceptance's "accepted" for one.

    404 `dossier_not_found` for an id that names no dossier of this vault (or a home page), 404
    `person_not_found` when the person is gone, 409 `already_member` for an owner or member of the
    vault, 422 beyond MAX_DOSSIERS, TogetherRefused: nothing is written."""
    known(vault_id, "vault")
    known(guest.person_id, "person")
    page = HomePage(vault_id, guest.person_id, guest.first_name, guest.last_name, welcome, admitted_by)
    home_id = page.dossier_id
    invited = [known(d, "dossier") for d in dict.fromkeys(dossier_ids) if d != home_id]
    if len(invited) > MAX_DOSSIERS:
        raise Unprocessable(f"Au plus {MAX_DOSSIERS} dossiers par invitation.", code="too_many_dossiers")
    now = clock.iso(clock.now())
    pk = m.vault_pk(vault_id)
    dossier, member, grant, person = m.DossierItem, m.MemberItem, m.GrantItem, m.PersonItem
    checks = [
        dossier.get_operation_kwargs_from_class(
            pk, m.dossier_sk(dossier_id), condition=dossier.pk.exists() & (dossier.kind != m.HOME)
        )
        for dossier_id in invited
    ]
    home, home_actions, home_condition = page.upsert(now, guest.user_id)
    updates = [
        _update(home, home_actions, home_condition),
        _update(
            member(pk, m.member_sk(guest.user_id)),
            [
                member.vault_id.set(vault_id),
                member.user_id.set(guest.user_id),
                member.role.set(m.GUEST),
                member.vault_name.set(member.vault_name | vault_name),
                member.email.set(member.email | guest.email),
                member.home_dossier_id.set(home_id),
                member.created_at.set(member.created_at | now),
                member.gsi1pk.set(f"USER#{guest.user_id}"),
                member.gsi1sk.set(f"VAULT#{vault_id}"),
            ],
            member.pk.does_not_exist() | (member.role == m.GUEST),
        ),
        _update(person(pk, m.person_sk(guest.person_id)), [person.user_id.set(guest.user_id)], person.pk.exists()),
        *(
            _update(
                grant(pk, m.grant_sk(guest.user_id, dossier_id)),
                [
                    grant.user_id.set(guest.user_id),
                    grant.dossier_id.set(dossier_id),
                    grant.created_at.set(grant.created_at | now),
                ],
            )
            for dossier_id in invited
        ),
        *together,
    ]
    try:
        write_together(checks, updates)
    except TransactWriteError as exc:
        refusal = _refusal(exc, checks=len(checks), ours=len(updates) - len(together))
        if refusal is None:
            raise  # a conflict with a concurrent write, a throttle: the caller's retry is idempotent
        raise refusal from None
    return home_id


def _update(item: Any, actions: list[Action], condition: Condition | None = None) -> dict[str, Any]:
    kwargs: dict[str, Any] = item.get_update_kwargs_from_instance(
        actions=actions, condition=condition, add_version_condition=False
    )
    return kwargs


def _refusal(exc: TransactWriteError, checks: int, ours: int) -> Exception | None:
    """The error of the part whose condition failed; the reasons, one per part, come in the order
    of `admit_guest`'s parts: the dossier checks, the home page, the member, the person, the
    grants (never refused), then the `together` updates."""
    reasons = exc.cancellation_reasons or []
    failed = [i for i, r in enumerate(reasons) if r and r.code == "ConditionalCheckFailed"]
    if not failed:
        return None
    index = failed[0]
    if index < checks:
        return not_found("dossier")
    if index == checks:
        return home_conflict()
    if index == checks + 1:
        return Conflict("Cette personne est déjà propriétaire ou membre du coffre.", code="already_member")
    if index == checks + 2:
        return not_found("person")
    return TogetherRefused(index - checks - ours)
