"""Request bodies of the link API."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StrictInt, StringConstraints, field_validator

from vault_share.schemas import ApiModel, Code, Message
from vault_share.vault.schemas import Email

MAX_DOCUMENTS = 50


class CreateLink(ApiModel):
    # The wire names only (camelCase): `document_ids` is an unknown field, not a synonym.
    model_config = ConfigDict(validate_by_name=False, validate_by_alias=True)

    document_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_DOCUMENTS, json_schema_extra={"uniqueItems": True}
    )
    code: Code | None = None
    recipient_email: Email | None = None
    # Strict: "12", 12.0 or true are mistakes of the client, not a duration.
    expires_in_hours: StrictInt = Field(default=168, ge=1, le=720)
    message: Message | None = None

    @field_validator("document_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("documents en double")
        return ids
