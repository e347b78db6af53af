"""vault_share.observability: the one place that knows metrics are Powertools' EMF."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from vault_share import observability

from tests.unit.test_layering import PACKAGE, imported

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
METRICS = (".Metrics", ".single_metric", ".MetricUnit")


def test_nothing_else_imports_powertools_metrics() -> None:
    modules = [*PACKAGE.rglob("*.py"), *FUNCTIONS.rglob("*.py")]
    assert len(modules) > 20
    users = {
        str(p): sorted(n for n in imported(p) if n.startswith("aws_lambda_powertools.metrics") or n.endswith(METRICS))
        for p in modules
    }
    assert {path for path, names in users.items() if names} == {str(PACKAGE / "observability.py")}


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "VaultShare")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "vault-share")


def test_a_dimension_never_holds_what_it_was_not_made_for(metrics_on: None, capsys: pytest.CaptureFixture[str]) -> None:
    observability.invitation_sent("alain.dupont@example.fr", "sent")
    observability.wrong_code("LINK#3f2a")
    (sent, wrong) = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (sent["channel"], sent["status"], sent["InvitationsSent"]) == ("other", "sent", [1.0])
    assert (wrong["share"], wrong["service"]) == ("other", "vault-share")
    assert "alain" not in json.dumps(sent) and "3f2a" not in json.dumps(wrong)


def test_the_sdk_and_pynamodb_never_log_at_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Their DEBUG lines are requests: signed headers, e-mail and SMS bodies, items. Lambda's
    application log level DEBUG puts the root logger there."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # restored after
    root.setLevel(logging.DEBUG)
    assert logging.getLogger("vault_share.anything").isEnabledFor(logging.DEBUG)
    for name in ("botocore", "botocore.endpoint", "boto3", "urllib3", "s3transfer", "pynamodb.connection.base"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
