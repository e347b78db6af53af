"""Writes what the stream carries: journal entries, notifications, owner e-mails.

Exactly once, nothing lost:
- an entry's key derives from the stream record (eventID) and the event, so a
  redelivered record rewrites the very same items, never new ones;
- all items of a batch go out in BatchWriteItem requests (25 items each);
- an e-mail is sent behind a conditional marker: a redelivery finds the marker
  and sends nothing; a failed send removes it and fails the record, so Lambda
  retries it (then parks it in the on-failure queue). The marker says `sending`
  until the send is done: a redelivery that finds it so (a write whose answer
  was lost, botocore's own retry of it, a failure after the send) sends again.
  An owner e-mail may then arrive twice; it is never lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from aws_lambda_powertools import Logger
from pynamodb.exceptions import PutError

from vault_share import clock
from vault_share.adapters.mailer import Email, Mailer
from vault_share.dynamo import is_condition_failure
from vault_share.journal import messages
from vault_share.journal.events import DomainEvent
from vault_share.journal.models import (
    EmailMarkerItem,
    JournalEntryItem,
    NotificationItem,
    dossier_journal_pk,
    notifications_pk,
    person_journal_pk,
)

NOTIFICATION_RETENTION = timedelta(days=180)
SENDING, SENT = "sending", "sent"

logger = Logger(child=True)

_Item = TypeVar("_Item", JournalEntryItem, NotificationItem)


@dataclass
class Outcome:
    """What one stream record makes: items to write, e-mails to send once."""

    entries: list[JournalEntryItem] = field(default_factory=list)
    notifications: list[NotificationItem] = field(default_factory=list)
    emails: list[tuple[str, Email]] = field(default_factory=list)


def _key(event_id: str, event: DomainEvent, purpose: str) -> str:
    raw = f"{event_id}|{event.type}|{event.discriminator}|{purpose}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def outcome_of(event_id: str, events: list[DomainEvent]) -> Outcome:
    outcome = Outcome()
    for event in events:
        text = messages.message(event)
        for journal_kind, owner_id in event.journals:
            pk = (
                dossier_journal_pk(event.vault_id, owner_id)
                if journal_kind == "DOSSIER"
                else person_journal_pk(event.vault_id, owner_id)
            )
            entry_id = _key(event_id, event, pk)
            outcome.entries.append(
                JournalEntryItem(
                    pk,
                    f"{event.at}#{entry_id}",
                    entry_id=entry_id,
                    at=event.at,
                    type=event.type,
                    message=text,
                    details=event.details,
                )
            )
        notification_id = _key(event_id, event, "notification")
        expires = clock.parse_iso(event.at) + NOTIFICATION_RETENTION
        outcome.notifications.append(
            NotificationItem(
                notifications_pk(event.notify_user),
                f"{event.at}#{notification_id}",
                notification_id=notification_id,
                at=event.at,
                type=event.type,
                message=text,
                details={**event.details, "vaultId": event.vault_id},
                ttl=int(expires.timestamp()),
            )
        )
        email = messages.owner_email(event)
        if email is not None:
            outcome.emails.append((_key(event_id, event, "email"), email))
    return outcome


def _unique(items: Iterable[_Item]) -> list[_Item]:
    return list({(item.pk, item.sk): item for item in items}.values())


class Recorder:
    """Built once per container by the notify handler; `mailer` is its one channel."""

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def write(self, outcomes: list[Outcome]) -> None:
        """Every entry and notification of the batch, 25 items a request.

        BatchWriteItem refuses a request that names a key twice (and would fail every record of
        the batch with it): an item is written once, whatever repeats it."""
        with JournalEntryItem.batch_write() as entries:
            for entry in _unique(e for outcome in outcomes for e in outcome.entries):
                entries.save(entry)
        with NotificationItem.batch_write() as notifications:
            for notification in _unique(n for outcome in outcomes for n in outcome.notifications):
                notifications.save(notification)

    def send_once(self, marker_key: str, email: Email) -> bool:
        """Send unless already sent; False when a previous delivery did. Raises if SES fails."""
        marker = EmailMarkerItem(f"EMAIL#{marker_key}", "SENT", at=clock.iso(clock.now()), status=SENDING)
        try:
            marker.save(condition=EmailMarkerItem.pk.does_not_exist() | (EmailMarkerItem.status == SENDING))
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        try:
            self.mailer.send(email, from_name="vault-share")
        except Exception:
            marker.delete()  # so that the retry sends it
            raise
        marker.status = SENT
        try:
            marker.save()  # a put: the function may put and delete markers, not update them
        except Exception as exc:  # sent: only a redelivery of this record would send it again
            logger.warning("e-mail marker not updated", extra={"error_type": type(exc).__name__})
        return True
