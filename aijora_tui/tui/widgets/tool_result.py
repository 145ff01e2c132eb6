"""`ToolResultView`: a tool call's result under the call, collapsed until asked for.

Collapsed it shows one line (✓ or ✗, the tool, the result's size and the time the call took)
and the first `PREVIEW_LINES` lines; `Enter` expands it to the whole text, up to `EXPANDED_LINES`
lines (a 1 MB result would cost the layout seconds; the rest is a copy away), and back.
`Ctrl+Y` copies the whole result, as the app copies any message. The text is untrusted: it is
sanitized and never parsed as markup.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from aijora_tui.core.attachments import human_size
from aijora_tui.core.errors import one_line
from aijora_tui.core.sanitize import sanitize

PREVIEW_LINES = 3
EXPANDED_LINES = 2000
MAX_LINE = 1000
"""Characters of one line shown (collapsed or expanded)."""


class ToolResultView(Static, can_focus=True):
    """The result of one tool call."""

    BINDINGS = [
        Binding("enter", "expand", "Expand", id="tool-result-expand"),
        Binding("ctrl+y", "copy", "Copy result", id="tool-result-copy"),
    ]

    def __init__(
        self, tool: str, content: str, *, is_error: bool = False, seconds: float | None = None
    ) -> None:
        super().__init__(markup=False, classes="tool-result")
        self.tool = tool
        self.result = content
        """The whole result, as saved in history (what a copy takes)."""
        self.is_error = is_error
        self.seconds = seconds
        """How long the call ran; None when not known (a result loaded from history)."""
        self.expanded = False
        self.set_class(is_error, "-error")

    def on_mount(self) -> None:
        self._redraw()

    @property
    def summary(self) -> str:
        """The first line: outcome, tool, size, time."""
        mark = "✗" if self.is_error else "✓"
        parts = [f"{mark} {one_line(self.tool, 80)}", human_size(len(self.result.encode()))]
        if self.seconds is not None:
            parts.append(f"{self.seconds:.2f} s" if self.seconds < 10 else f"{self.seconds:.0f} s")
        return " · ".join(parts)

    def action_expand(self) -> None:
        """Show the whole result, or only its first lines again."""
        self.expanded = not self.expanded
        self.set_class(self.expanded, "-expanded")
        self._redraw()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.result)

    def _redraw(self) -> None:
        limit = EXPANDED_LINES if self.expanded else PREVIEW_LINES
        lines = self.result.splitlines()
        shown = [
            line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…" for line in lines[:limit]
        ]
        body = sanitize("\n".join(shown))
        rest = len(lines) - len(shown)
        if rest > 0:
            hint = "Enter shows more" if not self.expanded else "Ctrl+Y copies all"
            more = f"… {rest} more line{'s' * (rest != 1)} ({hint})"
        else:
            more = "Enter collapses" if self.expanded and len(lines) > PREVIEW_LINES else ""
        self.update(
            Content.assemble(
                (self.summary, "bold"),
                ("\n" + body) if body else "",
                ("\n" + more, "$text-muted") if more else "",
            )
        )
