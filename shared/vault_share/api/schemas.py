"""The answers of the HTTP contract, as the use cases build them (their dicts), for openapi.json.

Never imported by a function: vault_share.api.openapi names these models in the route
decorators and the generator (`make openapi`) turns them into the document's schemas. A field
without a default is always present (`X | None`: present, possibly null); `absent()` marks one
that may be left out.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel
from pydantic.json_schema import GenerateJsonSchema


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent() -> Any:
    """A field that is left out rather than null when it does not apply."""
    return Field(default=None, json_schema_extra=_no_default)


class Answer(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# ---------------------------------------------------------------- errors


class FieldError(Answer):
    field: str = Field(description="Where: `body.<field>`, `query.<name>`, `path.<name>`, or a body field's name.")
    type: str = absent()
    message: str = absent()


class Error(Answer):
    """Every error: `error` (a snake_case code) and `message` (French, for people), plus the
    fields its code names."""

    error: str
    message: str
    fields: list[FieldError] = absent()
    attempts_left: int = absent()
    status: str = absent()
    retry_after_seconds: int = absent()
    channel: Literal["email", "sms", "letter"] = absent()  # quota_exceeded: the channel used up
    dossier_ids: list[str] = absent()
    document_ids: list[str] = absent()
    missing: list[str] = absent()


# ---------------------------------------------------------------- vaults, dossiers, documents

Role = Literal["owner", "member", "guest"]
DossierKind = Literal["siv", "internal", "other", "home"]


class VaultCreated(Answer):
    vault_id: str
    name: str
    role: Literal["owner"]
    created_at: str


class VaultSummary(Answer):
    vault_id: str
    name: str
    role: Role


class VaultList(Answer):
    vaults: list[VaultSummary]


class DossierSummary(Answer):
    dossier_id: str
    name: str
    kind: DossierKind
    public: bool


class DossierPage(Answer):
    dossiers: list[DossierSummary]
    next_cursor: str | None


class Document(Answer):
    document_id: str
    file_name: str
    content_type: str
    size: int
    status: Literal["pending", "available"]


class DossierCreated(Answer):
    dossier_id: str
    name: str
    kind: DossierKind
    public: bool
    created_at: str
    documents: list[Document]


class DossierDetail(DossierCreated):
    """The dossier and one page of its documents."""

    next_cursor: str | None


class Upload(Answer):
    url: str
    method: Literal["POST"]
    fields: dict[str, str] = Field(description="The form fields to send with the file (an S3 presigned POST).")


class DocumentCreated(Document):
    upload: Upload


class Home(Answer):
    welcome: str | None
    home_dossier_id: str | None
    dossiers: list[DossierSummary]
    next_cursor: str | None


# ---------------------------------------------------------------- journals, notifications, profile

EventType = Literal[
    "link.created",
    "link.used",
    "link.document_downloaded",
    "link.locked",
    "link.revoked",
    "link.expired",
    "invitation.sent",
    "invitation.not_sent",
    "invitation.relaunched",
    "invitation.accepted",
    "invitation.locked",
    "invitation.expired",
    "invitation.cancelled",
    "access.granted",
]


class JournalEntry(Answer):
    entry_id: str
    at: str
    type: EventType
    message: str
    details: dict[str, Any] = Field(description="The ids concerned (`linkId`, `invitationId`, `documentId`…).")


class JournalPage(Answer):
    entries: list[JournalEntry]
    next_cursor: str | None


class Notification(Answer):
    notification_id: str
    at: str
    type: EventType
    message: str
    details: dict[str, Any]


class NotificationPage(Answer):
    notifications: list[Notification]
    next_cursor: str | None


class Profile(Answer):
    user_id: str
    email: str
    personal_code: str = Field(description="What a person gives a vault owner to be granted access directly.")


# ---------------------------------------------------------------- persons


class PostalAddress(Answer):
    line1: str
    line2: str | None
    postal_code: str
    city: str
    country: str


class Person(Answer):
    person_id: str
    first_name: str
    last_name: str
    email: str | None
    mobile: str | None
    postal_address: PostalAddress | None
    created_at: str


class PersonPage(Answer):
    persons: list[Person]
    next_cursor: str | None


# ---------------------------------------------------------------- links

LinkStatus = Literal["active", "used", "revoked", "expired", "locked"]


class LinkDocument(Answer):
    document_id: str
    file_name: str


class LinkEmail(Answer):
    status: Literal["sent", "not_requested", "failed", "pending"] = Field(
        description="`pending`: how the e-mail went is not recorded (a failure between the send and its record)."
    )


class LinkCreated(Answer):
    link_id: str
    url: str
    code: str = Field(description="The 6-digit code: in this answer and nowhere else, ever.")
    status: Literal["active"]
    expires_at: str
    recipient_email: str | None
    email: LinkEmail
    documents: list[LinkDocument]


class ListedLinkDocument(LinkDocument):
    downloaded_at: str | None


class LinkSummary(Answer):
    link_id: str
    status: LinkStatus
    created_at: str
    created_by: str
    expires_at: str
    used_at: str | None
    recipient_email: str | None
    email: LinkEmail
    failed_attempts: int
    documents: list[ListedLinkDocument]


class LinkPage(Answer):
    links: list[LinkSummary]
    next_cursor: str | None


class ShareSummary(Answer):
    status: Literal["active"]
    sender: str = Field(description="The name of the vault that shares.")
    document_count: int
    expires_at: str
    message: str | None


class UnlockedDocument(Answer):
    document_id: str
    file_name: str
    content_type: str
    size: int
    download_url: str = Field(description="GET it for a 302 to the file; it carries the download grant.")


class Unlocked(Answer):
    documents: list[UnlockedDocument]
    downloads_expire_at: str


# ---------------------------------------------------------------- invitations

ChannelState = Literal["queued", "sent", "failed", "deferred", "not_applicable"]


class ChannelStatus(Answer):
    status: ChannelState


class InvitationChannels(Answer):
    link: ChannelStatus
    code: ChannelStatus


class Postal(Answer):
    cost_cents: int = Field(description="What every letter of this invitation cost, in euro cents.")
    letters: int
    status: Literal["queued", "sent", "failed"] | None


class Invitation(Answer):
    invitation_id: str
    person_id: str
    status: Literal["pending", "accepting", "accepted", "expired", "cancelled", "not_sent", "locked"]
    link_channel: Literal["email", "postal", "none"]
    code_channel: Literal["sms", "phone"]
    relaunch_count: int
    created_at: str
    created_by: str
    expires_at: str
    last_sent_at: str | None
    next_relaunch_at: str | None
    home_dossier_id: str | None
    dossier_ids: list[str]
    welcome: str | None
    comment: str | None
    channels: InvitationChannels
    code: str = Field(description="The validation code (owners and members only).")
    postal: Postal = absent()


class Access(Answer):
    role: Role
    user_id: str


class PersonDetail(Person):
    access: Access | None
    invitation: Invitation | None


class AccessEmail(Answer):
    status: Literal["sent", "failed"]


class AccessGranted(Answer):
    person_id: str
    role: Literal["guest"]
    home_dossier_id: str
    email: AccessEmail


class InvitationSummary(Answer):
    status: Literal["pending"]
    vault_name: str
    expires_at: str
    account_exists: bool = Field(description="An account exists for the address: accept signed in (bearer token).")
    email_required: bool = Field(description="Invited by letter with no e-mail: confirm an address first.")


class EmailCodeSent(Answer):
    status: Literal["sent"]


class Accepted(Answer):
    vault_id: str
    role: Literal["guest"]


ANSWERS: tuple[type[Answer], ...] = tuple(
    model
    for model in list(globals().values())
    if isinstance(model, type) and issubclass(model, Answer) and model is not Answer
)


class _Untitled(GenerateJsonSchema):
    """A property is named by its key: no `title` repeating it."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def json_schemas(ref_prefix: str) -> dict[str, Any]:
    """Every model's JSON schema (serialization mode, the wire names), each under its class name."""
    adapter: TypeAdapter[Any] = TypeAdapter(tuple[*ANSWERS])  # type: ignore[valid-type]
    generated = adapter.json_schema(
        mode="serialization", ref_template=ref_prefix + "{model}", schema_generator=_Untitled
    )
    defs: dict[str, Any] = generated.get("$defs", {})
    return dict(sorted(defs.items()))
