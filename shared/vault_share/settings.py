"""Settings read once from the function's environment (set by template.yaml)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    vault_table: str = Field(alias="VAULT_TABLE")
    shares_table: str = Field(alias="SHARES_TABLE")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    documents_bucket: str = Field(alias="DOCUMENTS_BUCKET")
    pepper_secret_arn: str = Field(alias="PEPPER_SECRET_ARN")
    # The create-link function's own: the key its idempotent answers are sealed under.
    idempotency_key_arn: str = Field(default="", alias="IDEMPOTENCY_KEY_ARN")
    # The invite function's own: the key an invitation's token and code are sealed under.
    invitation_key_arn: str = Field(default="", alias="INVITATION_KEY_ARN")
    # The invite function's own: the web client, audience of the ID tokens it verifies itself.
    user_pool_client_id: str = Field(default="", alias="USER_POOL_CLIENT_ID")
    # The embedded AWS locally (its JWKS too); unset on Lambda.
    aws_endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")
    user_pool_id: str = Field(alias="USER_POOL_ID")
    public_base_url: str = Field(alias="PUBLIC_BASE_URL")
    frontend_origin: str = Field(alias="FRONTEND_ORIGIN")
    sender_email: str = Field(alias="SENDER_EMAIL")
    letter_cost_cents: int = Field(default=182, alias="LETTER_COST_CENTS")
    # Invitations (invitations/schedule.py): a reminder every N days, at most M, expiry after T days.
    relaunch_interval_days: int = Field(default=3, ge=1, alias="RELAUNCH_INTERVAL_DAYS")
    relaunch_max: int = Field(default=3, ge=0, alias="RELAUNCH_MAX")
    invitation_ttl_days: int = Field(default=30, ge=1, alias="INVITATION_TTL_DAYS")
    # The invite function's own (template parameter SmsSenderId): empty sends no sender ID.
    sms_sender_id: str = Field(default="", alias="SMS_SENDER_ID")
    # The invite function's own: who prints and mails letters ("none": they wait for a manual
    # print step), and the name of the Secrets Manager secret holding that provider's credentials.
    print_provider: str = Field(default="none", alias="PRINT_PROVIDER")
    print_provider_secret: str = Field(default="", alias="PRINT_PROVIDER_SECRET")
    region: str = Field(default="eu-west-3", alias="AWS_REGION")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
