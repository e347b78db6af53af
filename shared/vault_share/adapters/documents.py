"""Documents in the private S3 bucket: presigned upload, existence check, presigned download."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from vault_share.adapters.aws import client
from vault_share.settings import get_settings

UPLOAD_URL_SECONDS = 15 * 60
DOWNLOAD_URL_SECONDS = 60


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str


class DocumentStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def presign_upload(self, key: str, content_type: str, size: int) -> dict[str, Any]:
        """A browser-friendly POST form limited to the declared type and size."""
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
            ExpiresIn=UPLOAD_URL_SECONDS,
        )
        return {"url": post["url"], "method": "POST", "fields": post["fields"]}

    def head(self, key: str) -> StoredObject | None:
        try:
            answer = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(size=int(answer["ContentLength"]), content_type=answer.get("ContentType", ""))

    def presign_download(self, key: str, file_name: str, content_type: str) -> str:
        """A GET URL valid DOWNLOAD_URL_SECONDS, served as an attachment under its original name."""
        # RFC 6266: an ASCII fallback for old clients, then the exact UTF-8 name.
        fallback = unicodedata.normalize("NFKD", file_name).encode("ascii", "ignore").decode()
        fallback = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in fallback) or "document"
        disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            ExpiresIn=DOWNLOAD_URL_SECONDS,
        )
        return url


@cache
def default_store() -> DocumentStore:
    return DocumentStore(client("s3"), get_settings().documents_bucket)
