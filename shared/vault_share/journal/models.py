"""Journal entries and notifications in the vault table.

| item         | pk                                      | sk                 |
|--------------|-----------------------------------------|--------------------|
| entry        | JOURNAL#DOSSIER#<vaultId>#<dossierId>   | <at>#<entryId>     |
| entry        | JOURNAL#PERSON#<vaultId>#<personId>     | <at>#<entryId>     |
| notification | NOTIF#<userId>                          | <at>#<id>          |
| e-mail sent  | EMAIL#<key>                             | SENT               |
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import TableConnection
from pynamodb.models import Model

from vault_share.storage import vault_table


def dossier_journal_pk(vault_id: str, dossier_id: str) -> str:
    return f"JOURNAL#DOSSIER#{vault_id}#{dossier_id}"


def person_journal_pk(vault_id: str, person_id: str) -> str:
    return f"JOURNAL#PERSON#{vault_id}#{person_id}"


def notifications_pk(user_id: str) -> str:
    return f"NOTIF#{user_id}"


class _JournalTableItem(Model):
    """Base of every item here. They live in one table and share one connection, hence one
    botocore client: PynamoDB builds one per model class, on its first use (100 ms or more,
    paid in the middle of the first stream batch that sends an e-mail)."""

    class Meta:
        table_name = vault_table()

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    @classmethod
    def _get_connection(cls) -> TableConnection:
        if cls is _JournalTableItem:
            return super()._get_connection()
        return _JournalTableItem._get_connection()


class _EventItem(_JournalTableItem):
    at = UnicodeAttribute()
    type = UnicodeAttribute()
    message = UnicodeAttribute()
    details = JSONAttribute()

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


class JournalEntryItem(_EventItem):
    entry_id = UnicodeAttribute(attr_name="entryId")

    def to_json(self) -> dict[str, Any]:
        return {
            "entryId": self.entry_id,
            "at": self.at,
            "type": self.type,
            "message": self.message,
            "details": self.details,
        }


class NotificationItem(_EventItem):
    notification_id = UnicodeAttribute(attr_name="notificationId")
    ttl = NumberAttribute(null=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "notificationId": self.notification_id,
            "at": self.at,
            "type": self.type,
            "message": self.message,
            "details": self.details,
        }


class EmailMarkerItem(_JournalTableItem):
    """EMAIL#<key> / SENT: an owner e-mail of a stream event is being sent, or was (`status`;
    absent on markers written before it was kept: sent)."""

    at = UnicodeAttribute()
    status = UnicodeAttribute(null=True)
