"""`Idempotency-Key` on link creation, with Powertools idempotency (DynamoDB-backed).

The stored answer holds a seed, not the token nor the code: both are derived
from the seed with the pepper when the answer is replayed, and the stored hash of
the request covers a MAC of a typed code, not the code, so the idempotency table
never holds a live link or a code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from vault_share.adapters.mailer import default_mailer
from vault_share.errors import BadRequest, Conflict, Unprocessable
from vault_share.links import codes
from vault_share.links.owner import CreateRequest, create_sealed, unseal
from vault_share.links.schemas import CreateLink
from vault_share.links.store import default_store
from vault_share.settings import get_settings
from vault_share.vault.access import Caller

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
RETRY_WINDOW_SECONDS = 24 * 3600


@cache
def _config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[userId, vaultId, dossierId, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=RETRY_WINDOW_SECONDS,
        raise_on_no_idempotency_key=True,
    )


@cache
def _idempotent_create() -> Callable[..., dict[str, Any]]:
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=_config())
    def create(request: dict[str, Any], body: CreateLink) -> dict[str, Any]:
        return create_sealed(_rebuild(request, body), codes.new_seed(), default_store(), default_mailer())

    return create


def _rebuild(request: dict[str, Any], body: CreateLink) -> CreateRequest:
    return CreateRequest(
        caller=Caller(request["userId"], request["email"]),
        vault_id=request["vaultId"],
        dossier_id=request["dossierId"],
        body=body,
    )


def _fingerprint(body: CreateLink) -> dict[str, Any]:
    """The body as the retry check sees it (its hash is stored). A typed code is a MAC
    under the pepper: a plain hash of six digits would give the code away to anyone
    reading the table, by trying the million candidates."""
    fingerprint = body.model_dump(mode="json", by_alias=True)
    if body.code is not None:
        fingerprint["code"] = codes.code_mac(codes.pepper(), "idempotency", body.code)
    return fingerprint


def register_context(context: LambdaContext) -> None:
    """Lets Powertools expire an in-progress record when the function times out."""
    _config().register_lambda_context(context)


def create_link(request: CreateRequest, idempotency_key: str | None) -> dict[str, Any]:
    """Create a link; with a key, a retried request answers the first answer again."""
    if idempotency_key is None:
        sealed = create_sealed(request, codes.new_seed(), default_store(), default_mailer())
        return unseal(sealed, request.body)
    if not KEY_PATTERN.match(idempotency_key):
        raise BadRequest(
            "En-tête Idempotency-Key invalide (1 à 128 caractères imprimables).", code="invalid_idempotency_key"
        )
    data = {
        "key": idempotency_key,
        "userId": request.caller.user_id,
        "email": request.caller.email,
        "vaultId": request.vault_id,
        "dossierId": request.dossier_id,
        "body": _fingerprint(request.body),
    }
    try:
        sealed = _idempotent_create()(request=data, body=request.body)
    except IdempotencyValidationError:
        raise Unprocessable(
            "Cette clé Idempotency-Key a déjà servi pour une autre demande.", code="idempotency_key_reused"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("Une demande identique est en cours, réessayez.", code="request_in_progress") from None
    return unseal(sealed, request.body)
