"""One storage for every file Academy keeps, chosen by ``FILE_STORAGE_URL``:

- ``file:///path`` (the default: the folder ``FILE_STORAGE_PATH``, else ``files`` in the
  instance folder), for one host;
- ``s3://bucket/prefix``: an S3-compatible bucket (``S3_ENDPOINT_URL``, ``S3_REGION``
  and the AWS credential variables, through boto3), which every app instance on every
  host shares.

Both put and get in streams (a video is never held whole in memory), delete, and tell
whether a key exists. Keys are made by Academy (an owner's path and a random name),
never taken from a client's file name. A file is handed out as a signed link that
expires: presigned on S3, signed by the app (``routes.py``) for a folder.

A file is written when its request writes its row, and removed again if the request
rolls back; a file whose row goes is removed once the transaction commits, so a failed
request never loses a file that its row still names.
"""

import hashlib
import hmac
import logging
import os
import re
import shutil
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, BinaryIO
from urllib.parse import quote, urlsplit

import boto3
import sqlalchemy as sa
from boto3.s3.transfer import TransferConfig
from botocore.auth import SIGV4_TIMESTAMP, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, current_app, url_for
from sqlalchemy.orm import Session

from academy.common.urls import public_url
from academy.errors import AcademyError

EXTENSION = "academy.storage"
log = logging.getLogger("academy.files")
_ON_COMMIT, _ON_ROLLBACK = "academy_files_on_commit", "academy_files_on_rollback"
# Keys Academy makes: lowercase words of letters, digits, dots, dashes and underscores,
# joined by slashes, none starting with a dot (so no "..", no hidden file, no name
# taken from a client).
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
# Copied in pieces of this size: memory stays flat whatever the file's size.
CHUNK = 1024 * 1024
# Parts of a multipart upload to S3, sent one at a time (one part in memory).
S3_PART = 8 * 1024 * 1024
# What a link's type is, from the extension Academy gave its key.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}


class StorageUnavailable(AcademyError):
    """The object store did not answer: an outage, not a bug (503 with Retry-After)."""

    status, slug = 503, "storage-unavailable"
    retry_after = 5


def check_key(key: str) -> str:
    if not _KEY.match(key) or len(key) > 512:
        raise ValueError(f"Not a key Academy makes: {key!r}")
    return key


def content_type_of(key: str) -> str:
    return CONTENT_TYPES.get(key.rpartition(".")[2], "application/octet-stream")


def link_times(now: float, seconds: int) -> tuple[int, int]:
    """(signed at, expires at) of a link handed out at ``now`` that must work for at
    least ``seconds``. Links are signed at the start of a window of a quarter of that
    lifetime, so that every answer within one window carries the same links (and a
    conditional read stays 304 while they work), and each link works for ``seconds``
    to 1.25 times that after it was handed out."""
    window = seconds // 4
    signed_at = int(now) - (int(now) % window if window else 0)
    return signed_at, signed_at + window + seconds


class Storage(ABC):
    """Where files are kept; ``FolderStorage`` and ``S3Storage`` are the two kinds."""

    #: what ``flask academy`` commands print about it
    description: str

    @abstractmethod
    def put(self, key: str, stream: IO[bytes], content_type: str) -> None:
        """Write ``stream`` (read to its end, in pieces) under ``key``."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO | None:
        """A stream of the file, or None when there is none."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The file's size in bytes, or None when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; nothing happens when there is none."""

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix``."""

    @abstractmethod
    def signed_url(self, key: str, signed_at: int, expires_at: int) -> str:
        """A link that serves the file until ``expires_at`` (a Unix time)."""

    @abstractmethod
    def prepare(self) -> None:
        """Make the folder or the bucket if it is missing."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def read(self, key: str) -> bytes | None:
        stream = self.open(key)
        if stream is None:
            return None
        with stream:
            return stream.read()

    def url(self, key: str) -> str:
        """A link to the file that works for ``FILE_URL_SECONDS`` at least."""
        signed_at, expires_at = link_times(time.time(), current_app.config["FILE_URL_SECONDS"])
        return self.signed_url(check_key(key), signed_at, expires_at)


class FolderStorage(Storage):
    def __init__(self, root: Path, secret: str):
        self.root = root
        self.description = f"file://{root}"
        # Links are signed with a key of their own, derived from the app's secret.
        self._signing_key = hmac.new(secret.encode(), b"academy file links", "sha256").digest()

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"A key outside the storage: {key!r}")
        return path

    def put(self, key, stream, content_type):
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key):
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            return None

    def size(self, key):
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key):
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix=""):
        if not self.root.is_dir():
            return
        for folder, folders, names in os.walk(self.root):
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            for name in sorted(names):
                key = Path(folder, name).relative_to(self.root).as_posix()
                if not name.startswith(".") and key.startswith(prefix) and _KEY.match(key):
                    yield key

    def signature(self, key: str, expires_at: int) -> str:
        message = f"{key}\n{expires_at}".encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    def signed_url(self, key, signed_at, expires_at):
        path = url_for(
            "files.download",
            key=key,
            expires=expires_at,
            signature=self.signature(key, expires_at),
        )
        return public_url(path)

    def prepare(self):
        self.root.mkdir(parents=True, exist_ok=True)


class _SignedAt(S3SigV4QueryAuth):
    """botocore's presigning (SigV4 in the query), at a given time rather than now:
    botocore's own takes the current time, which would make every answer differ."""

    def __init__(self, credentials, region: str, signed_at: int, expires_at: int):
        super().__init__(credentials, "s3", region, expires=expires_at - signed_at)
        self._at = datetime.fromtimestamp(signed_at, UTC)

    def add_auth(self, request):
        request.context["timestamp"] = self._at.strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical)
        self._inject_signature_to_request(request, self.signature(string_to_sign, request))


class S3Storage(Storage):
    def __init__(self, bucket: str, prefix: str, config):
        self.bucket, self.prefix = bucket, prefix
        self.description = f"s3://{bucket}/{prefix}"
        self.region = config["S3_REGION"]
        endpoint = config["S3_ENDPOINT_URL"]
        self.public_endpoint = (
            config["S3_PUBLIC_ENDPOINT_URL"]
            or endpoint
            or f"https://s3.{self.region}.amazonaws.com"
        ).rstrip("/")
        self._session = boto3.session.Session(
            aws_access_key_id=config["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=config["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        )
        timeout = config["S3_TIMEOUT_SECONDS"]
        self.client = self._session.client(
            "s3",
            endpoint_url=endpoint,
            config=BotoConfig(
                s3={"addressing_style": "path"},
                signature_version="s3v4",
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _call(self, operation, **parameters):
        """One call to the store: a missing object is None, an outage a 503."""
        try:
            return operation(Bucket=self.bucket, **parameters)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageUnavailable("The file storage refused the request.") from error
        except BotoCoreError as error:
            raise StorageUnavailable("The file storage is not answering.") from error

    def put(self, key, stream, content_type):
        # One part in memory at a time, whatever the file's size.
        transfer = TransferConfig(
            multipart_threshold=S3_PART, multipart_chunksize=S3_PART, use_threads=False
        )
        self._call(
            self.client.upload_fileobj,
            Fileobj=stream,
            Key=self._key(key),
            ExtraArgs={"ContentType": content_type},
            Config=transfer,
        )

    def open(self, key):
        answer = self._call(self.client.get_object, Key=self._key(key))
        return None if answer is None else answer["Body"]

    def size(self, key):
        answer = self._call(self.client.head_object, Key=self._key(key))
        return None if answer is None else answer["ContentLength"]

    def delete(self, key):
        self._call(self.client.delete_object, Key=self._key(key))

    def keys(self, prefix=""):
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]

    def signed_url(self, key, signed_at, expires_at):
        """The bucket's presigned GET of the object, for where clients reach the store."""
        credentials = self._session.get_credentials().get_frozen_credentials()
        url = f"{self.public_endpoint}/{self.bucket}/{quote(self._key(key), safe='/')}"
        request = AWSRequest(method="GET", url=url)
        _SignedAt(credentials, self.region, signed_at, expires_at).add_auth(request)
        return request.url

    def prepare(self):
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            where = {}
            if self.region != "us-east-1":
                where = {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
            self.client.create_bucket(Bucket=self.bucket, **where)


def folder(app: Flask) -> Path:
    """``FILE_STORAGE_PATH``: the folder files were kept in before ``FILE_STORAGE_URL``
    (and where a ``file://`` storage keeps them by default)."""
    configured = app.config.get("FILE_STORAGE_PATH")
    return Path(configured) if configured else Path(app.instance_path) / "files"


def from_config(app: Flask) -> Storage:
    url = app.config.get("FILE_STORAGE_URL") or ""
    if not url:
        return FolderStorage(folder(app), app.config["SECRET_KEY"])
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FolderStorage(Path(parts.path), app.config["SECRET_KEY"])
    if parts.scheme == "s3" and parts.netloc:
        prefix = parts.path.strip("/")
        return S3Storage(parts.netloc, f"{prefix}/" if prefix else "", app.config)
    raise ValueError(f"FILE_STORAGE_URL must be file:///path or s3://bucket/prefix, not {url!r}")


def copy_folder(source: Path, target: Storage, remove: bool = False) -> dict[str, int]:
    """Copy every file of the folder ``source`` (kept there before ``FILE_STORAGE_URL``)
    to ``target`` under the same key, streamed. A file ``target`` already holds at the
    same size is left as it is, so running it again copies only what is missing. With
    ``remove``, each file leaves the folder once ``target`` holds it whole."""
    origin = FolderStorage(source, "")
    counts = {"copied": 0, "already there": 0, "removed": 0}
    same = isinstance(target, FolderStorage) and target.root.resolve() == source.resolve()
    for key in list(origin.keys()):
        size = origin.size(key)
        if target.size(key) == size:
            counts["already there"] += 1
        else:
            with origin.open(key) as stream:
                target.put(key, stream, content_type_of(key))
            if target.size(key) != size:
                raise StorageUnavailable(f"{key} was not copied whole.")
            counts["copied"] += 1
        if remove and not same:
            origin.delete(key)
            counts["removed"] += 1
    return counts


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = from_config(app)


def storage() -> Storage:
    return current_app.extensions[EXTENSION]


# --- files that follow their rows' transaction ------------------------------------------


def keep(session: Session, key: str, stream: IO[bytes], content_type: str) -> None:
    """Write ``stream`` under ``key``, to be removed again if ``session`` rolls back."""
    store = storage()
    store.put(key, stream, content_type)
    session.info.setdefault(_ON_ROLLBACK, []).append((store, key))


def remove_after_commit(session: Session, key: str) -> None:
    """Remove the file under ``key`` once ``session`` commits (its row went)."""
    session.info.setdefault(_ON_COMMIT, []).append((storage(), check_key(key)))


def _remove(files) -> None:
    for store, key in files:
        try:
            store.delete(key)
        except StorageUnavailable:
            # The row is gone either way; the store's own listing finds what is left.
            log.warning("a file could not be removed", extra={"key": key})


@sa.event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _remove(session.info.pop(_ON_COMMIT, []))


@sa.event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)
    _remove(session.info.pop(_ON_ROLLBACK, []))
