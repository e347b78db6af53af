"""The exact UpdateItem that `LinkStore.unlock` sends, for the warm ratio's raw call.

Rather than copy store.py's expressions (and drift from them), the arguments are
captured from `LinkStore.unlock` itself, run against a recorder instead of a client.
"""

from __future__ import annotations

import secrets
from typing import Any


class _Captured(Exception):
    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__("captured")
        self.kwargs = kwargs


class _Recorder:
    def update_item(self, **kwargs: Any) -> Any:
        raise _Captured(kwargs)


def unlock_kwargs(table: str, token: str, code: str) -> dict[str, Any]:
    """The keyword arguments of the update_item call that unlocks `token` with `code` now."""
    # vault_share reads the function's environment at import (PynamoDB table names): import late.
    from vault_share import clock
    from vault_share.guard import secrets as guarded
    from vault_share.links import rules
    from vault_share.links.store import LinkStore, link_pk
    from vault_share.settings import get_settings

    hashed = guarded.token_hash(token)
    now_dt = clock.now()
    grant = secrets.token_urlsafe(32)
    try:
        LinkStore(_Recorder(), table).unlock(
            link_pk(hashed),
            guarded.code_mac(guarded.Pepper(get_settings().pepper_secret_arn)(), hashed, code),
            clock.iso(now_dt),
            guarded.grant_hash(grant),
            clock.iso(now_dt + rules.DOWNLOAD_WINDOW),
        )
    except _Captured as captured:
        return captured.kwargs
    raise RuntimeError("LinkStore.unlock did not call update_item")
