"""The postal channel on moto: letters and their records in S3, credentials from Secrets Manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from vault_share.adapters.letters import (
    FAILED,
    QUEUED,
    SENT,
    LetterId,
    LetterPost,
    LetterStore,
    PrintError,
    secret_credentials,
)
from vault_share.invitations.letter import PostalAddress

from tests.unit.test_letter_post import LETTER, PDF, SECRET, TO

# ---------------------------------------------------------------- credentials and choice


@pytest.fixture
def secrets() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-3")


def test_credentials_are_read_once_from_the_named_secret(secrets: Any) -> None:
    secrets.create_secret(Name="vault-share/print-provider", SecretString=json.dumps(SECRET))
    calls: list[str] = []
    original = secrets.get_secret_value

    def counting(**kwargs: Any) -> Any:
        calls.append(kwargs["SecretId"])
        return original(**kwargs)

    secrets.get_secret_value = counting
    load = secret_credentials(secrets, "vault-share/print-provider")
    assert calls == []  # nothing at construction (cold start)
    assert load().service_id == "abc123" and load().user_id == 42
    assert calls == ["vault-share/print-provider"]
    assert "k3y" not in repr(load())


@pytest.mark.parametrize("value", ['{"serviceId": "abc123", "secretKey": "k3y-n0t-t0-l34k"}', "k3y-n0t-t0-l34k"])
def test_a_malformed_secret_is_a_print_error_that_quotes_nothing(secrets: Any, value: str) -> None:
    secrets.create_secret(Name="broken", SecretString=value)
    with pytest.raises(PrintError) as raised:
        secret_credentials(secrets, "broken")()
    assert raised.value.certain and "k3y" not in str(raised.value) and raised.value.__cause__ is None
    with pytest.raises(PrintError, match="cannot be read"):
        secret_credentials(secrets, "missing")()


# ---------------------------------------------------------------- the store and the post (moto S3)


@pytest.fixture
def store() -> Iterator[LetterStore]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        s3.create_bucket(Bucket="docs", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        yield LetterStore(s3, "docs")


class FakePrinter:
    name = "fake"

    def __init__(self, *outcomes: str | PrintError) -> None:
        self.outcomes = list(outcomes)
        self.handed: list[tuple[bytes, list[str], str]] = []

    def hand_off(self, pdf: bytes, address: PostalAddress, letter: LetterId) -> str:
        self.handed.append((pdf, address.lines, letter.key))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, PrintError):
            raise outcome
        return outcome


def test_without_a_provider_the_letter_is_stored_and_queued(store: LetterStore) -> None:
    record = LetterPost(store, None, 182).send(LETTER, PDF, TO, "Bonjour Alain Dupont,")
    assert (record.status, record.cost_cents, record.provider, record.provider_ref) == (QUEUED, 182, None, None)
    s3 = boto3.client("s3", region_name="eu-west-3")
    stored = s3.get_object(Bucket="docs", Key=LETTER.key)
    assert stored["ContentType"] == "application/pdf" and stored["Body"].read() == PDF
    assert LETTER.key == f"letters/{LETTER.vault_id}/{LETTER.invitation_id}/1.pdf"
    assert store.record(LETTER.key) == record
    assert [r.key for r in store.records()] == [LETTER.key]


def test_with_a_provider_the_letter_is_handed_off_and_marked_sent(store: LetterStore) -> None:
    printer = FakePrinter("987")
    record = LetterPost(store, printer, 182).send(LETTER, PDF, TO, "texte")
    assert (record.status, record.provider, record.provider_ref) == (SENT, "fake", "987")
    assert printer.handed == [(PDF, ["ALAIN DUPONT", "12 RUE DE L EGLISE", "BATIMENT B", "75011 PARIS"], LETTER.key)]
    assert store.record(LETTER.key).status == SENT


def test_a_failed_hand_off_is_recorded_then_retried_with_the_stored_pdf(store: LetterStore) -> None:
    printer = FakePrinter(PrintError("Merci Facteur did not answer", certain=False), "555")
    post = LetterPost(store, printer, 182)
    with pytest.raises(PrintError):
        post.send(LETTER, PDF, TO, "texte")
    assert store.record(LETTER.key).status == FAILED
    retried = post.retry(LETTER)
    assert (retried.status, retried.provider_ref) == (SENT, "555")
    assert printer.handed[1] == printer.handed[0]  # the same PDF, address and antidoublon
    assert post.retry(LETTER) == retried and len(printer.handed) == 2  # a sent letter is not sent again


def test_records_are_listed_oldest_first(store: LetterStore) -> None:
    post = LetterPost(store, None, 182)
    keys = [post.send(LetterId("v1", "i1", n), PDF, TO, f"lettre {n}").key for n in (1, 2, 3)]
    assert [r.key for r in store.records()] == keys
    assert [r.text for r in store.records()] == ["lettre 1", "lettre 2", "lettre 3"]
