"""template.yaml's side of postal letters: parameters, the invite function's variables and grants."""

from __future__ import annotations

from vault_share.adapters.letters import PROVIDERS
from vault_share.settings import Settings

from tests.test_template_iam import DOCUMENT, grants_of, text

PARAMETERS = DOCUMENT["Parameters"]
INVITE = DOCUMENT["Resources"]["InviteFunction"]["Properties"]


def test_printing_is_off_by_default_and_offers_the_providers_the_code_knows() -> None:
    assert PARAMETERS["PrintProvider"]["Default"] == "none"
    assert PARAMETERS["PrintProvider"]["AllowedValues"] == list(PROVIDERS)
    assert PARAMETERS["LetterCostCents"]["Default"] == 182
    variables = INVITE["Environment"]["Variables"]
    assert variables["PRINT_PROVIDER"] == {"Ref": "PrintProvider"}
    assert variables["PRINT_PROVIDER_SECRET"] == {"Ref": "PrintProviderSecretName"}
    assert DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]["LETTER_COST_CENTS"] == {
        "Ref": "LetterCostCents"
    }


def test_settings_read_the_letter_variables() -> None:
    base = {
        name: "x"
        for name in (
            "VAULT_TABLE",
            "SHARES_TABLE",
            "IDEMPOTENCY_TABLE",
            "DOCUMENTS_BUCKET",
            "PEPPER_SECRET_ARN",
            "USER_POOL_ID",
            "PUBLIC_BASE_URL",
            "FRONTEND_ORIGIN",
            "SENDER_EMAIL",
        )
    }
    defaults = Settings.of(base)
    assert (defaults.letter_cost_cents, defaults.print_provider, defaults.print_provider_secret) == (182, "none", "")
    chosen = Settings.of(
        {**base, "LETTER_COST_CENTS": "250", "PRINT_PROVIDER": "merci-facteur", "PRINT_PROVIDER_SECRET": "mf"}
    )
    assert (chosen.letter_cost_cents, chosen.print_provider, chosen.print_provider_secret) == (
        250,
        "merci-facteur",
        "mf",
    )


def test_the_invite_function_touches_letters_only_and_the_named_secret() -> None:
    s3 = {(a, r) for g in grants_of("InviteFunction") for a in g.actions for r in g.resources if a.startswith("s3:")}
    assert s3 == {
        ("s3:PutObject", "${DocumentsBucket.Arn}/letters/*"),
        ("s3:GetObject", "${DocumentsBucket.Arn}/letters/*"),
    }
    readers = {
        g.statement["Sid"]: g for g in grants_of("InviteFunction") if "secretsmanager:GetSecretValue" in g.actions
    }
    # The code pepper (invitations.owner) and the print provider's credentials, nothing else.
    assert set(readers) == {"Pepper", "PrintProviderCredentials"}
    assert readers["Pepper"].actions == ["secretsmanager:GetSecretValue"]
    assert readers["Pepper"].resources == ["${PepperSecret}"]
    secret = readers["PrintProviderCredentials"]
    assert secret.actions == ["secretsmanager:GetSecretValue"]
    assert secret.resources == [
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${PrintProviderSecretName}-??????"
    ]
    # The operator's secret: the template creates none for it.
    secrets = [r for r in DOCUMENT["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert all("print" not in text(r["Properties"].get("Description", "")).lower() for r in secrets)
