"""An invitation's two secrets and the channels that carry them, each send made once.

The link goes by e-mail if the person has an address, else by letter if they have a postal
address, else nowhere (`not_sent`); the code by SMS if a mobile is known, else the owner phones it.
The two never travel in one message.

Each send has a number (0 for the first, the relaunch count for a relaunch) and is claimed, per
channel, by a conditional write of the invitation item (`InvitationStore.insert` claims send 0,
`relaunch` send n; see the store): only the request whose write succeeded sends, so a retried or
concurrent request never sends or pays twice. What each channel did is then written back
(`record_sends`): `sent`, `queued` (a letter waiting to be printed), `failed` (the owner sees it).

Owner routes (invitations.owner) and scheduled reminders share this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools import Logger

from vault_share import clock, observability
from vault_share.adapters.letters import LetterId, LetterPost
from vault_share.adapters.mailer import Mailer
from vault_share.adapters.sealer import Sealer
from vault_share.adapters.sms import SmsSender
from vault_share.invitations import emails, sms
from vault_share.invitations.letter import InvitationLetter, letter_pdf, letter_text, postal_address
from vault_share.invitations.store import Invitation, InvitationStore
from vault_share.settings import get_settings

logger = Logger(child=True)

LINK, CODE = "link", "code"
LinkChannel = Literal["email", "postal", "none"]
CodeChannel = Literal["sms", "phone"]
QUEUED, SENT, FAILED, NOT_APPLICABLE = "queued", "sent", "failed", "not_applicable"


@dataclass(frozen=True)
class Secrets:
    """The invitation's token (in its link) and validation code: never logged, kept sealed."""

    token: str
    code: str

    def __repr__(self) -> str:  # a traceback or a debug line never shows them
        return "Secrets(<sealed>)"


def invite_url(token: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/invite/{token}"


# ---------------------------------------------------------------- sealed under the invitation key


def _context(vault_id: str, invitation_id: str) -> dict[str, str]:
    """KMS encryption context: a ciphertext opens for its own vault and invitation only."""
    return {"purpose": "invitation", "vaultId": vault_id, "invitationId": invitation_id}


def seal(sealer: Sealer, vault_id: str, invitation_id: str, secrets: Secrets) -> str:
    return sealer.seal({"token": secrets.token, "code": secrets.code}, _context(vault_id, invitation_id))


def unseal(sealer: Sealer, invitation: Invitation) -> Secrets:
    opened = sealer.unseal(invitation.sealed, _context(invitation.vault_id, invitation.invitation_id))
    return Secrets(str(opened["token"]), str(opened["code"]))


# ---------------------------------------------------------------- which channels


def link_channel(email: str | None, postal_address: Any) -> LinkChannel:
    if email:
        return "email"
    return "postal" if postal_address else "none"


def code_channel(mobile: str | None) -> CodeChannel:
    return "sms" if mobile else "phone"


def sent_on(link: str, code: str) -> list[str]:
    """The channels a send goes out on: the link unless there is none; the code if by SMS. An
    invitation whose link goes nowhere sends nothing (the code alone opens nothing)."""
    if link == "none":
        return []
    return [LINK, CODE] if code == "sms" else [LINK]


def first_channels(link: str, code: str) -> dict[str, dict[str, Any]]:
    """`channels` of a new invitation: send 0 claimed on the channels it goes out on."""
    on = sent_on(link, code)
    return {
        channel: ({"status": QUEUED, "send": 0} if channel in on else {"status": NOT_APPLICABLE})
        for channel in (LINK, CODE)
    }


def channel_statuses(invitation: Invitation) -> dict[str, dict[str, str]]:
    """`channels` as the contract shows them: a status per channel."""
    return {
        channel: {"status": str((invitation.channels.get(channel) or {}).get("status", NOT_APPLICABLE))}
        for channel in (LINK, CODE)
    }


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class Channels:
    """The adapters an invitation goes out through, built once per container by the handler."""

    mailer: Mailer
    sms: SmsSender
    letters: LetterPost


@dataclass(frozen=True)
class Sent:
    statuses: dict[str, str]
    letter_cents: int | None = None  # link by letter: what this send's letter cost (0: none made)


def attempt(subject_id: str, channel: str, send: Callable[[], str]) -> str:
    """`send()`'s status, or `failed` (logged by kind, never with what was sent) if it raised."""
    try:
        return send()
    except Exception as exc:  # the invitation (or access) stands; the owner sees the channel failed
        logger.warning(
            "message not sent",
            extra={"subject_id": subject_id, "channel": channel, "error_type": type(exc).__name__},
        )
        return FAILED


def send(invitation: Invitation, secrets: Secrets, number: int, on: list[str], channels: Channels) -> Sent:
    """Send `number` of the link and the code on the channels of `on`, claimed by the caller: each
    on its own channel, never together. What a channel fails on (building its message included)
    leaves it `failed`."""
    statuses: dict[str, str] = {}
    letter_cents: int | None = None
    subject = invitation.invitation_id
    if LINK in on and invitation.link_channel == "email":
        statuses[LINK] = attempt(subject, "email", lambda: _email(invitation, secrets, number, channels.mailer))
    if LINK in on and invitation.link_channel == "postal":
        paid: list[int] = []
        statuses[LINK] = attempt(
            subject, "postal", lambda: _letter(invitation, secrets, number, channels.letters, paid)
        )
        letter_cents = sum(paid)
    if CODE in on and invitation.code_channel == "sms":
        statuses[CODE] = attempt(subject, "sms", lambda: _sms(invitation, secrets, channels.sms))
    for part, status in statuses.items():
        observability.invitation_sent(invitation.code_channel if part == CODE else invitation.link_channel, status)
    return Sent(statuses, letter_cents)


def _email(invitation: Invitation, secrets: Secrets, number: int, mailer: Mailer) -> str:
    email = emails.invitation_email(
        to=invitation.email or "",
        vault_name=invitation.vault_name,
        url=invite_url(secrets.token),
        expires_at=clock.parse_iso(invitation.expires_at),
        code_channel="sms" if invitation.code_channel == "sms" else "phone",
        comment=invitation.comment,
        reminder=number > 0,
    )
    return done(mailer.send(email, from_name=from_name(invitation)))


def _sms(invitation: Invitation, secrets: Secrets, sender: SmsSender) -> str:
    text = sms.code_sms(invitation.vault_name, secrets.code, clock.parse_iso(invitation.expires_at))
    return done(sender.send(invitation.mobile or "", text))


def letter_recipient(first_name: str, last_name: str, address: Mapping[str, Any]) -> dict[str, Any]:
    """Whom an invitation's letters go to (its `postalAddress`): the name and the address fields, as
    the person had them when invited; ValueError (French) if La Poste's standard cannot write it."""
    postal_address(first_name, last_name, address)
    return {"firstName": first_name, "lastName": last_name, **{k: v for k, v in address.items() if v is not None}}


def _letter(invitation: Invitation, secrets: Secrets, number: int, post: LetterPost, paid: list[int]) -> str:
    """A new letter (the n-th of the invitation), stored and handed to the print step; `paid`
    gets its cost once it is queued or sent."""
    to = invitation.postal_address or {}
    letter = InvitationLetter(
        vault_name=invitation.vault_name,
        first_name=str(to.get("firstName", "")),
        last_name=str(to.get("lastName", "")),
        address=to,
        url=invite_url(secrets.token),
        expires_at=clock.parse_iso(invitation.expires_at),
        comment=invitation.comment,
        email_required=invitation.email_required,
    )
    record = post.send(LetterId(invitation.vault_id, invitation.invitation_id, number), letter_pdf(letter), to,
                       letter_text(letter))  # fmt: skip
    paid.append(record.cost_cents)
    observability.letter_posted(record.status, record.cost_cents)
    return record.status


SENDER_NAME = "vault-share"


def from_name(invitation: Invitation) -> str:
    """The sender's display name; the mailer keeps it from reading as an address."""
    return f"{invitation.vault_name} via {SENDER_NAME}"


def done(_message_id: str) -> str:
    """What a channel that answered a message id did."""
    return SENT


def deliver(
    store: InvitationStore, invitation: Invitation, secrets: Secrets, number: int, on: list[str], channels: Channels
) -> Invitation:
    """Send `number` of an invitation whose channels `on` the caller has claimed, and record what
    each channel did; the invitation as it now is."""
    if not on:
        return invitation
    sent = send(invitation, secrets, number, on, channels)
    recorded = store.record_sends(invitation.pk, number, sent.statuses, sent.letter_cents)
    return recorded.item or invitation
