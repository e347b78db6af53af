"""Request bodies of the vault API, validated on their own (no handler, no AWS)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from vault_share.vault.schemas import MAX_DOCUMENT_BYTES, CreateDocument, CreateDossier, CreatePerson


def test_dossier_defaults() -> None:
    dossier = CreateDossier.model_validate({"name": "  Clio 4  "})
    assert (dossier.name, dossier.kind, dossier.public) == ("Clio 4", "other", False)


@pytest.mark.parametrize("public", ["yes", "true", 1, 0, None])
def test_public_must_be_a_real_boolean(public: Any) -> None:
    with pytest.raises(ValidationError):
        CreateDossier.model_validate({"name": "x", "public": public})


@pytest.mark.parametrize("size", ["3", 3.0, 3.5, True, 0, -1, MAX_DOCUMENT_BYTES + 1, None])
def test_size_must_be_an_integer_in_range(size: Any) -> None:
    with pytest.raises(ValidationError):
        CreateDocument.model_validate({"fileName": "a.pdf", "contentType": "application/pdf", "size": size})


@pytest.mark.parametrize("size", [1, MAX_DOCUMENT_BYTES])
def test_size_bounds_are_inclusive(size: int) -> None:
    body = CreateDocument.model_validate({"fileName": "a.pdf", "contentType": "application/pdf", "size": size})
    assert body.size == size


@pytest.mark.parametrize("name", ["a/b.pdf", "..\\b.pdf", "a\x00.pdf", "a\nb.pdf", "a\x7f.pdf", "", "   "])
def test_file_names_are_plain_names(name: str) -> None:
    with pytest.raises(ValidationError):
        CreateDocument.model_validate({"fileName": name, "contentType": "application/pdf", "size": 1})


def test_snake_case_names_are_unknown_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        CreateDocument.model_validate({"file_name": "a.pdf", "content_type": "application/pdf", "size": 1})
    assert {e["type"] for e in caught.value.errors()} == {"missing", "extra_forbidden"}


def test_person_contact_details_are_normalised() -> None:
    person = CreatePerson.model_validate(
        {
            "firstName": "Élodie",
            "lastName": "Martin",
            "email": " Elodie@Example.FR ",
            "mobile": "06 12 34 56 78",
            "postalAddress": {"line1": "1 rue des Lilas", "postalCode": "75020", "city": "Paris"},
        }
    )
    assert (person.email, person.mobile) == ("elodie@example.fr", "+33612345678")
    assert person.postal_address is not None and person.postal_address.country == "France"
