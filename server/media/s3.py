"""Photos in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, a cloud's object storage).

One object per file, `<prefix><name>`. A PUT is atomic in S3 (an object appears whole or not at
all), so no temporary names are needed; each upload carries its SHA-256 checksum, which the store
checks before it keeps the object. boto3's client is thread-safe: one per process and bucket.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any, TypeVar

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.media.config import S3Settings
from server.media.storage import NAME, MediaStorage, Opened, StorageUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
_MISSING = {"404", "NoSuchKey", "NotFound"}
# Photos are at most a few MB: one PUT each; bigger sources (none today) go up in 16 MB parts.
_TRANSFER = TransferConfig(multipart_threshold=16 << 20, multipart_chunksize=16 << 20)


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


def _call(what: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except ClientError as exc:
        if _missing(exc):
            raise
        raise StorageUnavailable(f"S3 {what}: {exc}") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable(f"S3 {what}: {exc}") from exc


class S3Storage(MediaStorage):
    def __init__(self, config: S3Settings) -> None:
        self.bucket = config.bucket
        self.prefix = config.prefix
        self.where = config.where
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=config.secret_access_key,
            config=Config(
                # Stores other than AWS rarely have a DNS name per bucket.
                s3={"addressing_style": "path" if config.endpoint_url else "auto"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                # Photo requests run in the worker-thread pool: enough connections for them.
                max_pool_connections=32,
            ),
        )

    def key(self, name: str) -> str:
        if not NAME.match(name):
            raise ValueError(f"not a media file name: {name!r}")
        return self.prefix + name

    def put(self, name: str, source: IO[bytes]) -> None:
        _call(
            "put",
            lambda: self.client.upload_fileobj(
                source,
                self.bucket,
                self.key(name),
                ExtraArgs={"ContentType": "image/jpeg", "ChecksumAlgorithm": "SHA256"},
                Config=_TRANSFER,
            ),
        )

    def open(self, name: str) -> Opened | None:
        try:
            answer = _call(
                "get", lambda: self.client.get_object(Bucket=self.bucket, Key=self.key(name))
            )
        except ClientError:
            return None
        return Opened(answer["Body"], int(answer["ContentLength"]))

    def size(self, name: str) -> int | None:
        try:
            answer = _call(
                "head", lambda: self.client.head_object(Bucket=self.bucket, Key=self.key(name))
            )
        except ClientError:
            return None
        return int(answer["ContentLength"])

    def sha256(self, name: str) -> str | None:
        """From the SHA-256 the store verified when the object was written (our uploads carry
        one), without downloading it; objects written without one are read and hashed."""
        try:
            answer = _call(
                "head",
                lambda: self.client.head_object(
                    Bucket=self.bucket, Key=self.key(name), ChecksumMode="ENABLED"
                ),
            )
        except ClientError:
            return None
        checksum = answer.get("ChecksumSHA256")
        # "…-N": a checksum of a multipart upload's parts, not of the object.
        if isinstance(checksum, str) and "-" not in checksum:
            return base64.b64decode(checksum).hex()
        return super().sha256(name)

    def delete(self, name: str) -> int:
        size = self.size(name)
        if size is None:
            return 0
        _call("delete", lambda: self.client.delete_object(Bucket=self.bucket, Key=self.key(name)))
        return size

    def names(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        iterator = iter(pages)
        while True:
            page = _call("list", lambda: next(iterator, None))
            if page is None:
                return
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if NAME.match(name):
                    yield name

    def check(self) -> None:
        """Raises StorageUnavailable unless the bucket answers (`fieldkeep check`)."""
        try:
            _call("head bucket", lambda: self.client.head_bucket(Bucket=self.bucket))
        except ClientError as exc:  # a 404 here: the bucket itself is missing
            raise StorageUnavailable(f"S3 bucket {self.bucket!r} not found") from exc


@functools.cache
def s3_storage(config: S3Settings) -> S3Storage:
    """Making a client reads botocore's service models (tens of ms): once per bucket."""
    return S3Storage(config)
