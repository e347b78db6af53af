"""Postal letters: kept in the private documents bucket, then handed to a print-and-mail provider.

Each letter is two objects under its own prefix, `letters/<vaultId>/<invitationId>/<n>`: the PDF
(`.pdf`) and its record (`.json`: to whom, the text it prints, its cost, its status). The record
is a separate object because S3 user metadata holds 2 KB of US-ASCII at most, less than an
address and a letter's text can take. Status: `queued` (no provider: it waits for the manual print
step, which reads the records), `sent` (the provider accepted it, `providerRef` is its id) or
`failed` (the provider refused it or did not answer: `retry` hands the same stored PDF off again).

One provider is written: Merci Facteur, whose REST API prints and posts a PDF the same day
(documented in its public repository MerciFacteur/Merci-facteur-API: getToken signed with an
HMAC of the service id and time, then sendCourrier). It is off unless the template's
PrintProvider parameter names it; its credentials are a Secrets Manager secret, read on the
first letter, never at cold start and never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vault_share import clock
from vault_share.invitations.letter import FRANCE, PostalAddress, postal_address

LETTERS_PREFIX = "letters/"
QUEUED, SENT, FAILED = "queued", "sent", "failed"


@dataclass(frozen=True)
class LetterId:
    """One letter of an invitation: the n-th sent for it (a manual relaunch sends a new one)."""

    vault_id: str
    invitation_id: str
    number: int

    @property
    def key(self) -> str:
        return f"{LETTERS_PREFIX}{self.vault_id}/{self.invitation_id}/{self.number}.pdf"


@dataclass(frozen=True)
class LetterRecord:
    key: str  # the PDF's
    to: dict[str, Any]  # firstName, lastName and the postalAddress fields
    text: str  # what the PDF prints, as text
    cost_cents: int
    status: str = QUEUED
    provider: str | None = None
    provider_ref: str | None = None
    at: str = field(default_factory=lambda: clock.iso(clock.now()))  # when it was stored: sorts as text

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "to": self.to,
            "text": self.text,
            "costCents": self.cost_cents,
            "status": self.status,
            "provider": self.provider,
            "providerRef": self.provider_ref,
            "at": self.at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LetterRecord:
        return cls(
            key=str(data["key"]),
            to=dict(data["to"]),
            text=str(data["text"]),
            cost_cents=int(data["costCents"]),
            status=str(data["status"]),
            provider=data.get("provider"),
            provider_ref=data.get("providerRef"),
            at=str(data["at"]),
        )

    def address(self) -> PostalAddress:
        return postal_address(str(self.to.get("firstName", "")), str(self.to.get("lastName", "")), self.to)


def _record_key(pdf_key: str) -> str:
    return pdf_key.removesuffix(".pdf") + ".json"


class LetterStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put_pdf(self, key: str, pdf: bytes) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=pdf, ContentType="application/pdf")

    def put_record(self, record: LetterRecord) -> None:
        body = json.dumps(record.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._s3.put_object(Bucket=self._bucket, Key=_record_key(record.key), Body=body, ContentType="application/json")

    def pdf(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return body

    def record(self, key: str) -> LetterRecord:
        raw = self._s3.get_object(Bucket=self._bucket, Key=_record_key(key))["Body"].read()
        return LetterRecord.from_json(json.loads(raw))

    def records(self) -> list[LetterRecord]:
        """Every letter, oldest first: for the manual print step and the local outbox (it lists the
        bucket, which no function of the template is granted under letters/)."""
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=LETTERS_PREFIX)
        keys = [o["Key"] for page in pages for o in page.get("Contents", []) if o["Key"].endswith(".json")]
        records = [
            LetterRecord.from_json(json.loads(self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()))
            for key in keys
        ]
        return sorted(records, key=lambda record: (record.at, record.key))


# ---------------------------------------------------------------- print and mail


class PrintError(Exception):
    """The provider did not take the letter. `certain`: it was certainly not sent (refused, or
    failed before the send); otherwise the outcome is unknown (a timeout during the send)."""

    def __init__(self, message: str, *, certain: bool) -> None:
        super().__init__(message)
        self.certain = certain


class PrintProvider(Protocol):
    name: str

    def hand_off(self, pdf: bytes, address: PostalAddress, letter: LetterId) -> str:
        """Print and mail one letter; returns the provider's id of the sending."""
        ...


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes


Transport = Callable[[HttpRequest], HttpResponse]
HTTP_TIMEOUT_SECONDS = 10  # the function's own timeout is 15 s


def urllib_transport(request: HttpRequest) -> HttpResponse:
    """HTTPS only; an HTTP error status is an answer, a network failure raises OSError."""
    import urllib.error  # only when a letter is handed off: not at cold start
    import urllib.request

    if not request.url.startswith("https://"):
        raise ValueError("the print provider is reached over HTTPS only")
    prepared = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        request.url, data=request.body, headers=request.headers, method=request.method
    )
    try:
        with urllib.request.urlopen(prepared, timeout=HTTP_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return HttpResponse(answer.status, answer.read())
    except urllib.error.HTTPError as exc:
        return HttpResponse(exc.code, exc.read())


class MerciFacteurCredentials(BaseModel):
    """The secret's JSON. `sender` is the return address Merci Facteur prints (its sendCourrier
    requires one): the account holder's, `nom` or `societe`, `cp`, `ville`, `pays` at least."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    service_id: str = Field(alias="serviceId", min_length=1)
    secret_key: str = Field(alias="secretKey", min_length=1, repr=False)
    user_id: int = Field(alias="userId")
    # Merci Facteur asks for the caller's IPs; Lambda has none fixed: its support lifts the
    # restriction, and this documented placeholder goes instead.
    authorized_ip: str = Field(default="111.111.111", alias="authorizedIp")
    sender: dict[str, str]


# The keys every address of sendCourrier carries, the unused ones as "" (else INFO_ADDRESS_MISSING).
_ADDRESS_KEYS = ("civilite", "nom", "prenom", "societe", "adresse1", "adresse2", "adresse3", "cp", "ville", "pays")
_ERROR_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,60}")


class MerciFacteur:
    name = "merci-facteur"
    BASE_URL = "https://www.merci-facteur.com/api/1.2/prod/service"
    MODE = "normal"  # lettre verte, no tracking: the invitation's own link says when it is used

    def __init__(
        self,
        credentials: Callable[[], MerciFacteurCredentials],
        transport: Transport = urllib_transport,
        now: Callable[[], float] = time.time,
        base_url: str = BASE_URL,
    ) -> None:
        self._credentials = credentials
        self._transport = transport
        self._now = now
        self._base = base_url.rstrip("/")
        self._token: tuple[str, float] | None = None  # (token, expiry), for this container

    def _call(self, request: HttpRequest, *, sending: bool) -> dict[str, Any]:
        try:
            answer = self._transport(request)
            data = json.loads(answer.body)
        except (OSError, ValueError) as exc:  # network, timeout, not JSON
            raise PrintError("Merci Facteur did not answer", certain=not sending) from exc
        if not isinstance(data, dict) or data.get("success") is not True:
            error = data.get("error") if isinstance(data, dict) else None
            code = error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else f"HTTP {answer.status}"
            # A refusal is certain; a 5xx during the send may hide a letter that went.
            certain = not sending or (isinstance(data, dict) and data.get("success") is False and answer.status < 500)
            raise PrintError(f"Merci Facteur refused the request ({code})", certain=certain)
        return data

    def _access(self, credentials: MerciFacteurCredentials) -> str:
        now = self._now()
        if self._token and self._token[1] > now + 60:
            return self._token[0]
        stamp = str(int(now))  # seconds; the very value that is signed goes in ww-timestamp
        signature = hmac.new(
            credentials.secret_key.encode(), f"{credentials.service_id}{stamp}".encode(), hashlib.sha256
        ).hexdigest()
        request = HttpRequest(
            "GET",
            f"{self._base}/getToken",
            {
                "ww-service-signature": signature,
                "ww-timestamp": stamp,
                "ww-service-id": credentials.service_id,
                "ww-authorized-ip": credentials.authorized_ip,
                "Accept": "application/json",
            },
        )
        data = self._call(request, sending=False)
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise PrintError("Merci Facteur gave no token", certain=True)
        self._token = (token, float(data.get("expire") or now + 24 * 3600))
        return token

    @staticmethod
    def _address(values: Mapping[str, str], reference: str) -> dict[str, str]:
        return {**{key: str(values.get(key, "")) for key in _ADDRESS_KEYS}, "reference": reference}

    def request(self, pdf: bytes, address: PostalAddress, letter: LetterId, token: str) -> HttpRequest:
        """The sendCourrier request for one letter (tested as it is built)."""
        credentials = self._credentials()
        # Its own reference (at most 30 letters, digits, - and _) comes back in its webhooks; the
        # antidoublon is the letter's key: a retry of the same letter is refused, never printed twice.
        reference = f"{letter.invitation_id[:24]}-{letter.number}"[:30]
        recipient = {
            "nom": address.name,  # the name line as printed on the letter (initials if it had to be)
            "adresse1": address.street[0],
            "adresse2": address.street[1] if len(address.street) > 1 else "",
            "cp": address.postal_code,
            "ville": address.city,
            "pays": address.country or FRANCE,
        }
        fields = {
            "idUser": str(credentials.user_id),
            "modeEnvoi": self.MODE,
            "adress": json.dumps(
                {"exp": self._address(credentials.sender, ""), "dest": [self._address(recipient, reference)]},
                ensure_ascii=False,
                separators=(",", ":"),
            ),
            "content": json.dumps(
                {
                    "letter": {
                        "files": "",
                        "base64files": [base64.b64encode(pdf).decode("ascii")],
                        "print_sides": "recto",
                        "final_filename": f"invitation-{reference}",
                    },
                    "photo": "",
                    "card": "",
                },
                separators=(",", ":"),
            ),
            "antidoublon": letter.key,
            "designation": "Invitation vault-share",
        }
        return HttpRequest(
            "POST",
            f"{self._base}/sendCourrier",
            {
                "ww-access-token": token,
                "ww-service-id": credentials.service_id,
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
            },
            urlencode(fields).encode("ascii"),
        )

    def hand_off(self, pdf: bytes, address: PostalAddress, letter: LetterId) -> str:
        token = self._access(self._credentials())
        data = self._call(self.request(pdf, address, letter, token), sending=True)
        return str(data.get("envoi_id", ""))


def secret_credentials(secrets: Any, secret_id: str) -> Callable[[], MerciFacteurCredentials]:
    """Reads the secret once, on first use, and keeps it for the container."""
    kept: list[MerciFacteurCredentials] = []

    def load() -> MerciFacteurCredentials:
        if not kept:
            try:
                value = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
                kept.append(MerciFacteurCredentials.model_validate_json(value))
            except ValidationError:  # its text would quote the secret: not kept
                raise PrintError("the print provider's secret is not the documented JSON", certain=True) from None
            except Exception as exc:
                raise PrintError("the print provider's secret cannot be read", certain=True) from exc
        return kept[0]

    return load


PROVIDERS = ("none", MerciFacteur.name)


def print_provider(name: str, secret_id: str, secrets: Any) -> PrintProvider | None:
    """The template's PrintProvider: None for `none` (letters wait for the manual print step)."""
    if name == "none":
        return None
    if name == MerciFacteur.name:
        return MerciFacteur(secret_credentials(secrets, secret_id))
    raise ValueError(f"PrintProvider must be one of {PROVIDERS}, not {name!r}")


# ---------------------------------------------------------------- the postal channel


class LetterPost:
    """Stores each letter, then hands it to the provider when there is one."""

    def __init__(self, store: LetterStore, printer: PrintProvider | None, cost_cents: int) -> None:
        self._store = store
        self._printer = printer
        self._cost = cost_cents

    def send(self, letter: LetterId, pdf: bytes, to: Mapping[str, Any], text: str) -> LetterRecord:
        """`to` is firstName, lastName and the postalAddress; raises PrintError (after recording
        the letter as failed) when the provider did not take it."""
        record = LetterRecord(key=letter.key, to=dict(to), text=text, cost_cents=self._cost)
        self._store.put_pdf(letter.key, pdf)
        return self._hand_off(letter, pdf, record)

    def retry(self, letter: LetterId) -> LetterRecord:
        """Hands a failed letter off again: the very PDF stored, under the same antidoublon."""
        record = self._store.record(letter.key)
        if record.status != FAILED:
            return record
        return self._hand_off(letter, self._store.pdf(letter.key), record)

    def _hand_off(self, letter: LetterId, pdf: bytes, record: LetterRecord) -> LetterRecord:
        if self._printer is None:
            self._store.put_record(record)
            return record
        try:
            reference = self._printer.hand_off(pdf, record.address(), letter)
        except PrintError:
            self._store.put_record(replace(record, status=FAILED, provider=self._printer.name))
            raise
        done = replace(record, status=SENT, provider=self._printer.name, provider_ref=reference)
        self._store.put_record(done)
        return done
