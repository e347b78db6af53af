"""Request bodies of the link API."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from vault_share.schemas import ApiModel
from vault_share.vault.schemas import Email

MAX_DOCUMENTS = 50
Code = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class CreateLink(ApiModel):
    document_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_DOCUMENTS
    )
    code: Code | None = None
    recipient_email: Email | None = None
    expires_in_hours: int = Field(default=168, ge=1, le=720)
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @field_validator("document_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("documents en double")
        return ids
