"""The file_storage pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.patterns import IntegrationPattern, PatternMatch
from agentflow.patterns.signals import (
    KeySignal,
    Scorecard,
    SpecView,
    has_items,
    show,
)

_SCHEMES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "wasb", "wasbs"})
_STORE_HOSTS = (
    "amazonaws.com",
    "storage.googleapis.com",
    "blob.core.windows.net",
    "r2.cloudflarestorage.com",
    "digitaloceanspaces.com",
    "backblazeb2.com",
)
_PROVIDERS = frozenset({"s3", "gcs", "minio", "azure_blob", "r2", "b2"})
_PROVIDER_KEYS = ("provider", "backend", "kind", "service")
_KEY_SIGNALS = (
    KeySignal(("bucket", "buckets", "bucket_name"), 0.45, "names a bucket", has_items),
    KeySignal(("storage_class",), 0.3, "an object storage class"),
    KeySignal(
        ("multipart", "multipart_threshold", "multipart_chunksize"), 0.2, "multipart uploads"
    ),
    KeySignal(("object", "objects"), 0.2, "declares objects"),
    KeySignal(("presigned_urls", "presign", "presigned_url_expiry"), 0.2, "presigned URLs"),
    KeySignal(("server_side_encryption", "sse"), 0.2, "server-side encryption"),
    KeySignal(("prefix", "key_prefix"), 0.1, "an object key prefix", has_items),
)


class FileStoragePattern(IntegrationPattern):
    """Object and file storage (S3-compatible buckets)."""

    name = "file_storage"
    description = "Object and file storage (S3-compatible buckets)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by bucket URL scheme, object-store hosts, buckets and storage settings."""
        view = SpecView(requirements)
        card = Scorecard(self.name)
        found = view.first_scheme(_SCHEMES)
        if found is not None:
            text, scheme = found
            card.add(0.6, f"{text.path} uses the {scheme}:// scheme")
        _score_endpoint(view, card)
        card.add_word(view, _PROVIDER_KEYS, _PROVIDERS, "{path} names the {word} object store")
        card.add_keys(view, _KEY_SIGNALS)
        return card.match()


def _score_endpoint(view: SpecView, card: Scorecard) -> None:
    """A known object-store host, or an `endpoint_url` next to a `region` (S3-compatible)."""
    for text, scheme, parts in view.urls():
        host = (parts.hostname or "") if scheme in {"http", "https"} else ""
        if any(_is_store_host(host, suffix) for suffix in _STORE_HOSTS):
            reason = f"{text.path} {show(text.text)} is an object-store host"
            card.add(0.35, reason, level=text.level)
            return
    endpoint = view.find(("endpoint_url",))
    if endpoint is not None and view.has(("region",)):
        reason = f"{endpoint.path} with a region: an S3-compatible endpoint"
        card.add(0.3, reason, level=endpoint.level)


def _is_store_host(host: str, suffix: str) -> bool:
    """Amazon hosts count only for S3 (`s3.…amazonaws.com`); the others are storage-only."""
    if not (host == suffix or host.endswith("." + suffix)):
        return False
    return suffix != "amazonaws.com" or host.startswith("s3") or ".s3." in host
