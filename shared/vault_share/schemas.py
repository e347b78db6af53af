"""Base for the JSON models of the HTTP contract: camelCase on the wire, strict input."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Request bodies: camelCase fields, unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
