"""The chat screen's system commands in the palette: every key binding with a description (of
the screen, the log and the prompt, so a key can be found by what it does), the exports, the
tool commands, image generation and attaching a file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.widget import Widget

from aijora_tui.tui.screens.chat import ChatScreen
from aijora_tui.tui.widgets.message_log import MessageLog
from aijora_tui.tui.widgets.prompt_input import PromptInput


def chat_commands(screen: ChatScreen) -> Iterator[SystemCommand]:
    """The commands that act on `screen` and its widgets."""
    targets: list[tuple[Widget, Iterable[BindingType]]] = [
        (screen, ChatScreen.BINDINGS),
        (screen.message_log, MessageLog.BINDINGS),
        (screen.prompt_input, PromptInput.BINDINGS),
    ]
    for node, bindings in targets:
        for binding in bindings:
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(
                    binding.tooltip or binding.description,
                    f"{binding.key} · {binding.id}",
                    node_action(node, binding.action),
                )
    for kind, name in (("md", "Markdown"), ("json", "JSON")):
        yield SystemCommand(
            f"Export conversation as {name}",
            "Write the open conversation to a file in the current directory",
            node_action(screen, f"export('{kind}')"),
        )
    for title, help_text, action in _TOOL_COMMANDS:
        yield SystemCommand(title, help_text, node_action(screen.message_log, action))
    yield SystemCommand(
        "Generate an image…",
        "Type what it should show after /image in the prompt; Enter generates it",
        node_action(screen, "image_prompt"),
    )
    yield SystemCommand(
        "Attach file…",
        "Pick a file to send with the next message (or type @ in the prompt)",
        node_action(screen.prompt_input, "start_attach"),
    )


_TOOL_COMMANDS = (
    ("Tools: servers and tools", "Which MCP servers are on, and their tools", "tools_status"),
    ("Tools: on or off for this conversation", "Offer tools or not", "toggle_tools"),
    ("Tools: restart servers", "Start again the MCP servers that failed", "restart_tools"),
    (
        "Resend without attachments",
        "The last reply again, leaving out the files and images (a model that refused them)",
        "resend_without_attachments",
    ),
    (
        "Resend without tools",
        "Tools off for this conversation, and the last reply again",
        "resend_without_tools",
    ),
)


def node_action(node: Widget, action: str) -> Callable[[], Awaitable[None]]:
    """A callback that runs `action` on `node` (for palette commands)."""

    async def run() -> None:
        await node.run_action(action)

    return run
