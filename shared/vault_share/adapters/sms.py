"""SMS through SNS: one `Publish` straight to a phone number (no topic), transactional.

`Transactional` asks SNS for the routes tuned for reliable delivery (one-time codes) rather than
the cheapest ones. The sender ID is what a handset shows instead of a number where the country
allows it (3 to 11 letters and digits, at least one letter; template parameter SmsSenderId);
None or "" sends none, and SNS's account default applies.
"""

from __future__ import annotations

from typing import Any

from vault_share import observability


class SmsSender:
    def __init__(self, sns: Any, sender_id: str | None) -> None:
        self._sns = sns
        self._attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if sender_id:
            self._attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}

    def send(self, phone_e164: str, text: str) -> str:
        """Publishes `text` to `phone_e164` (E.164, e.g. +33612345678); answers SNS's message id."""
        try:
            answer = self._sns.publish(PhoneNumber=phone_e164, Message=text, MessageAttributes=self._attributes)
        except Exception:
            observability.sms_failed()
            raise
        return str(answer["MessageId"])
