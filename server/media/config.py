"""Where photos are kept: the data folder (default) or an S3-compatible bucket.

FIELDKEEP_MEDIA_STORE           disk (data/media/, the default) or s3
FIELDKEEP_S3_BUCKET             the bucket (needed for s3, and by `fieldkeep media migrate`)
FIELDKEEP_S3_ENDPOINT_URL       e.g. https://minio.example.cn:9000; unset: AWS
FIELDKEEP_S3_REGION             us-east-1 unless set
FIELDKEEP_S3_ACCESS_KEY_ID      with FIELDKEEP_S3_SECRET_ACCESS_KEY; both unset: boto3's own
                                chain (AWS_* variables, ~/.aws, an instance role)
FIELDKEEP_S3_PREFIX             the objects' key prefix in the bucket (media/)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

STORES = ("disk", "s3")


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    # None: AWS itself; anything else (MinIO, Ceph, a cloud's S3 API) is addressed by path.
    endpoint_url: str | None = None
    region: str = "us-east-1"
    # None: boto3's own chain (AWS_* variables, ~/.aws, an instance role).
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    prefix: str = "media/"

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class MediaSettings:
    store: Literal["disk", "s3"] = "disk"
    # Set whenever a bucket is named, also with the disk store: `fieldkeep media migrate` copies
    # the disk's photos there before the store is switched.
    s3: S3Settings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MediaSettings:
        """Raises ValueError naming the variable that is wrong."""
        store = env.get("FIELDKEEP_MEDIA_STORE", "disk").strip().lower() or "disk"
        if store not in STORES:
            raise ValueError(f"FIELDKEEP_MEDIA_STORE must be disk or s3, not {store!r}")
        bucket = env.get("FIELDKEEP_S3_BUCKET", "").strip()
        if store == "s3" and not bucket:
            raise ValueError("FIELDKEEP_MEDIA_STORE=s3 needs FIELDKEEP_S3_BUCKET")
        if not bucket:
            return cls(store="disk")
        endpoint = env.get("FIELDKEEP_S3_ENDPOINT_URL", "").strip().rstrip("/") or None
        if endpoint is not None and not endpoint.startswith(("http://", "https://")):
            raise ValueError(
                f"FIELDKEEP_S3_ENDPOINT_URL must start with http:// or https://, not {endpoint!r}"
            )
        key_id = env.get("FIELDKEEP_S3_ACCESS_KEY_ID", "").strip() or None
        secret = env.get("FIELDKEEP_S3_SECRET_ACCESS_KEY", "").strip() or None
        if (key_id is None) != (secret is None):
            raise ValueError(
                "FIELDKEEP_S3_ACCESS_KEY_ID and FIELDKEEP_S3_SECRET_ACCESS_KEY go together"
            )
        prefix = env.get("FIELDKEEP_S3_PREFIX", "media/").strip().strip("/")
        return cls(
            store="s3" if store == "s3" else "disk",
            s3=S3Settings(
                bucket=bucket,
                endpoint_url=endpoint,
                region=env.get("FIELDKEEP_S3_REGION", "").strip() or "us-east-1",
                access_key_id=key_id,
                secret_access_key=secret,
                prefix=f"{prefix}/" if prefix else "",
            ),
        )
