"""Defaults that settings need without loading the HTTP stack (keeps start-up light)."""

DEFAULT_BASE_URL = "https://api.aijora.com/api/v1"
DEFAULT_READ_TIMEOUT = 300.0
"""Seconds of silence (no byte at all, keep-alive comments included) before a stream is cut."""
DEFAULT_STALL_TIMEOUT = 120.0
"""Seconds without content (keep-alive comments and dripped bytes do not count) before a stream
is given up as stopped."""
DEFAULT_MAX_REPLY_MB = 4.0
DEFAULT_MAX_REPLY_CHARS = int(DEFAULT_MAX_REPLY_MB * 1_000_000)
"""Most text a reply may carry (a megabyte counted as a million characters)."""
DEFAULT_IMAGE_MODEL = "gemini-2.5-flash-image"
"""Aijora's documented image model."""
DEFAULT_SIZE = "1024x1024"
