"""Request bodies of the vault API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from vault_share.contact import normalize_email, normalize_mobile
from vault_share.schemas import ApiModel, Name, file_name, one_line

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

# `format: email` in the contract; the address is then checked by email-validator (syntax only).
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(normalize_email),
    Field(json_schema_extra={"format": "email"}),
]
Mobile = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalize_mobile)]
FileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^/\\]+$"),
    AfterValidator(file_name),
]
# ASCII only: in a pattern, \w would take any letter of any script.
ContentType = Annotated[str, StringConstraints(max_length=100, pattern=r"^[A-Za-z0-9_.+-]+/[A-Za-z0-9_.+-]+$")]


class _Body(ApiModel):
    """The wire names only (camelCase): `file_name` is an unknown field, not a synonym."""

    model_config = ConfigDict(validate_by_name=False, validate_by_alias=True)


class CreateVault(_Body):
    name: Name


class CreateDossier(_Body):
    name: Name
    kind: Literal["siv", "internal", "other"] = "other"
    # Strict: "yes", "true" or 1 are mistakes of the client, not a yes.
    public: StrictBool = False


class CreateDocument(_Body):
    file_name: FileName
    content_type: ContentType
    # Strict: "3", 3.5 or true are not sizes.
    size: StrictInt = Field(ge=1, le=MAX_DOCUMENT_BYTES)


class PostalAddressIn(_Body):
    line1: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(one_line)
    ]
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(one_line)] | None = (
        None
    )
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z -]{3,10}$")]
    city: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(one_line)
    ]
    country: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60), AfterValidator(one_line)
    ] = "France"


class CreatePerson(_Body):
    first_name: Name
    last_name: Name
    email: Email | None = None
    mobile: Mobile | None = None
    postal_address: PostalAddressIn | None = None


class UpdatePerson(_Body):
    """Contact details to change: the fields sent are set, `null` clears one, absent ones stay
    (`model_fields_set` tells them apart)."""

    email: Email | None = None
    mobile: Mobile | None = None
    postal_address: PostalAddressIn | None = None
