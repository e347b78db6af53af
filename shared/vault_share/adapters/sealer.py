"""Small JSON documents encrypted under a KMS key (Encrypt / Decrypt, under 4 KB).

Used to keep an answer that must be replayed (an idempotent retry) without keeping
anything in clear from which a live link or code could be rebuilt: only a role allowed
to Decrypt with that key can read it back. The encryption context binds the ciphertext
to its purpose and owner (KMS refuses to decrypt it under another).
"""

from __future__ import annotations

import base64
import json
from typing import Any


class Sealer:
    def __init__(self, kms: Any, key_arn: str) -> None:
        self._kms = kms
        self._key = key_arn

    def seal(self, value: dict[str, Any], context: dict[str, str]) -> str:
        plain = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        answer = self._kms.encrypt(KeyId=self._key, Plaintext=plain, EncryptionContext=context)
        return base64.b64encode(answer["CiphertextBlob"]).decode("ascii")

    def unseal(self, sealed: str, context: dict[str, str]) -> dict[str, Any]:
        answer = self._kms.decrypt(KeyId=self._key, CiphertextBlob=base64.b64decode(sealed), EncryptionContext=context)
        value: dict[str, Any] = json.loads(answer["Plaintext"])
        return value
