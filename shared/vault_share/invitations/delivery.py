"""An invitation's two secrets and the channels that carry them, each send made once.

The link goes by e-mail if the person has an address, else by letter if they have a postal
address, else nowhere (`not_sent`); the code by SMS if a mobile is known, else the owner phones it.
The two never travel in one message.

Each send has a number (0 for the first, the relaunch count for a relaunch) and is claimed, per
channel, by a conditional write of the invitation item (`InvitationStore.insert` claims send 0,
`relaunch` send n, `retry` a send again; see the store): only the request whose write succeeded
sends, so a retried or concurrent request never sends or pays twice. What each channel did is then
written back (`record_sends`): `sent`, `queued` (a letter waiting to be printed), `failed` (the
owner sees it).

A channel left behind is the scheduled run's (invitations.reminders): one whose claim was never
recorded (the request died between its claim and its sends, or its record failed) once
STALE_CLAIM has passed, or one that failed, is sent again under a new claim, at most
MAX_SEND_RETRIES times. For that, every claim also sets the invitation's `nextRelaunchAt` (the
moment the run next looks at it) to STALE_CLAIM later, and the record puts it back to the next
reminder (`follow_up`). A crash (or a failed record) after a provider took a message is the one
case that sends it twice (the same link or code again): providers give no way to ask.

Owner routes (invitations.owner) and scheduled reminders share this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from aws_lambda_powertools import Logger

from vault_share import clock, observability, quotas
from vault_share.adapters.letters import LetterId, LetterPost
from vault_share.adapters.mailer import Mailer
from vault_share.adapters.sealer import Sealer
from vault_share.adapters.sms import SmsSender
from vault_share.invitations import emails, sms
from vault_share.invitations.letter import InvitationLetter, letter_pdf, letter_text, postal_address
from vault_share.invitations.schedule import Cadence
from vault_share.invitations.store import Invitation, InvitationStore
from vault_share.settings import get_settings

logger = Logger(child=True)

LINK, CODE = "link", "code"
LinkChannel = Literal["email", "postal", "none"]
CodeChannel = Literal["sms", "phone"]
QUEUED, SENT, FAILED, DEFERRED, NOT_APPLICABLE = "queued", "sent", "failed", "deferred", "not_applicable"
# A claim still unrecorded this long after it was made belongs to a request that died (a Lambda
# runs 15 seconds at most): the scheduled run sends that channel again.
STALE_CLAIM = timedelta(minutes=5)
# Sends again of one channel's send (failed, or its claim gone stale), by the scheduled run.
MAX_SEND_RETRIES = 3
# When the run looks again at a channel that failed (the schedule runs hourly: at its next run).
RETRY_AFTER = timedelta(minutes=5)


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


def quota_channels(link: str, code: str, on: list[str]) -> dict[str, int]:
    """What a send on `on` counts against the quotas (vault_share.quotas): channel -> messages."""
    counted: dict[str, int] = {}
    if LINK in on and link in ("email", "postal"):
        counted[quotas.EMAIL if link == "email" else quotas.LETTER] = 1
    if CODE in on and code == "sms":
        counted[quotas.SMS] = 1
    return counted


def first_channels(link: str, code: str, now: str) -> dict[str, dict[str, Any]]:
    """`channels` of a new invitation: send 0 claimed (at `now`) on the channels it goes out on."""
    on = sent_on(link, code)
    return {
        channel: (
            {"status": QUEUED, "send": 0, "claimedAt": now, "retries": 0}
            if channel in on
            else {"status": NOT_APPLICABLE}
        )
        for channel in (LINK, CODE)
    }


def check_at(claimed: datetime) -> str:
    """A claim's `nextRelaunchAt`: when the scheduled run finds it if it is never recorded."""
    return clock.iso(claimed + STALE_CLAIM)


# ---------------------------------------------------------------- what the schedule does next


def next_reminder(cadence: Cadence, invitation: Invitation) -> datetime | None:
    """The moment of the invitation's next scheduled reminder, from its last send; None when none
    is left, and for a letter invitation: its link is never re-sent automatically (a letter is the
    owner's decision, and paid), and an SMS reminder would carry the code alone, which opens
    nothing without the letter and which the person already received. The owner relaunches it."""
    if invitation.link_channel == "postal" or not invitation.last_sent_at:
        return None
    return cadence.next_reminder(
        clock.parse_iso(invitation.last_sent_at), invitation.relaunch_count, clock.parse_iso(invitation.expires_at)
    )


def _retries(entry: Mapping[str, Any]) -> int:
    return int(entry.get("retries") or 0)


def stuck(invitation: Invitation, moment: datetime) -> dict[int, list[str]]:
    """The channels the scheduled run sends again, by send number: claimed STALE_CLAIM ago or more
    and never recorded, or recorded failed (or deferred); each MAX_SEND_RETRIES times at most."""
    stale = clock.iso(moment - STALE_CLAIM)
    found: dict[int, list[str]] = {}
    for channel in (LINK, CODE):
        entry = invitation.channels.get(channel) or {}
        if "send" not in entry or _retries(entry) >= MAX_SEND_RETRIES:
            continue
        claimed = entry.get("claimedAt")
        if (claimed and str(claimed) <= stale) or (not claimed and entry.get("status") in (FAILED, DEFERRED)):
            found.setdefault(int(entry["send"]), []).append(channel)
    return found


def follow_up(invitation: Invitation, statuses: Mapping[str, str], cadence: Cadence, moment: datetime) -> str | None:
    """`nextRelaunchAt` once a send is recorded: soon if a channel failed and may be sent again,
    else the next reminder, else None (the invitation leaves the reminders' index)."""
    reminder = next_reminder(cadence, invitation)
    after = {c: statuses.get(c, (invitation.channels.get(c) or {}).get("status")) for c in (LINK, CODE)}
    if any(after[c] == FAILED and _retries(invitation.channels.get(c) or {}) < MAX_SEND_RETRIES for c in after):
        retry = moment + RETRY_AFTER
        reminder = min(reminder, retry) if reminder else retry
    return clock.iso(reminder) if reminder else None


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
    store: InvitationStore,
    invitation: Invitation,
    secrets: Secrets,
    number: int,
    on: list[str],
    channels: Channels,
    cadence: Cadence,
) -> Invitation:
    """Send `number` of an invitation whose channels `on` the caller has claimed (`invitation` as
    its claim left it), and record what each channel did and when the schedule looks at it next;
    the invitation as it now is."""
    if not on:
        return invitation
    sent = send(invitation, secrets, number, on, channels)
    claims = {c: str((invitation.channels.get(c) or {}).get("claimedAt", "")) for c in sent.statuses}
    next_look = follow_up(invitation, sent.statuses, cadence, clock.now())
    try:
        recorded = store.record_sends(invitation.pk, number, sent.statuses, claims, next_look, sent.letter_cents)
    except Exception as exc:
        # The sends are done: the caller is told what they did. Their claims stay unrecorded, so
        # the scheduled run sends them again after STALE_CLAIM (the one case of a message sent
        # twice, as a crash here would): failing the request would have its retry send them again
        # at once, and make a second invitation.
        logger.warning(
            "sends not recorded",
            extra={"subject_id": invitation.invitation_id, "error_type": type(exc).__name__},
        )
        return replace(invitation, channels=_with_statuses(invitation.channels, sent.statuses))
    return recorded.item or invitation


def _with_statuses(entries: Mapping[str, dict[str, Any]], statuses: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    return {
        channel: {**entry, "status": statuses.get(channel, entry.get("status"))} for channel, entry in entries.items()
    }
