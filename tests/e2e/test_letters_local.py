"""A letter the invite function stores reaches the local outbox, with a link that serves its PDF."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from vault_share.adapters.letters import LetterId, LetterPost, LetterStore
from vault_share.invitations.letter import InvitationLetter, letter_pdf, letter_text

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def test_a_stored_letter_is_in_the_outbox_with_its_pdf(stack: Stack) -> None:
    s3, bucket = stack.aws("s3"), stack.documents_bucket()
    to = {
        "firstName": "Alain",
        "lastName": "Dupont",
        "line1": "12 rue des Lilas",
        "postalCode": "75011",
        "city": "Paris",
        "country": "France",
    }
    letter = InvitationLetter(
        vault_name="Garage des Lilas",
        first_name="Alain",
        last_name="Dupont",
        address=to,
        url=f"{stack.api_url}/invite/{uuid.uuid4().hex}",
        expires_at=datetime.now(UTC) + timedelta(days=30),
        comment=f"Courrier {uuid.uuid4().hex[:8]}",
    )
    pdf = letter_pdf(letter)
    record = LetterPost(LetterStore(s3, bucket), None, 182).send(
        LetterId(uuid.uuid4().hex, uuid.uuid4().hex, 1), pdf, to, letter_text(letter)
    )

    answer = stack.client().get("/_local/outbox", headers={"Accept": "application/json"})
    assert answer.status == 200, answer.body
    (listed,) = [item for item in answer.json()["letters"] if item["text"] == letter_text(letter)]
    assert listed["to"] == to and listed["costCents"] == 182
    url = urlsplit(listed["pdfUrl"])
    assert f"{url.scheme}://{url.netloc}" == stack.api_url and url.path == "/_local/letters"

    served = stack.client().get(f"{url.path}?{url.query}")
    assert served.status == 200
    assert served.headers.get("Content-Type") == "application/pdf"
    assert served.body == pdf
    assert len(PdfReader(io.BytesIO(served.body)).pages) == 1
    assert record.key in listed["pdfUrl"]

    page = stack.client().get("/_local/outbox", headers={"Accept": "text/html"}).text
    assert "Voir le PDF" in page and "Alain Dupont" in page


@pytest.mark.parametrize("query", ["", "key=letters/none/none/1.pdf", "key=vaults/x/y/z", "key=a&key=b"])
def test_what_is_not_a_stored_letter_is_a_french_404(stack: Stack, query: str) -> None:
    answer = stack.client().get(f"/_local/letters?{query}")
    assert answer.status == 404
    assert answer.json()["error"] == "letter_not_found"
