"""The Merci Facteur hand-off, request by request.

No network: the provider's HTTP goes through a recording fake transport, and each request is
compared whole (method, URL, headers, body) with what Merci Facteur's documentation asks for.
The store and the secret, on moto, are tests/handlers/test_letter_store.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from vault_share.adapters.letters import (
    HttpRequest,
    HttpResponse,
    LetterId,
    MerciFacteur,
    MerciFacteurCredentials,
    PrintError,
    print_provider,
)
from vault_share.invitations.letter import PostalAddress, postal_address

BASE = "https://www.merci-facteur.com/api/1.2/prod/service"
NOW = 1757404800
SECRET = {
    "serviceId": "abc123",
    "secretKey": "k3y-n0t-t0-l34k",
    "userId": 42,
    "sender": {
        "societe": "Vault Share SAS",
        "adresse1": "9 allée de la Rose",
        "cp": "78000",
        "ville": "Versailles",
        "pays": "FRANCE",
    },
}
TO = {
    "firstName": "Alain",
    "lastName": "Dupont",
    "line1": "12, rue de l'Église",
    "line2": "Bâtiment B",
    "postalCode": "75011",
    "city": "Paris",
    "country": "France",
}
LETTER = LetterId("v" * 32, "0123456789abcdef0123456789abcdef", 1)
PDF = b"%PDF-1.3\n" + bytes(range(256)) + b"\n%%EOF\n"


def address() -> PostalAddress:
    return postal_address("Alain", "Dupont", TO)


class FakeTransport:
    """Answers each request with the next canned answer, and keeps what it was sent."""

    def __init__(self, *answers: HttpResponse | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(**body: Any) -> HttpResponse:
    return HttpResponse(200, json.dumps({"success": True, **body}).encode())


TOKEN = ok(token="t0k3n", expire=NOW + 24 * 3600)
SENT_OK = ok(envoi_id=123, price={"total": {"ht": 1.3, "ttc": 1.56}}, resume={"nb_dest": 1, "nb_page": 1})


def merci_facteur(transport: FakeTransport, clock: Callable[[], float] = lambda: NOW + 0.7) -> MerciFacteur:
    credentials = MerciFacteurCredentials.model_validate(SECRET)
    return MerciFacteur(lambda: credentials, transport=transport, now=clock)


# ---------------------------------------------------------------- the requests


def test_get_token_is_signed_as_documented() -> None:
    transport = FakeTransport(TOKEN, SENT_OK)
    merci_facteur(transport).hand_off(PDF, address(), LETTER)
    # The documented signature: HMAC-SHA256 of serviceId + timestamp (seconds), key = secret key, hex.
    signature = hmac.new(b"k3y-n0t-t0-l34k", b"abc1231757404800", hashlib.sha256).hexdigest()
    assert transport.sent[0] == HttpRequest(
        "GET",
        f"{BASE}/getToken",
        {
            "ww-service-signature": signature,
            "ww-timestamp": "1757404800",
            "ww-service-id": "abc123",
            "ww-authorized-ip": "111.111.111",
            "Accept": "application/json",
        },
        None,
    )


def test_send_courrier_is_the_documented_form() -> None:
    transport = FakeTransport(TOKEN, SENT_OK)
    assert merci_facteur(transport).hand_off(PDF, address(), LETTER) == "123"
    request = transport.sent[1]
    assert (request.method, request.url) == ("POST", f"{BASE}/sendCourrier")
    assert request.headers == {
        "ww-access-token": "t0k3n",
        "ww-service-id": "abc123",
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Accept": "application/json",
    }
    assert request.body is not None
    fields = {k: v for k, [v] in parse_qs(request.body.decode("ascii"), strict_parsing=True).items()}
    assert set(fields) == {"idUser", "modeEnvoi", "adress", "content", "antidoublon", "designation"}
    assert fields["idUser"] == "42" and fields["modeEnvoi"] == "normal"
    assert fields["designation"] == "Invitation vault-share"
    # The letter's key: a replay of the same letter is refused by Merci Facteur, never printed twice.
    assert fields["antidoublon"] == f"letters/{'v' * 32}/0123456789abcdef0123456789abcdef/1.pdf"
    reference = "0123456789abcdef01234567-1"
    empty = dict.fromkeys(("civilite", "nom", "prenom", "societe", "adresse1", "adresse2", "adresse3"), "")
    assert json.loads(fields["adress"]) == {
        "exp": {
            **empty,
            "societe": "Vault Share SAS",
            "adresse1": "9 allée de la Rose",
            "cp": "78000",
            "ville": "Versailles",
            "pays": "FRANCE",
            "reference": "",
        },
        "dest": [
            {
                **empty,
                "nom": "ALAIN DUPONT",
                "adresse1": "12 RUE DE L EGLISE",
                "adresse2": "BATIMENT B",
                "cp": "75011",
                "ville": "PARIS",
                "pays": "FRANCE",
                "reference": reference,
            }
        ],
    }
    assert json.loads(fields["content"]) == {
        "letter": {
            "files": "",  # empty is "", never [] (LETTER_INVALID_FILES)
            "base64files": [base64.b64encode(PDF).decode("ascii")],
            "print_sides": "recto",
            "final_filename": f"invitation-{reference}",
        },
        "photo": "",
        "card": "",
    }
    assert len(reference) <= 30 and len(fields["antidoublon"]) <= 200


def test_a_letter_abroad_names_its_country_as_merci_facteur_spells_it() -> None:
    transport = FakeTransport(TOKEN, SENT_OK)
    belgian = postal_address(
        "Léa",
        "Peeters",
        {"line1": "Rue de la Loi 16", "postalCode": "1000", "city": "Bruxelles", "country": "Belgique"},
    )
    merci_facteur(transport).hand_off(PDF, belgian, LETTER)
    fields = parse_qs(transport.sent[1].body.decode())  # type: ignore[union-attr]
    (dest,) = json.loads(fields["adress"][0])["dest"]
    assert (dest["cp"], dest["ville"], dest["pays"], dest["adresse2"]) == ("1000", "BRUXELLES", "BELGIQUE", "")


def test_the_token_serves_until_a_minute_before_it_expires() -> None:
    moments = iter([NOW, NOW + 3600, NOW + 24 * 3600 - 30, NOW + 24 * 3600 - 30])
    transport = FakeTransport(TOKEN, SENT_OK, SENT_OK, ok(token="n3w", expire=NOW + 48 * 3600), SENT_OK)
    provider = merci_facteur(transport, clock=lambda: next(moments))
    for _ in range(3):
        provider.hand_off(PDF, address(), LETTER)
    urls = [r.url.rsplit("/", 1)[1] for r in transport.sent]
    assert urls == ["getToken", "sendCourrier", "sendCourrier", "getToken", "sendCourrier"]
    assert transport.sent[-1].headers["ww-access-token"] == "n3w"


@pytest.mark.parametrize(
    ("answers", "certain", "shown"),
    [
        ((HttpResponse(200, b'{"success":false,"error":"TOKEN_INVALID"}'),), True, "TOKEN_INVALID"),
        ((TimeoutError("timed out"),), True, "did not answer"),  # no token: nothing was sent
        ((TOKEN, HttpResponse(200, b'{"success":false,"error":"INFO_ADDRESS_MISSING"}')), True, "INFO_ADDRESS_MISSING"),
        ((TOKEN, TimeoutError("timed out")), False, "did not answer"),  # during the send: unknown
        ((TOKEN, HttpResponse(502, b"<html>Bad gateway</html>")), False, "did not answer"),
        ((TOKEN, HttpResponse(503, b'{"success":false}')), False, "HTTP 503"),
        ((TOKEN, HttpResponse(200, b'{"success":false,"error":"k3y-n0t-t0-l34k <script>"}')), True, "HTTP 200"),
    ],
)
def test_a_failure_says_whether_the_letter_may_have_gone(
    answers: tuple[HttpResponse | Exception, ...], certain: bool, shown: str
) -> None:
    with pytest.raises(PrintError) as raised:
        merci_facteur(FakeTransport(*answers)).hand_off(PDF, address(), LETTER)
    assert raised.value.certain is certain
    assert shown in str(raised.value)
    assert "k3y" not in str(raised.value) and "t0k3n" not in str(raised.value)


def test_only_https_is_spoken() -> None:
    from vault_share.adapters.letters import urllib_transport

    with pytest.raises(ValueError, match="HTTPS"):
        urllib_transport(HttpRequest("GET", "http://www.merci-facteur.com/api", {}))


# ---------------------------------------------------------------- the choice


def test_the_provider_parameter_chooses() -> None:
    assert print_provider("none", "", secrets=None) is None
    assert isinstance(print_provider("merci-facteur", "vault-share/print-provider", secrets=None), MerciFacteur)
    with pytest.raises(ValueError, match="PrintProvider"):
        print_provider("maileva", "x", secrets=None)
