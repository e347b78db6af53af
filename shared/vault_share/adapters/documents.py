"""Documents in the private S3 bucket: presigned upload, existence check, presigned download."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

logger = Logger(child=True)

# An upload form is a bearer credential to write the document's key: it lives as long as the
# upload of the declared size may take, no longer. Whether S3 checks a POST policy's expiry when
# the request starts or when it ends is not documented: the budget assumes the end, on a slow
# uplink (1 s per 128 KiB is about 1 Mbit/s), plus 2 minutes to pick the file and start.
UPLOAD_FLOOR_SECONDS = 2 * 60
UPLOAD_BYTES_PER_SECOND = 128 * 1024
UPLOAD_MAX_SECONDS = 15 * 60
DOWNLOAD_URL_SECONDS = 60

# What S3 answers for a missing key: 404 with s3:ListBucket on the bucket, 403 without it
# (HeadObject has no body, so the code is the bare HTTP status).
_MISSING = frozenset({"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"})


def upload_seconds(size: int) -> int:
    return min(UPLOAD_MAX_SECONDS, UPLOAD_FLOOR_SECONDS + -(-size // UPLOAD_BYTES_PER_SECOND))


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
    version_id: str | None  # None on an unversioned bucket


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
            ExpiresIn=upload_seconds(size),
        )
        return {"url": post["url"], "method": "POST", "fields": post["fields"]}

    def head(self, key: str) -> StoredObject | None:
        """The object's latest version, or None when there is none (S3 says 404 or 403, see _MISSING)."""
        try:
            answer = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code not in _MISSING:
                raise
            if code not in ("404", "NoSuchKey", "NotFound"):
                # Also what a missing s3:GetObject grant looks like: visible in the logs, not to the caller.
                logger.warning("head_object refused: read as a missing object", extra={"s3_error": code})
            return None
        return StoredObject(
            size=int(answer["ContentLength"]),
            content_type=answer.get("ContentType", ""),
            version_id=answer.get("VersionId"),
        )

    def presign_download(self, key: str, file_name: str, content_type: str, version_id: str | None = None) -> str:
        """A GET URL valid DOWNLOAD_URL_SECONDS, served as an attachment under its original name;
        with `version_id`, of that version only (what was checked at `complete`)."""
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
                **({"VersionId": version_id} if version_id else {}),
            },
            ExpiresIn=DOWNLOAD_URL_SECONDS,
        )
        return url
