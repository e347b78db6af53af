"""Lambda SnapStart's runtime hooks, for the public functions (template.yaml: download, accept).

A SnapStart function is initialised once, snapshotted, and each new execution environment is
restored from that snapshot: whatever the init made is shared by every restored environment.
Nothing of ours is unique per environment (ids and secrets come from os.urandom, which the kernel
keeps distinct), but Python's `random` is, and botocore draws its retry jitter from it: after a
restore it is seeded again, so that restored environments do not retry in step.

Clients that only some requests use are made on first use (vault_share.adapters.aws.lazy_client),
which spares an on-demand cold start them; under SnapStart the init is paid once, so
`before_snapshot` makes them then, and every restored environment has them ready.

The boto3 clients made during init are kept: under SnapStart Lambda gives credentials through the
container credentials endpoint, which botocore refreshes, and urllib3 replaces a connection that
the snapshot left dropped.

`snapshot_restore_py` is part of Lambda's Python runtime; elsewhere (the local stack, the tests)
there is no snapshot and nothing is registered.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def reseed() -> None:
    random.seed()


def after_restore(*hooks: Callable[[], None]) -> bool:
    """Register `reseed` and `hooks` to run in each restored environment; False off SnapStart's runtime."""
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return False
    for hook in (reseed, *hooks):
        register_after_restore(hook)
    return True


def before_snapshot(*hooks: Callable[[], object]) -> bool:
    """Register `hooks` to run once, before Lambda takes the snapshot; False off SnapStart's runtime."""
    try:
        from snapshot_restore_py import register_before_snapshot
    except ImportError:
        return False
    for hook in hooks:
        register_before_snapshot(hook)
    return True
