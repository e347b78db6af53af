"""The owner's side of invitations: invite a person, read, relaunch and cancel an invitation,
the person's page and contact details, direct access by personal code.

Owners and members only (vault_share.vault.access). Stores and channels come in as arguments
(`Inviting`), built once per container by the handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field, StringConstraints, field_validator

from vault_share import clock, ids, quotas
from vault_share.adapters.sealer import Sealer
from vault_share.dynamo import conditional_update, put_new
from vault_share.errors import Conflict, NotFound, TooManyRequests, Unprocessable
from vault_share.guard import secrets as guard_secrets
from vault_share.idempotency import Idempotent, Scope, Staged
from vault_share.invitations import codes, delivery, emails, schedule
from vault_share.invitations.delivery import Channels, Secrets
from vault_share.invitations.store import RETENTION_SECONDS, Invitation, InvitationStore, invitation_pk
from vault_share.schemas import ApiModel, Code, Message
from vault_share.settings import get_settings
from vault_share.shares import PartRefused
from vault_share.vault import guests, service
from vault_share.vault import models as m
from vault_share.vault.access import Caller, ensure_editor, not_found, require_editor, role_in, well_formed
from vault_share.vault.guests import Guest, TogetherRefused, admit_guest
from vault_share.vault.schemas import Mobile, UpdatePerson
from vault_share.vault.sharing import editor_with

logger = Logger(child=True)

# Wrong personal codes a vault, and an owner, may try in an hour (the next ones: 429).
PERSONAL_CODE_GUESSES = 10
GUESS_WINDOW_SECONDS = 3600

PERSONAL_CODE_PATTERN = r"^[ -]*(?:[0-9A-TV-Za-tv-z][ -]*){12}$"
DossierId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Body(ApiModel):
    """The wire names only (camelCase)."""

    model_config = ConfigDict(validate_by_name=False, validate_by_alias=True, defer_build=True)


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("dossiers en double")
    return values


class CreateInvitation(_Body):
    dossier_ids: list[DossierId] = Field(
        default_factory=list, max_length=guests.MAX_DOSSIERS, json_schema_extra={"uniqueItems": True}
    )
    mobile: Mobile | None = None
    welcome: Message | None = None
    comment: Message | None = None
    code: Code | None = None

    _dossiers = field_validator("dossier_ids")(_distinct)


class DirectAccess(_Body):
    # The contract declares what service.normalize_personal_code accepts (12 characters of its
    # alphabet, I L O read as 1 1 0, spaces and dashes anywhere); the code judges it itself
    # (422 invalid_personal_code) so that the answer names the expected form.
    personal_code: Annotated[
        str, StringConstraints(min_length=1, max_length=40), Field(json_schema_extra={"pattern": PERSONAL_CODE_PATTERN})
    ]
    dossier_ids: list[DossierId] = Field(
        default_factory=list, max_length=guests.MAX_DOSSIERS, json_schema_extra={"uniqueItems": True}
    )
    welcome: Message | None = None  # the guest's home page text, if the page is new

    _dossiers = field_validator("dossier_ids")(_distinct)


@dataclass(frozen=True)
class Inviting:
    """What the owner's use cases need, built once per container by the handler."""

    store: InvitationStore
    sealer: Sealer
    pepper: Callable[[], bytes]
    channels: Channels
    cadence: schedule.Cadence
    dynamodb: Any  # low-level client: the vault is read in one BatchGetItem
    vault_table: str
    shares_table: str


# ---------------------------------------------------------------- errors


def invitation_not_found() -> NotFound:
    return NotFound("Invitation introuvable.", code="invitation_not_found")


def not_pending(status: str) -> Conflict:
    return Conflict("Cette invitation n'est plus en attente.", code="invitation_not_pending", status=status)


def too_soon(last_sent_at: str, now: str) -> TooManyRequests:
    wait = clock.parse_iso(last_sent_at) + schedule.MANUAL_RELAUNCH_GAP - clock.parse_iso(now)
    return TooManyRequests(
        "L'invitation a été envoyée il y a moins d'une heure : réessayez plus tard.",
        code="too_soon",
        retryAfterSeconds=max(1, int(wait.total_seconds()) + 1),
    )


# ---------------------------------------------------------------- what an invitation needs from the vault


@dataclass(frozen=True)
class Invitee:
    member: m.MemberItem  # the caller's membership (vault name)
    person: m.PersonItem
    dossiers: list[m.DossierItem]


def _load(inviting: Inviting, caller: Caller, vault_id: str, person_id: str, dossier_ids: list[str]) -> Invitee:
    """The caller (owner or member), the person and the dossiers of this vault, in one BatchGetItem;
    what is not there, or not of this vault, is a 404."""
    keys = [m.person_sk(person_id)] if well_formed(person_id) else []
    keys += [m.dossier_sk(d) for d in dossier_ids if well_formed(d)]
    member, items = editor_with(inviting.dynamodb, inviting.vault_table, caller, vault_id, keys)
    person_item = items.get(m.person_sk(person_id))
    if person_item is None:
        raise not_found("person")
    missing = [d for d in dossier_ids if m.dossier_sk(d) not in items]
    if missing:
        raise NotFound("Dossier introuvable.", code="dossier_not_found", dossierIds=missing)
    dossiers = [m.DossierItem.from_raw_data(items[m.dossier_sk(d)]) for d in dossier_ids]
    homes = [d.dossier_id for d in dossiers if d.kind == "home"]
    if homes:
        raise Unprocessable(
            "La page d'accueil d'un invité ne s'ouvre pas à une autre personne.",
            code="dossier_not_shareable",
            dossierIds=homes,
        )
    return Invitee(member, m.PersonItem.from_raw_data(person_item), dossiers)


def _letter_recipient(person: m.PersonItem) -> dict[str, Any]:
    """Whom the letters go to; 422 when La Poste's standard cannot write the address."""
    address = service.person_json(person)["postalAddress"]
    try:
        return delivery.letter_recipient(person.first_name, person.last_name, address)
    except ValueError as exc:
        raise Unprocessable(
            f"{exc} Corrigez l'adresse postale de la personne pour l'inviter par courrier.",
            code="postal_address_unusable",
        ) from None


def _person_name(person: m.PersonItem) -> str:
    return f"{person.last_name.upper()} {person.first_name}"


# ---------------------------------------------------------------- views


def invitation_json(invitation: Invitation, secrets: Secrets | None, now: str) -> dict[str, Any]:
    """The invitation as owners and members read it; `code` only with the secrets unsealed."""
    status = invitation.state(now)
    view: dict[str, Any] = {
        "invitationId": invitation.invitation_id,
        "personId": invitation.person_id,
        "status": status,
        "linkChannel": invitation.link_channel,
        "codeChannel": invitation.code_channel,
        "relaunchCount": invitation.relaunch_count,
        "createdAt": invitation.created_at,
        "createdBy": invitation.created_by,
        "expiresAt": invitation.expires_at,
        "lastSentAt": invitation.last_sent_at,
        "nextRelaunchAt": invitation.next_relaunch_at if status == "pending" else None,
        "homeDossierId": invitation.home_dossier_id or None,
        "dossierIds": invitation.dossier_ids,
        "welcome": invitation.welcome,
        "comment": invitation.comment,
        "channels": delivery.channel_statuses(invitation),
    }
    if secrets is not None:
        view["code"] = secrets.code
    if invitation.link_channel == "postal" and invitation.postal:
        view["postal"] = {
            "costCents": int(invitation.postal.get("costCents", 0)),
            "letters": int(invitation.postal.get("letters", 0)),
            "status": invitation.postal.get("status"),
        }
    return view


def _editor_invitation(inviting: Inviting, caller: Caller, vault_id: str, invitation_id: str) -> Invitation:
    """The vault's invitation, for an owner or member: 404 for what the caller cannot see."""
    ensure_editor(role_in(vault_id, caller))
    invitation = inviting.store.by_id(vault_id, invitation_id) if well_formed(invitation_id) else None
    if invitation is None:
        raise invitation_not_found()
    return invitation


# ---------------------------------------------------------------- invite


@dataclass(frozen=True)
class InviteRequest:
    caller: Caller
    vault_id: str
    person_id: str
    body: CreateInvitation


def invite(request: InviteRequest, inviting: Inviting) -> Staged:
    """Check everything, write the mobile if one is given; then the answer (kept for a retry
    before anything else is done: vault_share.idempotency.Staged), and the effects: write the
    invitation (which claims its first send), and send: the link by e-mail or letter, the code by
    SMS. The code is in the answer and, sealed, in the invitation (the owner reads it back)."""
    body, caller = request.body, request.caller
    invitee = _load(inviting, caller, request.vault_id, request.person_id, body.dossier_ids)
    creator_email = caller.notification_email()  # before any write
    person = invitee.person
    link = delivery.link_channel(person.email, person.postal_address)
    recipient = _letter_recipient(person) if link == "postal" else None
    # The first send counts against the vault's and the caller's quotas (vault_share.quotas), in the
    # invitation's own transaction; with a new mobile, counted before the mobile is written, so
    # that a refused send (429) writes nothing either way.
    moment = clock.now()
    new_mobile = body.mobile is not None and body.mobile != person.mobile
    code = delivery.code_channel(body.mobile if new_mobile else person.mobile)
    on = delivery.sent_on(link, code)
    charged = quotas.counters(request.vault_id, caller.user_id, delivery.quota_channels(link, code, on), moment)
    quotas.check_room(charged, moment)
    counted_early = new_mobile and bool(charged)
    if counted_early:
        quotas.charge(inviting.dynamodb, inviting.vault_table, charged, moment)
    if new_mobile:
        try:
            person = service.set_contact(request.vault_id, person.person_id, UpdatePerson(mobile=body.mobile))
        except Exception:
            if counted_early:
                quotas.give_back(inviting.dynamodb, inviting.vault_table, charged)
            raise
    # The person's home page, made with the invitation (in its transaction) or kept as it is.
    home = guests.HomePage(
        request.vault_id, person.person_id, person.first_name, person.last_name, body.welcome, caller.user_id
    )

    secrets = Secrets(guard_secrets.new_token(), body.code or guard_secrets.new_code())
    hashed = guard_secrets.token_hash(secrets.token)
    invitation_id = ids.new_id()
    status = "pending" if link != "none" else "not_sent"
    expires = inviting.cadence.expires_at(moment)
    now = clock.iso(moment)
    invitation = Invitation(
        pk=invitation_pk(hashed),
        invitation_id=invitation_id,
        vault_id=request.vault_id,
        vault_name=invitee.member.vault_name,
        person_id=person.person_id,
        person_name=_person_name(person),
        person_first_name=person.first_name,
        person_last_name=person.last_name,
        dossier_ids=list(body.dossier_ids),
        home_dossier_id=home.dossier_id,
        status=status,
        link_channel=link,
        code_channel=code,
        channels=delivery.first_channels(link, code, now),
        created_by=caller.user_id,
        creator_email=creator_email,
        created_at=now,
        expires_at=clock.iso(expires),
        code_mac=guard_secrets.code_mac(
            inviting.pepper(), hashed, codes.at_invitation(link, person.email, secrets.code)
        ),
        validation_mac=codes.validation_mac(inviting.pepper(), hashed, link, person.email, secrets.code),
        sealed=delivery.seal(inviting.sealer, request.vault_id, invitation_id, secrets),
        email=person.email,
        mobile=person.mobile,
        postal_address=recipient,
        welcome=body.welcome,
        comment=body.comment,
        postal={"costCents": 0, "letters": 0, "status": delivery.QUEUED} if link == "postal" else None,
        last_sent_at=now if status == "pending" else None,
        # The record of the first send sets the first reminder (delivery.follow_up).
        next_relaunch_at=delivery.check_at(moment) if status == "pending" else None,
    )

    counters = [] if counted_early else quotas.parts(inviting.vault_table, charged)

    def effects() -> dict[str, Any]:
        try:
            inviting.store.insert(
                invitation,
                ttl=int(expires.timestamp()) + RETENTION_SECONDS,
                together=[guests.home_page_write(home, now), *counters],
            )
        except PartRefused as refused:
            if refused.index > 0:
                raise quotas.exceeded(charged[refused.index - 1], clock.now()) from None
            if counted_early:
                quotas.give_back(inviting.dynamodb, inviting.vault_table, charged)
            raise guests.home_conflict() from None
        sent = delivery.deliver(inviting.store, invitation, secrets, 0, on, inviting.channels, inviting.cadence)
        return invitation_json(sent, secrets, now)

    # Before the effects, as a retry would find it if the final answer could not be kept: each
    # channel `queued` (claimed, not yet known), which the owner's reads then tell.
    return Staged(invitation_json(invitation, secrets, now), effects)


def _scope(request: InviteRequest) -> Scope:
    return Scope(request.caller, request.vault_id, request.body, {"personId": request.person_id})


def idempotent_invite(
    table: str, sealer: Sealer, pepper: Callable[[], bytes], run: Callable[[InviteRequest], Staged]
) -> Idempotent[InviteRequest]:
    """`invite` where a retried request (same Idempotency-Key, same body) gets the first answer
    again, sealed under the invitation key (it holds the code). Built once per container."""
    return Idempotent(table, sealer, pepper, "invite-answer", run, _scope)


# ---------------------------------------------------------------- read, relaunch, cancel


def get_invitation(caller: Caller, vault_id: str, invitation_id: str, inviting: Inviting) -> dict[str, Any]:
    """With the code: owners and members only (a guest is refused by the access rule)."""
    invitation = _editor_invitation(inviting, caller, vault_id, invitation_id)
    secrets = delivery.unseal(inviting.sealer, invitation)
    return invitation_json(invitation, secrets, clock.iso(clock.now()))


def relaunch(caller: Caller, vault_id: str, invitation_id: str, inviting: Inviting) -> dict[str, Any]:
    """Send the same link and code again on the same channels (a new letter, paid again, for a
    postal one). 409 if not pending; 429 within an hour of the last send."""
    invitation = _editor_invitation(inviting, caller, vault_id, invitation_id)
    moment = clock.now()
    now = clock.iso(moment)
    _check_relaunch(invitation, moment)
    number = invitation.relaunch_count + 1
    on = delivery.sent_on(invitation.link_channel, invitation.code_channel)
    # Counted against the vault's and the caller's quotas before it is claimed (429: nothing
    # claimed, nothing sent); given back if the claim is refused.
    counted = delivery.quota_channels(invitation.link_channel, invitation.code_channel, on)
    charged = quotas.counters(vault_id, caller.user_id, counted, moment)
    quotas.charge(inviting.dynamodb, inviting.vault_table, charged, moment)
    changed = inviting.store.relaunch(
        invitation.pk,
        invitation.relaunch_count,
        now,
        clock.iso(moment - schedule.MANUAL_RELAUNCH_GAP),
        on,
        delivery.check_at(moment),
    )
    if not changed.applied or changed.item is None:
        quotas.give_back(inviting.dynamodb, inviting.vault_table, charged)
        # Changed since it was read (another relaunch, an acceptance...): the reason as it now is.
        _check_relaunch(changed.item or invitation, moment)
        raise too_soon(now, now)
    secrets = delivery.unseal(inviting.sealer, changed.item)
    relaunched = delivery.deliver(
        inviting.store, changed.item, secrets, number, on, inviting.channels, inviting.cadence
    )
    return invitation_json(relaunched, secrets, now)


def _check_relaunch(invitation: Invitation, moment: Any) -> None:
    now = clock.iso(moment)
    status = invitation.state(now)
    if status != "pending":
        raise not_pending(status)
    last = invitation.last_sent_at or invitation.created_at
    if not schedule.manual_relaunch_allowed(clock.parse_iso(last), moment):
        raise too_soon(last, now)


def cancel(caller: Caller, vault_id: str, invitation_id: str, inviting: Inviting) -> None:
    """pending or not sent -> cancelled: its link is then 410."""
    invitation = _editor_invitation(inviting, caller, vault_id, invitation_id)
    now = clock.iso(clock.now())
    if invitation.state(now) == "expired":
        raise not_pending("expired")
    changed = inviting.store.cancel(invitation.pk, caller.user_id, now)
    if not changed.applied and not _cancelled_by(changed.item, caller.user_id, now):
        raise not_pending(changed.item.state(now) if changed.item else "unknown")


def _cancelled_by(invitation: Invitation | None, user_id: str, now: str) -> bool:
    """This very request's cancel, sent again by botocore after its answer was lost."""
    return invitation is not None and invitation.cancelled_at == now and invitation.cancelled_by == user_id


# ---------------------------------------------------------------- the person's page


def person_page(caller: Caller, vault_id: str, person_id: str, inviting: Inviting) -> dict[str, Any]:
    """The person's contact details, their account's membership (if any) and latest invitation."""
    require_editor(vault_id, caller)
    return _person_view(inviting, vault_id, service.get_person(vault_id, person_id))


def update_person(
    caller: Caller, vault_id: str, person_id: str, body: UpdatePerson, inviting: Inviting
) -> dict[str, Any]:
    """Change the contact details sent (`null` clears one); the person's page as it now is."""
    require_editor(vault_id, caller)
    return _person_view(inviting, vault_id, service.set_contact(vault_id, person_id, body))


def _person_view(inviting: Inviting, vault_id: str, person: m.PersonItem) -> dict[str, Any]:
    invitation = inviting.store.latest_for_person(vault_id, person.person_id)
    view = service.person_json(person)
    view["access"] = _access(vault_id, person)
    now = clock.iso(clock.now())
    view["invitation"] = (
        invitation_json(invitation, delivery.unseal(inviting.sealer, invitation), now) if invitation else None
    )
    return view


def _access(vault_id: str, person: m.PersonItem) -> dict[str, str] | None:
    """The membership of the person's account in this vault, if they have one."""
    user_id = person.user_id
    if not user_id:
        return None
    try:
        member = m.MemberItem.get(m.vault_pk(vault_id), m.member_sk(user_id))
    except m.MemberItem.DoesNotExist:
        return None
    return {"role": member.role, "userId": user_id}


# ---------------------------------------------------------------- direct access by personal code


def grant_access(
    caller: Caller, vault_id: str, person_id: str, body: DirectAccess, inviting: Inviting
) -> dict[str, Any]:
    """The account whose personal code the owner typed becomes a guest of the vault at once.

    Wrong codes are limited (PERSONAL_CODE_GUESSES an hour, per vault and per owner): each code
    is counted before it is looked up, by one conditional write, so concurrent requests cannot
    try more; a right one is given back."""
    invitee = _load(inviting, caller, vault_id, person_id, body.dossier_ids)
    creator_email = caller.notification_email()  # before a guess is counted
    code = service.normalize_personal_code(body.personal_code)
    if code is None:
        raise Unprocessable(
            "Code personnel invalide : 12 caractères, lettres et chiffres (par exemple ABCD-1234-EFGH).",
            code="invalid_personal_code",
        )
    counted = _count_guess(inviting, [f"VAULT#{vault_id}", f"USER#{caller.user_id}"])
    profile = service.profile_by_personal_code(inviting.dynamodb, code)
    if profile is None:
        raise NotFound("Aucun compte n'a ce code personnel.", code="personal_code_unknown")
    _give_back(inviting, counted)

    # The account holder's e-mail counts against the vault's and the caller's quotas, in the
    # admission's own transaction: a refused one (429) admits and writes nothing.
    moment = clock.now()
    charged = quotas.counters(vault_id, caller.user_id, {quotas.EMAIL: 1}, moment)
    quotas.check_room(charged, moment)
    person = invitee.person
    guest = Guest(profile.user_id, profile.email, person.first_name, person.last_name, person.person_id)
    try:
        home_dossier_id = admit_guest(
            vault_id,
            invitee.member.vault_name,
            guest,
            body.dossier_ids,
            body.welcome,
            caller.user_id,
            quotas.requests(inviting.vault_table, charged),
        )
    except TogetherRefused as refused:
        raise quotas.exceeded(charged[refused.index], clock.now()) from None
    now = clock.now()
    access_id = ids.new_id()
    item = {
        "pk": f"ACCESS#{access_id}",
        "kind": "access",  # the journal's access.granted (journal.events)
        "accessId": access_id,
        "vaultId": vault_id,
        "personId": person.person_id,
        "personName": _person_name(person),
        "userId": profile.user_id,
        "dossierIds": list(body.dossier_ids),
        "homeDossierId": home_dossier_id,
        "createdBy": caller.user_id,
        "creatorEmail": creator_email,
        "createdAt": clock.iso(now),
        "ttl": int(now.timestamp()) + RETENTION_SECONDS,
    }
    # Made once whatever the put answers: a retry after a lost answer would tell the journals twice.
    put_new(inviting.dynamodb, inviting.shares_table, item, "accessId")
    email = emails.access_granted_email(
        to=profile.email, vault_name=invitee.member.vault_name, sign_in_url=get_settings().frontend_origin
    )
    status = delivery.attempt(
        access_id, "email", lambda: delivery.done(inviting.channels.mailer.send(email, from_name=delivery.SENDER_NAME))
    )
    return {
        "personId": person.person_id,
        "role": m.GUEST,
        "homeDossierId": home_dossier_id,
        "email": {"status": status},
    }


def _count_guess(inviting: Inviting, scopes: list[str]) -> list[dict[str, str]]:
    """Count one personal code tried for each scope in the current hour; 429 (nothing counted)
    once a scope has tried PERSONAL_CODE_GUESSES of them."""
    moment = clock.now()
    window = int(moment.timestamp()) // GUESS_WINDOW_SECONDS * GUESS_WINDOW_SECONDS
    counted: list[dict[str, str]] = []
    for scope in scopes:
        key = {"pk": f"PCODE_GUESSES#{scope}", "sk": str(window)}
        outcome = conditional_update(
            inviting.dynamodb,
            inviting.vault_table,
            key,
            "SET guesses = if_not_exists(guesses, :zero) + :one, #ttl = :ttl",
            "attribute_not_exists(guesses) OR guesses < :max",
            {":zero": 0, ":one": 1, ":max": PERSONAL_CODE_GUESSES, ":ttl": window + 2 * GUESS_WINDOW_SECONDS},
            {"#ttl": "ttl"},
        )
        if not outcome.applied:
            _give_back(inviting, counted)
            retry = window + GUESS_WINDOW_SECONDS - int(moment.timestamp())
            raise TooManyRequests(
                "Trop de codes personnels erronés en une heure : réessayez plus tard.",
                code="too_many_personal_codes",
                retryAfterSeconds=max(1, retry),
            )
        counted.append(key)
    return counted


def _give_back(inviting: Inviting, counted: list[dict[str, str]]) -> None:
    """A right code (or a refused one) does not count against the limit."""
    for key in counted:
        conditional_update(
            inviting.dynamodb,
            inviting.vault_table,
            key,
            "SET guesses = guesses - :one",
            "guesses > :zero",
            {":one": 1, ":zero": 0},
        )
