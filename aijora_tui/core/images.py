"""Image generation: `POST {base_url}/images/generations` and the images it answers with.

The request is `{"model", "prompt", "n", "size", "response_format": "b64_json"}`; a server that
refuses `response_format` (gpt-image models do) gets the request again without it. The answer is
`{"data": [{"b64_json": ...} | {"url": ...}]}`: base64 is decoded strictly, a `data:` URL the
same way, an http(s) URL is downloaded with the same client (the API key goes only to the API's
own origin), with its own timeout and a size cap. Whatever comes back must be a PNG, JPEG, GIF or
WebP image by its bytes. Every failure is one `AijoraError` line: an HTML page instead of JSON, a
URL host that never answers, base64 that is not base64.

`SyncImageClient` shares the chat client's connection, auth, timeouts, retry policy and error
reduction (`wire.py`); `images_in_answer()` holds the parsing, free of I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Unpack

import httpx

from aijora_tui.core import wire
from aijora_tui.core.attachments import MB, human_size, sniff_image
from aijora_tui.core.defaults import DEFAULT_SIZE
from aijora_tui.core.errors import AijoraError, ApiError, NetworkError
from aijora_tui.core.events import RetryScheduled
from aijora_tui.core.keys import KeySource
from aijora_tui.core.parts import ImagePart, sha256_of
from aijora_tui.core.sync_client import SyncChatClient
from aijora_tui.core.wire import ClientOptions

IMAGES_PATH = "/images/generations"
MAX_IMAGES = 10
MAX_IMAGE_BYTES = 32 * MB
"""The largest generated image accepted (decoded)."""
DOWNLOAD_READ_TIMEOUT = 60.0
"""Seconds without a byte before an image download is given up (at most; see `read_timeout`)."""


class ImageAnswerError(AijoraError):
    """The server answered, but not with images that can be used."""


@dataclass(frozen=True, slots=True)
class ImageSource:
    """One entry of the answer: the image bytes, or a URL to fetch them from."""

    data: bytes | None = None
    url: str | None = None


class SyncImageClient(SyncChatClient):
    """Generates images on the chat client's connection and policy (blocking, for the CLI)."""

    def __init__(
        self, base_url: str, api_key: str | KeySource | None, **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__(base_url, api_key, **options)
        self._download_timeout = httpx.Timeout(
            connect=10.0, read=min(self._read_timeout, DOWNLOAD_READ_TIMEOUT), write=30, pool=10
        )

    def generate(
        self,
        prompt: str,
        model: str,
        *,
        n: int = 1,
        size: str = DEFAULT_SIZE,
        on_retry: Callable[[RetryScheduled], None] | None = None,
    ) -> list[ImagePart]:
        """The generated images, at most `n`, in the server's order.

        Raises:
            AijoraError: the request failed (`ApiError`, `NetworkError`), or the answer or a
                download was not usable images (`ImageAnswerError`).
        """
        body: dict[str, Any] = {
            "model": model,
            "prompt": prompt,
            "n": n,
            "size": size,
            "response_format": "b64_json",
        }
        answer = self._post_with_retries(body, on_retry)
        sources = images_in_answer(answer, n)
        return [self._image(source, number) for number, source in enumerate(sources, 1)]

    def _post_with_retries(
        self, body: dict[str, Any], on_retry: Callable[[RetryScheduled], None] | None
    ) -> Any:
        attempt = 0
        while True:
            try:
                return self._post(body)
            except (ApiError, NetworkError) as error:
                if "response_format" in body and _refuses_response_format(error):
                    del body["response_format"]  # the server picks; URLs are handled too
                    continue
                retry = self._retry(error, body, attempt)
            if retry is not None:
                attempt = retry.attempt
                if on_retry is not None:
                    on_retry(retry)
                time.sleep(retry.delay)

    def _post(self, body: dict[str, Any]) -> Any:
        started = False
        try:
            with self._http.stream("POST", IMAGES_PATH, json=body) as response:
                started = True
                if response.status_code >= 400:
                    raw = _read_capped(response, wire.ERROR_BODY_LIMIT, truncate=True)
                    raise wire.error_from_body(response, raw)
                raw = _read_capped(response, MAX_IMAGES * (MAX_IMAGE_BYTES * 4 // 3) + MB)
        except httpx.HTTPError as error:
            raise self._failure(error, started) from None
        return parse_answer(response, raw)

    def _image(self, source: ImageSource, number: int) -> ImagePart:
        data = source.data if source.url is None else self._download(source.url, number)
        return image_part(data or b"", number)

    def _download(self, url: str, number: int) -> bytes:
        """The bytes at `url` (http or https), capped and timed; the key only to its origin."""
        try:
            request = self._http.build_request("GET", url, timeout=self._download_timeout)
        except httpx.InvalidURL:
            raise ImageAnswerError(f"image {number}: the server gave an invalid URL") from None
        if request.url.scheme not in ("http", "https"):
            raise ImageAnswerError(f"image {number}: the server gave a non-http URL")
        if _origin(request.url) != _origin(httpx.URL(self.base_url)):
            request.headers.pop("Authorization", None)
        host = request.url.host
        try:
            response = self._http.send(request, stream=True)
            try:
                if response.status_code >= 400:
                    raise ImageAnswerError(
                        f"image {number}: downloading it from {host} failed (HTTP "
                        f"{response.status_code})"
                    )
                return _read_capped(response, MAX_IMAGE_BYTES)
            finally:
                response.close()
        except httpx.TimeoutException:
            raise ImageAnswerError(
                f"image {number}: {host} did not answer in time; try again later"
            ) from None
        except httpx.HTTPError as error:
            reason = wire.transport_error(error, str(request.url)).message
            raise ImageAnswerError(f"image {number}: {reason}") from None


def parse_answer(response: httpx.Response, raw: bytes) -> Any:
    """The JSON of a successful answer; a page of HTML or text is reported as such."""
    try:
        return json.loads(raw)
    except ValueError:
        kind = response.headers.get("content-type", "").partition(";")[0] or "no content type"
        raise ImageAnswerError(
            f"the server answered with {kind} instead of images (is the base URL right?)"
        ) from None


def images_in_answer(answer: Any, n: int) -> list[ImageSource]:
    """The first `n` images of `{"data": [...]}`: decoded base64, or URLs to fetch."""
    items = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not items:
        raise ImageAnswerError("the server's answer holds no images")
    sources = []
    for number, item in enumerate(items[:n], 1):
        encoded = item.get("b64_json") if isinstance(item, dict) else None
        url = item.get("url") if isinstance(item, dict) else None
        if isinstance(encoded, str) and encoded:
            sources.append(ImageSource(data=decode_base64(encoded, number)))
        elif isinstance(url, str) and url.startswith("data:"):
            sources.append(ImageSource(data=_decode_data_url(url, number)))
        elif isinstance(url, str) and url:
            sources.append(ImageSource(url=url))
        else:
            raise ImageAnswerError(f"image {number} of the answer has neither b64_json nor url")
    return sources


def decode_base64(text: str, number: int) -> bytes:
    """Strict base64 (line breaks allowed), at most `MAX_IMAGE_BYTES` once decoded."""
    compact = "".join(text.split())
    if len(compact) > (MAX_IMAGE_BYTES + 2) // 3 * 4:
        raise ImageAnswerError(f"image {number} is larger than {human_size(MAX_IMAGE_BYTES)}")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ImageAnswerError(f"image {number}: the server's b64_json is not base64") from None


def image_part(data: bytes, number: int) -> ImagePart:
    """An `ImagePart` for generated bytes, which must be a PNG, JPEG, GIF or WebP image."""
    media_type = sniff_image(data)
    if media_type is None:
        raise ImageAnswerError(f"image {number} from the server is not a PNG, JPEG, GIF or WebP")
    return ImagePart(media_type, len(data), sha256=sha256_of(data), data=data)


def _decode_data_url(url: str, number: int) -> bytes:
    head, _, payload = url.partition(",")
    if not head.endswith(";base64"):
        raise ImageAnswerError(f"image {number}: the server's data URL is not base64")
    return decode_base64(payload, number)


def _read_capped(response: httpx.Response, limit: int, *, truncate: bool = False) -> bytes:
    """The body, at most `limit` bytes: cut there (`truncate`) or refused as too large."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise ImageAnswerError(f"the server's answer is too large ({human_size(int(declared))})")
    body = bytearray()
    for piece in response.iter_bytes():
        body += piece
        if len(body) > limit:
            if truncate:
                return bytes(body[:limit])
            raise ImageAnswerError(f"the server's answer is larger than {human_size(limit)}")
    return bytes(body)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _refuses_response_format(error: AijoraError) -> bool:
    return (
        isinstance(error, ApiError)
        and error.status in (400, 422)
        and "response_format" in error.server_message
    )
