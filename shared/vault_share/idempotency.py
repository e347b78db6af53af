"""`Idempotency-Key` on a create (a link, an invitation), with Powertools idempotency (DynamoDB-backed).

A retried request (same caller, vault, resource and key, same body) gets the first answer again;
the same key with another body is 422, a retry while the first is running 409. The stored
answer is sealed under a KMS key that only the function using it may use (adapters.sealer): the
idempotency table holds nothing from which a live token or code can be rebuilt, not even with
the pepper. The stored hash of the request covers a MAC of a typed code, not the code.

Under faults: a use case that returns a `Staged` answer has it sealed before its effects run, so
that an answer that cannot be kept (KMS failing) leaves nothing behind for a retry to duplicate;
and a request whose work is done is answered even when keeping its answer fails (the record
stays in progress: a retry within the function's timeout is 409, as for a concurrent one).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from vault_share.adapters.aws import client
from vault_share.adapters.sealer import Sealer
from vault_share.errors import BadRequest, Conflict, Unprocessable
from vault_share.guard import secrets
from vault_share.vault.access import Caller

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
RETRY_WINDOW_SECONDS = 24 * 3600

logger = Logger(child=True)

R = TypeVar("R")


@dataclass(frozen=True)
class Staged:
    """A create's answer as it is known before its effects run, and the effects, which return the
    answer as they leave it. The first is sealed before the effects: a retry gets it if the second
    cannot be sealed once they ran (KMS failing in between), so it must say "not known yet" where
    the effects decide (an e-mail "pending")."""

    provisional: dict[str, Any]
    effects: Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Scope:
    """What a request is, for its key: who asks, in which vault, on what, with which body."""

    caller: Caller
    vault_id: str
    body: BaseModel
    resource: dict[str, str] = field(default_factory=dict)  # e.g. {"dossierId": ...}


def _context(purpose: str, data: dict[str, Any]) -> dict[str, str]:
    """KMS encryption context: a sealed answer opens only for the same purpose, caller and vault."""
    return {"purpose": purpose, "userId": data["userId"], "vaultId": data["vaultId"]}


class Idempotent(Generic[R]):
    """A create where a retried request gets the first answer again. Built once per container:
    `run` is the use case wired to its stores and channels, `scope` tells what a request is."""

    def __init__(
        self,
        table: str,
        sealer: Sealer,
        pepper: Callable[[], bytes],
        purpose: str,
        run: Callable[[R], dict[str, Any] | Staged],
        scope: Callable[[R], Scope],
    ) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="[purpose, userId, vaultId, resource, key]",
            payload_validation_jmespath="body",
            expires_after_seconds=RETRY_WINDOW_SECONDS,
            raise_on_no_idempotency_key=True,
        )
        self._table = table
        self._sealer = sealer
        self._pepper = pepper
        self._purpose = purpose
        self._run = run
        self._scope = scope
        self._sealed_run: Callable[..., dict[str, str]] | None = None
        self._lock = threading.Lock()

    def _sealed(self) -> Callable[..., dict[str, str]]:
        """The run behind Powertools' idempotency, made for the first request with a key. Its
        persistence layer gets the container's DynamoDB client: left to itself, it would make one
        from a boto3 session of its own (100 ms or more of a cold start)."""
        with self._lock:
            if self._sealed_run is None:

                @idempotent_function(
                    data_keyword_argument="data",
                    persistence_store=DynamoDBPersistenceLayer(table_name=self._table, boto3_client=client("dynamodb")),
                    config=self._config,
                )
                def sealed_run(data: dict[str, Any], request: Any, done: list[dict[str, Any]]) -> dict[str, str]:
                    """What is stored for a retry; `done` gets the answer in clear once the work is done."""
                    context = _context(self._purpose, data)
                    result = self._run(request)
                    if not isinstance(result, Staged):
                        done.append(result)
                        return {"sealed": self._sealer.seal(result, context)}
                    sealed = self._sealer.seal(result.provisional, context)
                    answer = result.effects()
                    if answer != result.provisional:
                        try:
                            sealed = self._sealer.seal(answer, context)
                        except (ClientError, BotoCoreError) as exc:  # effects done: a retry gets the provisional
                            logger.warning(
                                "idempotent answer kept as provisional", extra={"error_type": type(exc).__name__}
                            )
                    done.append(answer)
                    return {"sealed": sealed}

                self._sealed_run = sealed_run
            return self._sealed_run

    def register_context(self, context: LambdaContext) -> None:
        """Lets Powertools expire an in-progress record when the function times out."""
        self._config.register_lambda_context(context)

    def __call__(self, request: R, idempotency_key: str | None) -> dict[str, Any]:
        if idempotency_key is None:
            result = self._run(request)
            return result.effects() if isinstance(result, Staged) else result
        if not KEY_PATTERN.match(idempotency_key):
            raise BadRequest(
                "En-tête Idempotency-Key invalide (1 à 128 caractères imprimables).", code="invalid_idempotency_key"
            )
        scope = self._scope(request)
        data = {
            "purpose": self._purpose,
            "key": idempotency_key,
            "userId": scope.caller.user_id,
            "vaultId": scope.vault_id,
            "resource": scope.resource,
            "body": self._fingerprint(scope.body),
        }
        done: list[dict[str, Any]] = []
        try:
            stored = self._sealed()(data=data, request=request, done=done)
        except IdempotencyPersistenceLayerError as exc:
            if not done:
                raise
            # The work is done and its answer known: only keeping it for a retry failed.
            logger.warning("idempotent answer not recorded", extra={"error_type": type(exc.__cause__).__name__})
            return done[0]
        except IdempotencyValidationError:
            raise Unprocessable(
                "Cette clé Idempotency-Key a déjà servi pour une autre demande.", code="idempotency_key_reused"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict("Une demande identique est en cours, réessayez.", code="request_in_progress") from None
        if done:  # this very call did the work: its answer is at hand, no need to unseal it
            return done[0]
        return self._sealer.unseal(stored["sealed"], _context(self._purpose, data))

    def _fingerprint(self, body: BaseModel) -> dict[str, Any]:
        """The body as the retry check sees it (its hash is stored). A typed code is a MAC under
        the pepper: a plain hash of six digits would give the code away to anyone reading the
        table, by trying the million candidates."""
        fingerprint = body.model_dump(mode="json", by_alias=True)
        if fingerprint.get("code") is not None:
            fingerprint["code"] = secrets.code_mac(self._pepper(), "idempotency", str(fingerprint["code"]))
        return fingerprint
