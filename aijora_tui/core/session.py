"""`Session`: one open conversation, headless — the engine under the TUI and `ask`.

It owns the active path (entries), the reply being streamed, prompts queued while it streams,
edit / branch / regenerate / continue, and decides every store write: the user's message is
saved before its request is sent, a streaming reply at least every `save_interval` seconds and
at its end, in whatever state it ended. It does no I/O: writes go to an outbox (`take_writes()`)
that the face hands to a recorder (`writes.py`), and stream events come in through `apply()`.

A turn, as a face drives it:

    outcome = session.submit(text)            # Sent, or Queued while a reply streams
    turn = session.begin_reply()              # the streaming assistant entry and its request
    for event in client.stream_chat(session.request(turn), turn.model, **turn.params):
        change = session.apply(event)         # show change.text etc.; save when progress_due()
    session.end_reply(state, error)           # unless apply() saw the stream complete
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aijora_tui.core import notices
from aijora_tui.core.context import COMPACT_INSTRUCTION
from aijora_tui.core.conversation import Entry, EntryState
from aijora_tui.core.events import ChatEvent
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.notices import CONTINUE_PROMPT
from aijora_tui.core.parts import (
    FilePart,
    ImagePart,
    Part,
    SummaryPart,
    TextPart,
    ToolResultPart,
)
from aijora_tui.core.reply import Change, Listener, ReplyBuilder
from aijora_tui.core.request import BlobReader, request_messages
from aijora_tui.core.sampling import request_params
from aijora_tui.core.tools.assembler import AssembledCall
from aijora_tui.core.turns import Ended, Prompt, Queued, Sent, Turn
from aijora_tui.core.writes import ConversationRef, Draft, Final, Insert, Progress, Settings, Write

if TYPE_CHECKING:
    from aijora_tui.core.loading import Loaded

MAX_TOOL_ROUNDS = 10
SAVE_INTERVAL = 0.5
"""Seconds between saves of a streaming reply: what a crash can lose at most. Read when a
session is made without `save_interval` (the app's), so a test can shorten it."""


class Session:
    """The open conversation; see the module docstring for how a turn goes."""

    def __init__(
        self,
        *,
        model: str,
        system_prompt: str | None = None,
        params: Mapping[str, Any] | None = None,
        save_interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        """The model for the next request."""
        self.provider: str | None = None
        """The provider of the next request; a new conversation remembers it (settings)."""
        self.saved_model: str | None = None
        """The model of the opened conversation's latest reply, as saved."""
        self.params: dict[str, Any] = dict(params or {})
        """The app's request parameters (temperature, max_tokens...); None values are not sent,
        and the conversation's own settings win (`sampling.request_params`)."""
        self.conversation = ConversationRef(system_prompt=system_prompt)
        self.entries: list[Entry] = []
        self.queued: list[Prompt] = []
        self.editing: Entry | None = None
        """The user message being edited; the next prompt replaces it (as a new version)."""
        self.reply: ReplyBuilder | None = None
        """The reply being streamed, if any."""
        self.tools: list[dict[str, Any]] = []
        """OpenAI `tools` offered with the next request (the face fills it from its tool hub)."""
        self.max_tool_rounds = MAX_TOOL_ROUNDS
        self.send_attachments = True
        """Send the history's attachments (until the model refuses them)."""
        self._rounds = 0
        self.listener: Listener | None = None
        """Told of text as it settles into the streaming reply (the TUI's renderer)."""
        self._writes: list[Write] = []
        self._save_interval = SAVE_INTERVAL if save_interval is None else save_interval
        self._clock = clock
        self._saved_at = 0.0

    @property
    def system_prompt(self) -> str | None:
        return self.conversation.system_prompt

    @property
    def streaming(self) -> Entry | None:
        return self.reply.entry if self.reply is not None else None

    def take_writes(self) -> list[Write]:
        """The store writes decided since the last call, in order (for a recorder)."""
        writes, self._writes = self._writes, []
        return writes

    # -- opening --------------------------------------------------------------------------

    def open(self, loaded: Loaded | None, system_prompt: str | None = None) -> None:
        """Show a saved conversation, or (None) start a new one with `system_prompt`.

        A reply still streaming must have ended first (`end_reply`).
        """
        self.queued.clear()
        self.editing = None
        self.send_attachments = True
        if loaded is None:
            self.conversation = ConversationRef(system_prompt=system_prompt)
            self.entries = []
            return
        saved = loaded.conversation
        self.saved_model = saved.model
        self.conversation = ConversationRef(
            saved.id, saved.system_prompt or system_prompt, dict(saved.settings)
        )
        self.entries = list(loaded.entries)

    def set_system_prompt(self, prompt: str | None) -> None:
        """Use `prompt` from the next request on, and save it with the conversation."""
        self.conversation.system_prompt = prompt or None
        self._writes.append(Settings(self.conversation))

    def set_setting(self, key: str, value: Any) -> None:
        """Change one per-conversation setting (None removes it), saved with the conversation."""
        settings = dict(self.conversation.settings)
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
        self.conversation.settings = settings
        self._writes.append(Settings(self.conversation))

    # -- sending --------------------------------------------------------------------------

    def submit(self, text: str, attachments: Sequence[FilePart | ImagePart] = ()) -> Sent | Queued:
        """A prompt from the user: queued while a reply streams, else added as a message."""
        if self.reply is not None:
            self.queued.append(Prompt(text, tuple(attachments)))
            return Queued(len(self.queued))
        cut = None
        if self.editing is not None and self.editing in self.entries:
            cut = self.entries.index(self.editing)
            del self.entries[cut:]
        self.editing = None
        parts: list[Part] = [TextPart(text)] if text else []
        entry = Entry("user", parts=[*parts, *attachments])
        self._add(entry)
        return Sent(entry, cut)

    def begin_reply(self, extra: Sequence[ChatMessage] = (), start: int = 0) -> Turn:
        """Start streaming a new reply to the conversation as it stands (sending the entries
        from `start` on: the latest turns, when the whole does not fit the context window)."""
        history = list(self.entries[start:])
        entry = Entry("assistant", model=self.model, state="streaming")
        self._add(entry)
        self._rounds = 0
        return self._round(entry, history, list(extra))

    def _round(self, entry: Entry, history: list[Entry], extra: list[ChatMessage]) -> Turn:
        tools = list(self.tools)
        self.reply = ReplyBuilder(
            entry, self.listener, tools_on=bool(tools), earlier_usage=entry.usage
        )
        self._saved_at = self._clock()
        params = request_params(self.params, self.conversation.settings)
        if tools:
            params |= {"tools": tools, "tool_choice": "auto"}
        return Turn(entry, history, self.model, params, extra, self.send_attachments)

    # -- tool rounds ----------------------------------------------------------------------

    def tool_calls(self) -> list[AssembledCall]:
        """After the stream completed: the calls to answer before the next round; empty when
        the reply is done (no calls, or no tools were offered)."""
        reply = self.reply
        if reply is None or reply.completed is None or not reply.tools_on:
            return []
        return reply.calls.calls()

    def add_tool_result(self, result: ToolResultPart) -> None:
        """A call's result (or why it did not run), to send back with the next round."""
        assert self.reply is not None, "no reply is streaming"
        self.reply.entry.parts.append(result)

    def next_round(self) -> Turn | None:
        """Send the tool results and stream the model's next answer into the same reply;
        None when the turn has had `max_tool_rounds` rounds (then end it)."""
        reply = self.reply
        assert reply is not None and reply.completed is not None, "the round has not ended"
        self._rounds += 1
        if self._rounds > self.max_tool_rounds:
            reply.entry.notice = notices.tool_rounds_limit(self.max_tool_rounds)
            return None
        entry = reply.entry
        entry.state = "streaming"
        entry.finish_reason = None
        self._writes.append(Final(entry, tuple(entry.parts), "streaming", entry.usage, None, None))
        return self._round(entry, self.entries[: self.entries.index(entry) + 1], [])

    def request(self, turn: Turn, blobs: BlobReader | None = None) -> list[ChatMessage]:
        """The messages to send for `turn` (`blobs` reads stored attachment bytes)."""
        messages = request_messages(
            turn.history, self.system_prompt, blobs, attachments=turn.attachments
        )
        return messages + turn.extra

    def _add(self, entry: Entry) -> None:
        if self.conversation.id is None and self.provider and not self.entries:
            self.conversation.settings = {**self.conversation.settings, "provider": self.provider}
        parent = self.entries[-1] if self.entries else None
        self.entries.append(entry)
        self._writes.append(
            Insert(self.conversation, entry, parent, tuple(entry.parts), entry.state)
        )

    # -- streaming ------------------------------------------------------------------------

    def apply(self, event: ChatEvent) -> Change:
        """Apply one stream event to the streaming reply."""
        assert self.reply is not None, "no reply is streaming"
        return self.reply.apply(event)

    def settle(self) -> None:
        """Move what arrived into the reply's parts (the listener sees it)."""
        if self.reply is not None:
            self.reply.settle()

    def progress_due(self) -> bool:
        """Whether the streaming reply should be saved now (`save_progress()`)."""
        return self.reply is not None and self._clock() - self._saved_at >= self._save_interval

    def save_progress(self) -> None:
        """Save what the streaming reply received since its last save."""
        if self.reply is None:
            return
        self._saved_at = self._clock()
        self.reply.settle()
        text, reasoning = self.reply.take_unsaved()
        if text or reasoning:
            self._writes.append(Progress(self.reply.entry, text, reasoning))

    @property
    def completed(self) -> bool:
        """The stream of the streaming reply completed (`apply` saw its last event)."""
        return self.reply is not None and self.reply.completed is not None

    def end_reply(self, state: EntryState | None = None, error: str | None = None) -> Ended:
        """The reply ended: completed (state None, after `apply` saw it complete), or stopped
        early in `state` (during its stream, or while its tool calls were answered). Saves it
        and says what to do with queued prompts."""
        reply = self.reply
        assert reply is not None, "no reply is streaming"
        if state is not None or reply.completed is None:
            reply.stop(state or "interrupted", error)
        self.reply = None
        entry = reply.entry
        reply.take_unsaved()
        self._writes.append(
            Final(
                entry,
                tuple(entry.parts),
                entry.state,
                entry.usage,
                entry.finish_reason,
                entry.error,
            )
        )
        if not self.queued:
            return Ended(entry)
        if entry.state == "completed":
            return Ended(entry, next_prompt=self.queued.pop(0))
        return Ended(entry, handed_back=self.take_queue())

    def take_queue(self) -> str:
        """The queued prompts, removed, as one text to give back to the user (their attachments
        are not sent; the user attaches them again)."""
        text = "\n\n".join(prompt.text for prompt in self.queued if prompt.text.strip())
        self.queued.clear()
        return text

    # -- regenerate, continue, edit, branches ---------------------------------------------

    def can_regenerate(self) -> bool:
        return self.reply is None and bool(self.entries)

    def regenerate(self) -> Turn:
        """A new reply in place of the last one (which stays as another version)."""
        if self.entries and self.entries[-1].role == "assistant":
            del self.entries[-1]
        return self.begin_reply()

    def resend_without_attachments(self) -> Turn:
        """The last reply again, without the history's files and images (the model refused
        them); they stay in the history, and are left out of this conversation's requests."""
        self.send_attachments = False
        return self.regenerate()

    def add_image_exchange(
        self, prompt: str, images: Sequence[ImagePart], model: str, error: str | None = None
    ) -> tuple[Entry, Entry]:
        """An image generation as a question and its answer: the images as the assistant's
        parts (or, when it failed, a failed reply saying why)."""
        question = Entry("user", prompt)
        self._add(question)
        state: EntryState = "failed" if error else "completed"
        answer = Entry("assistant", parts=list(images), model=model, state=state, error=error)
        self._add(answer)
        return question, answer

    def compaction(self) -> list[ChatMessage]:
        """The request that asks the model for a summary of every turn before the latest
        question (which the summary then accompanies)."""
        older = self.entries[:-1] if self.entries and self.entries[-1].role == "user" else []
        return [
            *request_messages(older, self.system_prompt, attachments=False),
            ChatMessage("user", COMPACT_INSTRUCTION),
        ]

    def add_summary(self, text: str) -> None:
        """Keep `text` (the model's summary of the older turns) with the latest question: from
        now on it is sent instead of them; they stay in the history."""
        entry = self.entries[-1]
        entry.parts.insert(0, SummaryPart(text))
        self._writes.append(Final(entry, tuple(entry.parts), entry.state, None, None, None))

    def can_continue(self) -> bool:
        """The last reply stopped early with some text to go on from."""
        last = self.entries[-1] if self.entries else None
        return self.reply is None and last is not None and last.is_unfinished and bool(last.content)

    def continue_reply(self) -> Turn:
        """Ask the model to go on from where the last (stopped) reply ended."""
        return self.begin_reply(extra=[ChatMessage("user", CONTINUE_PROMPT)])

    def edit(self, entry: Entry) -> str:
        """Edit user message `entry`: the next prompt replaces it. Returns its text."""
        self.editing = entry
        return entry.content

    def replace_from(self, index: int, entries: Sequence[Entry]) -> None:
        """Show `entries` (another branch) in place of the entries from `index` on."""
        del self.entries[index:]
        self.entries.extend(entries)

    def save_draft(self, text: str) -> None:
        self._writes.append(Draft(text))

    def unsent(self, typed: str) -> str:
        """Everything written and not sent: the queued prompts, then what is typed."""
        texts = [prompt.text for prompt in self.queued]
        return "\n\n".join(text for text in [*texts, typed] if text.strip())
