"""`Idempotency-Key` on link creation, with Powertools idempotency (DynamoDB-backed).

The stored answer is sealed under a KMS key that only the create-link function may use
(adapters.sealer): the idempotency table holds nothing from which a live link or code can
be rebuilt, not even with the pepper. The stored hash of the request covers a MAC of a
typed code, not the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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

from vault_share.adapters.sealer import Sealer
from vault_share.errors import BadRequest, Conflict, Unprocessable
from vault_share.guard import secrets
from vault_share.links.owner import CreateRequest
from vault_share.links.schemas import CreateLink
from vault_share.vault.access import Caller

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
RETRY_WINDOW_SECONDS = 24 * 3600

Create = Callable[[CreateRequest], dict[str, Any]]


def _context(request: dict[str, Any]) -> dict[str, str]:
    """KMS encryption context: a sealed answer opens only for the same caller, vault and key."""
    return {"purpose": "create-link-answer", "userId": request["userId"], "vaultId": request["vaultId"]}


class IdempotentCreate:
    """Link creation where a retried request (same key, same body) gets the first answer again.

    Built once per container: `create` is the use case wired to its stores and channels."""

    def __init__(self, table: str, sealer: Sealer, pepper: Callable[[], bytes], create: Create) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="[userId, vaultId, dossierId, key]",
            payload_validation_jmespath="body",
            expires_after_seconds=RETRY_WINDOW_SECONDS,
            raise_on_no_idempotency_key=True,
        )
        self._sealer = sealer
        self._pepper = pepper
        self._create = create

        @idempotent_function(
            data_keyword_argument="request",
            persistence_store=DynamoDBPersistenceLayer(table_name=table),
            config=self._config,
        )
        def sealed_create(request: dict[str, Any], body: CreateLink) -> dict[str, str]:
            answer = self._create(_rebuild(request, body))
            return {"sealed": self._sealer.seal(answer, _context(request))}

        self._sealed_create = sealed_create

    def register_context(self, context: LambdaContext) -> None:
        """Lets Powertools expire an in-progress record when the function times out."""
        self._config.register_lambda_context(context)

    def __call__(self, request: CreateRequest, idempotency_key: str | None) -> dict[str, Any]:
        if idempotency_key is None:
            return self._create(request)
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
            "body": self._fingerprint(request.body),
        }
        try:
            stored = self._sealed_create(request=data, body=request.body)
        except IdempotencyValidationError:
            raise Unprocessable(
                "Cette clé Idempotency-Key a déjà servi pour une autre demande.", code="idempotency_key_reused"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict("Une demande identique est en cours, réessayez.", code="request_in_progress") from None
        return self._sealer.unseal(stored["sealed"], _context(data))

    def _fingerprint(self, body: CreateLink) -> dict[str, Any]:
        """The body as the retry check sees it (its hash is stored). A typed code is a MAC
        under the pepper: a plain hash of six digits would give the code away to anyone
        reading the table, by trying the million candidates."""
        fingerprint = body.model_dump(mode="json", by_alias=True)
        if body.code is not None:
            fingerprint["code"] = secrets.code_mac(self._pepper(), "idempotency", body.code)
        return fingerprint


def _rebuild(request: dict[str, Any], body: CreateLink) -> CreateRequest:
    return CreateRequest(
        caller=Caller(request["userId"], request["email"]),
        vault_id=request["vaultId"],
        dossier_id=request["dossierId"],
        body=body,
    )
