"""A real S3-protocol server for the tests: moto's server mode in its own process, on a free
port of 127.0.0.1. The app reaches it over HTTP with boto3, as it would reach MinIO or AWS."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
KEY_ID = "fieldkeep-test"
SECRET = "fieldkeep-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class S3Server:
    url: str
    client: Any  # a boto3 S3 client of the test's own, to look at the bucket independently

    def new_bucket(self) -> str:
        name = f"fk-{secrets.token_hex(6)}"
        self.client.create_bucket(Bucket=name)
        return name

    def env(self, bucket: str) -> dict[str, str]:
        """The FIELDKEEP_* variables that put the app's photos in `bucket`."""
        return {
            "FIELDKEEP_MEDIA_STORE": "s3",
            "FIELDKEEP_S3_BUCKET": bucket,
            "FIELDKEEP_S3_ENDPOINT_URL": self.url,
            "FIELDKEEP_S3_REGION": REGION,
            "FIELDKEEP_S3_ACCESS_KEY_ID": KEY_ID,
            "FIELDKEEP_S3_SECRET_ACCESS_KEY": SECRET,
        }

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in the bucket, key → bytes."""
        found: dict[str, bytes] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                body = self.client.get_object(Bucket=bucket, Key=item["Key"])["Body"]
                found[item["Key"]] = body.read()
        return found


@contextmanager
def running_s3_server() -> Iterator[S3Server]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Starting takes a second or two (more on a busy machine); give up only if it dies or
        # never answers.
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto's S3 server exited with {process.returncode}")
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=5).close()  # noqa: S310
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not answer on {url}") from None
                time.sleep(0.2)
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )
        yield S3Server(url, client)
    finally:
        process.terminate()
        process.wait(timeout=30)
