"""A small HTTP client for the API (the demo seed and the end-to-end tests use it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import urllib3


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=60))

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        redirect: bool = False,
    ) -> Answer:
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            body = json.dumps(json_body)
            sent.setdefault("Content-Type", "application/json")
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        answer = self._http.request(method, url, body=body, headers=sent, redirect=redirect)
        return Answer(answer.status, dict(answer.headers), answer.data)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Answer:
        return self.request("POST", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.request("DELETE", path, **kwargs)

    def upload(self, upload: dict[str, Any], content: bytes, file_name: str) -> int:
        """Send a file to the presigned upload the API answered with (POST form or PUT)."""
        if upload["method"] == "POST":
            fields: dict[str, Any] = dict(upload["fields"])
            fields["file"] = (file_name, content, fields.get("Content-Type", "application/octet-stream"))
            answer = self._http.request("POST", upload["url"], fields=fields)
        else:
            answer = self._http.request("PUT", upload["url"], body=content, headers=upload.get("headers") or {})
        return int(answer.status)


def sign_in(aws_endpoint: str, region: str, client_id: str, email: str, password: str) -> str:
    """A real Cognito InitiateAuth (USER_PASSWORD_AUTH); the ID token is the bearer token."""
    cognito = boto3.client("cognito-idp", endpoint_url=aws_endpoint, region_name=region)
    answer = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(answer["AuthenticationResult"]["IdToken"])
