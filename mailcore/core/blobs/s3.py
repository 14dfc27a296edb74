"""Blobs in an S3-compatible object store (SeaweedFS, MinIO, Ceph RGW, AWS S3, COS, OSS).

``s3://[KEY:SECRET@]bucket?endpoint=http://host:port&region=us-east-1&prefix=mail/
&addressing=path|virtual&concurrency=16`` (docs/blobs.md). Credentials come from the URL's
userinfo, else from botocore's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``).
An object is named ``<prefix><sha256 hex>``; the trash is ``<prefix>trash/<key>``, stream
uploads go through ``<prefix>tmp/<uuid>``. A PUT acknowledged by the server is durable, so
``put`` returns after the acknowledgement. One aiobotocore client per store, its connection
pool as large as the upload concurrency, closed by ``close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from mailcore.core.blobs import CHUNK_SIZE, BlobNotFound, blob_key, check_key

PART_SIZE = 8 * 1024 * 1024  # multipart part size of put_stream (S3's minimum is 5 MiB)
COPY_LIMIT = 5 * 1024**3  # above this a server-side copy must be a multipart copy
COPY_PART = 1024**3
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint: str | None = None,
        region: str | None = None,
        prefix: str = "",
        access_key: str | None = None,
        secret_key: str | None = None,
        addressing: str = "auto",
        concurrency: int = 16,
    ) -> None:
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.prefix = prefix
        self.addressing = addressing
        self.concurrency = concurrency
        self.attempts = 5  # per request, botocore's standard retries (the start-up check: 2)
        self._credentials = (access_key, secret_key)
        self._client: Any = None
        self._stack = contextlib.AsyncExitStack()
        self._opening = asyncio.Lock()
        self._uploads = asyncio.Semaphore(concurrency)

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError("S3 blob URL needs a bucket: s3://bucket?endpoint=...")
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint", "region", "prefix", "addressing", "concurrency"}
        if unknown:
            raise ValueError(f"S3 blob URL: unknown parameter(s) {', '.join(sorted(unknown))}")
        addressing = query.get("addressing", "auto")
        if addressing not in {"auto", "path", "virtual"}:
            raise ValueError("S3 blob URL: addressing is path, virtual or auto")
        prefix = query.get("prefix", "")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        try:
            concurrency = int(query.get("concurrency", "16"))
        except ValueError:
            raise ValueError("S3 blob URL: concurrency is a number") from None
        return cls(
            # urlsplit lowercases the host; bucket names are lowercase anyway.
            parts.hostname,
            endpoint=query.get("endpoint") or None,
            region=query.get("region") or None,
            prefix=prefix,
            access_key=unquote(parts.username) if parts.username else None,
            secret_key=unquote(parts.password) if parts.password else None,
            addressing=addressing,
            concurrency=max(1, concurrency),
        )

    def name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def trash_name(self, key: str) -> str:
        return f"{self.prefix}trash/{check_key(key)}"

    async def client(self) -> Any:
        if self._client is None:
            async with self._opening:
                if self._client is None:
                    from aiobotocore.config import AioConfig
                    from aiobotocore.session import get_session

                    access, secret = self._credentials
                    config = AioConfig(
                        max_pool_connections=self.concurrency + 4,
                        s3={"addressing_style": self.addressing},
                        retries={"max_attempts": self.attempts, "mode": "standard"},
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required",
                    )
                    self._client = await self._stack.enter_async_context(
                        get_session().create_client(
                            "s3",
                            endpoint_url=self.endpoint,
                            region_name=self.region,
                            aws_access_key_id=access,
                            aws_secret_access_key=secret,
                            config=config,
                        )
                    )
        return self._client

    async def close(self) -> None:
        self._client = None
        await self._stack.aclose()

    # Writing.
    async def put(self, data: bytes) -> str:
        key = blob_key(data)
        async with self._uploads:
            client = await self.client()
            # Always PUT: an object that exists is rewritten with the same bytes, so its
            # modification time is fresh for the garbage collector.
            await client.put_object(Bucket=self.bucket, Key=self.name(key), Body=data)
        return key

    async def put_many(self, datas: list[bytes]) -> list[str]:
        unique = {blob_key(data): data for data in datas}
        await asyncio.gather(*(self.put(data) for data in unique.values()))
        return [blob_key(data) for data in datas]

    async def put_stream(self, chunks: AsyncIterable[bytes]) -> tuple[str, int]:
        digest = hashlib.sha256()
        buffer = bytearray()
        stream = aiter(chunks)
        async for chunk in stream:
            digest.update(chunk)
            buffer += chunk
            if len(buffer) >= PART_SIZE:
                break
        else:  # small: one PUT to the content key
            data = bytes(buffer)
            return await self.put(data), len(data)
        client = await self.client()
        temp = f"{self.prefix}tmp/{uuid.uuid4().hex}"
        upload = await client.create_multipart_upload(Bucket=self.bucket, Key=temp)
        upload_id = upload["UploadId"]
        parts: list[dict] = []
        size = 0

        async def send(data: bytes) -> None:
            number = len(parts) + 1
            answer = await client.upload_part(
                Bucket=self.bucket, Key=temp, UploadId=upload_id, PartNumber=number, Body=data
            )
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})

        try:
            while len(buffer) >= PART_SIZE:
                size += PART_SIZE
                await send(bytes(buffer[:PART_SIZE]))
                del buffer[:PART_SIZE]
            async for chunk in stream:
                digest.update(chunk)
                buffer += chunk
                while len(buffer) >= PART_SIZE:
                    size += PART_SIZE
                    await send(bytes(buffer[:PART_SIZE]))
                    del buffer[:PART_SIZE]
            if buffer:
                size += len(buffer)
                await send(bytes(buffer))
            await client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=temp,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await client.abort_multipart_upload(
                    Bucket=self.bucket, Key=temp, UploadId=upload_id
                )
            raise
        key = digest.hexdigest()
        try:
            await self._copy(temp, self.name(key), size)
        finally:
            await client.delete_object(Bucket=self.bucket, Key=temp)
        return key, size

    async def _copy(self, source: str, target: str, size: int) -> None:
        """Server-side copy; a multipart copy above S3's 5 GB limit for one copy."""
        client = await self.client()
        origin = {"Bucket": self.bucket, "Key": source}
        if size <= COPY_LIMIT:
            await client.copy_object(Bucket=self.bucket, Key=target, CopySource=origin)
            return
        upload = await client.create_multipart_upload(Bucket=self.bucket, Key=target)
        upload_id = upload["UploadId"]
        parts = []
        try:
            for number, first in enumerate(range(0, size, COPY_PART), start=1):
                last = min(first + COPY_PART, size) - 1
                answer = await client.upload_part_copy(
                    Bucket=self.bucket,
                    Key=target,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=origin,
                    CopySourceRange=f"bytes={first}-{last}",
                )
                parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            await client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=target,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await client.abort_multipart_upload(
                    Bucket=self.bucket, Key=target, UploadId=upload_id
                )
            raise

    # Reading: a key found only in the trash is moved back first.
    async def _object(self, key: str, **extra: Any) -> Any:
        client = await self.client()
        for attempt in range(2):
            try:
                return await client.get_object(Bucket=self.bucket, Key=self.name(key), **extra)
            except client.exceptions.NoSuchKey:
                if attempt or not await self.restore(key):
                    raise BlobNotFound(key) from None
        raise BlobNotFound(key)

    async def get(self, key: str) -> bytes:
        answer = await self._object(key)
        async with answer["Body"] as body:
            return await body.read()

    async def get_many(self, keys: list[str]) -> list[bytes]:
        async def one(key: str) -> bytes:
            async with self._uploads:
                return await self.get(key)

        return list(await asyncio.gather(*(one(key) for key in keys)))

    async def open_read(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"bad byte range {start}-{end}")
        if start == 0 and end is None:
            answer = await self._object(key)
        else:
            size = await self.size(key)
            end = size if end is None else min(end, size)
            if start >= end:
                return
            answer = await self._object(key, Range=f"bytes={start}-{end - 1}")
        async with answer["Body"] as body:
            async for chunk in body.iter_chunks(CHUNK_SIZE):
                yield chunk

    async def size(self, key: str) -> int:
        head = await self._head(self.name(key))
        if head is None and await self.restore(key):
            head = await self._head(self.name(key))
        if head is None:
            raise BlobNotFound(key)
        return head["ContentLength"]

    async def _head(self, name: str) -> dict | None:
        from botocore.exceptions import ClientError

        client = await self.client()
        try:
            return await client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise

    async def exists(self, key: str) -> bool:
        return await self._head(self.name(key)) is not None or await self.restore(key)

    async def delete(self, key: str) -> None:
        client = await self.client()
        await client.delete_object(Bucket=self.bucket, Key=self.name(key))

    # The garbage collector's side.
    async def _older(self, prefix: str, before: float) -> AsyncIterator[list[str]]:
        client = await self.client()
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        )
        async for page in pages:
            keys = []
            for item in page.get("Contents", []):
                key = item["Key"][len(prefix) :]
                if len(key) == 64 and _stamp(item["LastModified"]) < before:
                    keys.append(key)
            if keys:
                yield keys

    async def stale(self, before: float) -> AsyncIterator[list[str]]:
        async for batch in self._older(self.prefix, before):
            yield batch

    async def trashed(self, before: float) -> AsyncIterator[list[str]]:
        async for batch in self._older(f"{self.prefix}trash/", before):
            yield batch

    async def trash(self, key: str, before: float) -> bool:
        head = await self._head(self.name(key))
        if head is None or _stamp(head["LastModified"]) >= before:
            return False  # gone, or put (rewritten) since it was listed
        await self._copy(self.name(key), self.trash_name(key), head["ContentLength"])
        client = await self.client()
        await client.delete_object(Bucket=self.bucket, Key=self.name(key))
        return True

    async def restore(self, key: str) -> bool:
        head = await self._head(self.trash_name(key))
        if head is None:
            return False
        if await self._head(self.name(key)) is None:
            await self._copy(self.trash_name(key), self.name(key), head["ContentLength"])
        client = await self.client()
        await client.delete_object(Bucket=self.bucket, Key=self.trash_name(key))
        return True

    async def purge(self, key: str) -> None:
        client = await self.client()
        await client.delete_object(Bucket=self.bucket, Key=self.trash_name(key))


def _stamp(moment: datetime) -> float:
    return moment.timestamp()
