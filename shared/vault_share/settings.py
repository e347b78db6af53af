"""Settings read once from the function's environment (set by template.yaml).

A frozen dataclass, not a pydantic model: every function reads its settings at import, and the
recipients' functions (download, accept) import nothing of pydantic otherwise (their cold start).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from typing import Any


def _variable(name: str, default: Any = MISSING, *, minimum: int | None = None, integer: bool = False) -> Any:
    return field(default=default, metadata={"variable": name, "minimum": minimum, "integer": integer})


@dataclass(frozen=True, kw_only=True)
class Settings:
    vault_table: str = _variable("VAULT_TABLE")
    shares_table: str = _variable("SHARES_TABLE")
    idempotency_table: str = _variable("IDEMPOTENCY_TABLE")
    documents_bucket: str = _variable("DOCUMENTS_BUCKET")
    pepper_secret_arn: str = _variable("PEPPER_SECRET_ARN")
    # The create-link function's own: the key its idempotent answers are sealed under.
    idempotency_key_arn: str = _variable("IDEMPOTENCY_KEY_ARN", "")
    # The invite function's own: the key an invitation's token and code are sealed under.
    invitation_key_arn: str = _variable("INVITATION_KEY_ARN", "")
    # The accept function's own: the web client, audience of the ID tokens it verifies itself.
    user_pool_client_id: str = _variable("USER_POOL_CLIENT_ID", "")
    # The embedded AWS locally (its JWKS too); unset on Lambda.
    aws_endpoint_url: str | None = _variable("AWS_ENDPOINT_URL", None)
    user_pool_id: str = _variable("USER_POOL_ID")
    public_base_url: str = _variable("PUBLIC_BASE_URL")
    frontend_origin: str = _variable("FRONTEND_ORIGIN")
    sender_email: str = _variable("SENDER_EMAIL")
    letter_cost_cents: int = _variable("LETTER_COST_CENTS", 182, integer=True)
    # Invitations (invitations/schedule.py): a reminder every N days, at most M, expiry after T days.
    relaunch_interval_days: int = _variable("RELAUNCH_INTERVAL_DAYS", 3, minimum=1, integer=True)
    relaunch_max: int = _variable("RELAUNCH_MAX", 3, minimum=0, integer=True)
    invitation_ttl_days: int = _variable("INVITATION_TTL_DAYS", 30, minimum=1, integer=True)
    # The invite function's own (template parameter SmsSenderId): empty sends no sender ID.
    sms_sender_id: str = _variable("SMS_SENDER_ID", "")
    # The invite function's own: who prints and mails letters ("none": they wait for a manual
    # print step), and the name of the Secrets Manager secret holding that provider's credentials.
    print_provider: str = _variable("PRINT_PROVIDER", "none")
    print_provider_secret: str = _variable("PRINT_PROVIDER_SECRET", "")
    # Messages sent on an owner's behalf (vault_share.quotas): per vault per UTC day, per user per
    # hour (template parameters Quota*); 0 closes the channel.
    quota_vault_emails_per_day: int = _variable("QUOTA_VAULT_EMAILS_PER_DAY", 200, minimum=0, integer=True)
    quota_vault_sms_per_day: int = _variable("QUOTA_VAULT_SMS_PER_DAY", 50, minimum=0, integer=True)
    quota_vault_letters_per_day: int = _variable("QUOTA_VAULT_LETTERS_PER_DAY", 20, minimum=0, integer=True)
    quota_user_emails_per_hour: int = _variable("QUOTA_USER_EMAILS_PER_HOUR", 50, minimum=0, integer=True)
    quota_user_sms_per_hour: int = _variable("QUOTA_USER_SMS_PER_HOUR", 20, minimum=0, integer=True)
    quota_user_letters_per_hour: int = _variable("QUOTA_USER_LETTERS_PER_HOUR", 5, minimum=0, integer=True)
    region: str = _variable("AWS_REGION", "eu-west-3")

    @classmethod
    def variables(cls) -> list[str]:
        """The environment variables the settings are read from."""
        return [f.metadata["variable"] for f in fields(cls)]

    @classmethod
    def of(cls, environment: Mapping[str, str]) -> Settings:
        """ValueError naming the variable when one is missing or out of range."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            name, raw = f.metadata["variable"], environment.get(f.metadata["variable"])
            if raw is None:
                if f.default is MISSING:
                    raise ValueError(f"{name} is not set")
                continue
            value: Any = raw
            if f.metadata["integer"]:
                try:
                    value = int(raw)
                except ValueError:
                    raise ValueError(f"{name} must be an integer") from None
                if f.metadata["minimum"] is not None and value < f.metadata["minimum"]:
                    raise ValueError(f"{name} must be at least {f.metadata['minimum']}")
            values[f.name] = value
        return cls(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.of(os.environ)
