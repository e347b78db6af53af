"""Request bodies of the vault API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from vault_share.contact import normalize_email, normalize_mobile
from vault_share.schemas import ApiModel, Name

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(normalize_email)]
Mobile = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalize_mobile)]
FileName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$")
]
ContentType = Annotated[str, StringConstraints(max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")]


class CreateVault(ApiModel):
    name: Name


class CreateDossier(ApiModel):
    name: Name
    kind: Literal["siv", "internal", "other"] = "other"
    public: bool = False


class CreateDocument(ApiModel):
    file_name: FileName
    content_type: ContentType
    size: int = Field(ge=1, le=MAX_DOCUMENT_BYTES)


class PostalAddressIn(ApiModel):
    line1: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z -]{3,10}$")]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    country: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)] = "France"


class CreatePerson(ApiModel):
    first_name: Name
    last_name: Name
    email: Email | None = None
    mobile: Mobile | None = None
    postal_address: PostalAddressIn | None = None
