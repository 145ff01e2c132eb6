"""Defaults that settings need without loading the HTTP stack (keeps start-up light)."""

DEFAULT_BASE_URL = "https://api.aijora.com/api/v1"
DEFAULT_READ_TIMEOUT = 300.0
"""Seconds of silence (no byte at all, keep-alive comments included) before a stream is cut."""
