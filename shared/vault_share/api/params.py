"""Path and query parameters shared by the owner routes (Powertools validation)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from vault_share.pagination import MAX_PAGE

# Ids are opaque: a malformed one is simply not found (404), like any other unknown id (access checks).
PathId = Annotated[str, Path(min_length=1, max_length=1024)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=2048)]
