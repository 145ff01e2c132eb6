"""`python -m aijora_tui` runs the same entry point as the `aijora-tui` script."""

from aijora_tui.cli import main

raise SystemExit(main())
