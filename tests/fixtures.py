"""Fixtures: the embedded AWS built from template.yaml, handlers loaded as Lambda loads them, callers.

The world itself (provisioning, users and their claims, API Gateway events, seed data) is
devstack.testkit, which the bench uses too; this module makes pytest fixtures of it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from moto import mock_aws

from devstack import template
from devstack.testkit import ACCOUNT, Api, HttpResult, User, new_document, new_dossier, new_user, new_vault, provision
from tests.conftest import REGION, STACK

__all__ = [
    "ACCOUNT",
    "Api",
    "Aws",
    "HttpResult",
    "User",
    "add_member",
    "api",
    "aws",
    "make_user",
    "new_document",
    "new_dossier",
    "new_user",
    "new_vault",
    "owner",
    "report",
]


@dataclass
class Aws:
    resolver: template.Resolver

    def ref(self, logical_id: str) -> str:
        return self.resolver.ref(logical_id)


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    """moto's in-process mock with every resource of template.yaml; reset after the module."""
    from vault_share import clock
    from vault_share.adapters import aws as clients
    from vault_share.guard.secrets import forget_peppers
    from vault_share.settings import get_settings

    # Each module's moto makes a new pepper under the same secret name: a value cached by an earlier
    # module would be served until its max_age ran out, and then change in the middle of a test.
    forget_peppers()
    with mock_aws():
        resolver = provision(
            STACK,
            REGION,
            ACCOUNT,
            PublicBaseUrl="https://api.vault-share.test/v1",
            FrontendOrigin="https://app.vault-share.test",
            SenderEmail="no-reply@vault-share.test",
        )
        os.environ["USER_POOL_ID"] = resolver.ref("UserPool")
        # CreateLinkFunction's own variable (template.yaml); the handlers of this process share one environment.
        os.environ["IDEMPOTENCY_KEY_ARN"] = resolver.get_att("IdempotencyKey", "Arn")
        os.environ["INVITATION_KEY_ARN"] = resolver.get_att("InvitationKey", "Arn")  # InviteFunction's own
        get_settings.cache_clear()
        clients.reset()
        yield Aws(resolver)
        clock.reset()


def add_member(vault_id: str, user: User, role: str, vault_name: str = "Garage des Lilas") -> None:
    """Give `user` a role in the vault directly in the table (guests and members have no API yet)."""
    from vault_share import clock
    from vault_share.vault.models import MemberItem, member_sk, vault_pk

    MemberItem(
        vault_pk(vault_id),
        member_sk(user.user_id),
        vault_id=vault_id,
        user_id=user.user_id,
        role=role,
        vault_name=vault_name,
        email=user.email,
        gsi1pk=f"USER#{user.user_id}",
        gsi1sk=f"VAULT#{vault_id}",
        created_at=clock.iso(clock.now()),
    ).save()


@pytest.fixture(scope="module")
def api(aws: Aws) -> Api:
    return Api()


@pytest.fixture
def owner() -> User:
    return new_user("owner")


@pytest.fixture
def make_user() -> Callable[[str], User]:
    return new_user


def report(config: pytest.Config, line: str) -> None:
    """Printed (never asserted): visible even with -q and output capture."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write("\n")  # progress dots leave the cursor mid-line
        reporter.write_line(line)
