"""`aijora-tui image PROMPT`: generate images, write them, print one path per line on stdout.

Exit codes as `ask`: 0 written, 1 API/network error or an answer without usable images, 2 bad
usage (including an `-o` path that must not be replaced, checked before the request is made),
130 interrupted. Notices and errors go to stderr as single lines. Imports no Textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aijora_tui import paths
from aijora_tui.config import api_key_problem_line, load_settings
from aijora_tui.core import notices
from aijora_tui.core.defaults import DEFAULT_BASE_URL, DEFAULT_IMAGE_MODEL, DEFAULT_SIZE
from aijora_tui.core.errors import AijoraError, ConfigError, one_line
from aijora_tui.core.events import RetryScheduled
from aijora_tui.core.images import SyncImageClient
from aijora_tui.core.parts import ImagePart
from aijora_tui.image_files import (
    UnsafeTarget,
    check_target,
    numbered_targets,
    write_dated,
    write_named,
)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def run_image(args: argparse.Namespace, flags: Mapping[str, Any]) -> int:
    settings, warnings = load_settings({**flags, "model": None})
    for warning in warnings:
        _say(f"warning: {one_line(warning)}")
    if not args.prompt.strip():
        return _fail("the prompt is empty", EXIT_USAGE)
    output = Path(args.output) if args.output else None
    try:
        for target in numbered_targets(output, args.n) if output else []:
            check_target(target)
    except UnsafeTarget as error:
        return _fail(str(error), EXIT_USAGE)
    if (key_problem := api_key_problem_line(settings)) is not None:
        return _fail(key_problem, EXIT_ERROR)
    if not settings.api_key and settings.base_url.rstrip("/") == DEFAULT_BASE_URL:
        return _fail(
            "no API key; set AIJORA_API_KEY (or run aijora-tui once to save one)", EXIT_ERROR
        )
    try:
        images = _generate(args, settings.base_url, settings.api_key, settings.read_timeout)
        written = write_named(images, output) if output else write_dated(images, images_dir())
    except ConfigError as error:
        return _fail(error.message, EXIT_USAGE)
    except AijoraError as error:
        return _fail(error.message, EXIT_ERROR)
    except UnsafeTarget as error:
        return _fail(str(error), EXIT_ERROR)
    except OSError as error:
        return _fail(f"cannot write the image: {error.strerror or error}", EXIT_ERROR)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    _warn_misnamed(images, written)
    sys.stdout.write("".join(f"{path}\n" for path in written))
    sys.stdout.flush()
    return EXIT_OK


def images_dir() -> Path:
    """Where images go when no `-o FILE` is given."""
    return paths.data_dir() / "images"


def _generate(
    args: argparse.Namespace, base_url: str, api_key: str | None, read_timeout: float
) -> list[ImagePart]:
    with SyncImageClient(base_url, api_key, read_timeout=read_timeout) as client:
        return client.generate(
            args.prompt,
            args.model or DEFAULT_IMAGE_MODEL,
            n=args.n,
            size=args.size or DEFAULT_SIZE,
            on_retry=_announce_retry,
        )


def _announce_retry(retry: RetryScheduled) -> None:
    _say(notices.retry(retry))


def _warn_misnamed(images: list[ImagePart], written: list[Path]) -> None:
    """A named file whose extension says another format keeps its name; say what it holds."""
    for image, path in zip(images, written, strict=True):
        kind = image.media_type.partition("/")[2]
        suffix = path.suffix.lower().lstrip(".")
        if suffix and suffix != kind and {suffix, kind} != {"jpg", "jpeg"}:
            _say(f"warning: {path} holds a {kind.upper()} image (written as sent)")


def _say(line: str) -> None:
    sys.stderr.write(f"aijora-tui: {line}\n")
    sys.stderr.flush()


def _fail(message: str, code: int) -> int:
    _say(f"error: {one_line(message)}")
    return code
