"""`Idempotency-Key` on link creation (vault_share.idempotency), the answer sealed under the key
only the create-link function may use."""

from __future__ import annotations

from collections.abc import Callable

from vault_share.adapters.sealer import Sealer
from vault_share.idempotency import Idempotent, Scope, Staged
from vault_share.links.owner import CreateRequest

Create = Callable[[CreateRequest], Staged]


def _scope(request: CreateRequest) -> Scope:
    return Scope(request.caller, request.vault_id, request.body, {"dossierId": request.dossier_id})


def idempotent_create(
    table: str, sealer: Sealer, pepper: Callable[[], bytes], create: Create
) -> Idempotent[CreateRequest]:
    """Link creation where a retried request (same key, same body) gets the first answer again.
    Built once per container: `create` is the use case wired to its stores and channels."""
    return Idempotent(table, sealer, pepper, "create-link-answer", create, _scope)
