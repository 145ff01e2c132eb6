"""The headless core: HTTP client, stream decoding, errors, data, storage.

Nothing in this package imports Textual (tests/core/test_layering.py proves it), so `aijora-tui ask`
starts fast and every piece here is testable without a terminal.
"""
