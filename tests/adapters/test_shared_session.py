"""The session PynamoDB's connections make their clients from (vault_share.adapters.aws.SharedSession)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from vault_share.adapters import aws


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[pytest.MonkeyPatch]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws.reset()
    yield monkeypatch
    aws.reset()


def test_calls_alike_get_one_client_and_a_client_without_credentials_is_not_kept(
    no_credentials: pytest.MonkeyPatch,
) -> None:
    """PynamoDB asks for a new client while its own has no credentials (botocore would keep a
    failed look-up): the shared session must not hand that client back."""
    session = aws.SharedSession()
    blind = session.create_client("dynamodb", "eu-west-3")
    assert not blind._request_signer._credentials
    assert session.create_client("dynamodb", "eu-west-3") is not blind
    no_credentials.setenv("AWS_ACCESS_KEY_ID", "testing")
    no_credentials.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws.reset()  # a new container's session: it looks credentials up again
    session = aws.SharedSession()
    seeing = session.create_client("dynamodb", "eu-west-3")
    assert seeing._request_signer._credentials
    assert session.create_client("dynamodb", "eu-west-3") is seeing
    assert session.create_client("dynamodb", "eu-west-1") is not seeing
