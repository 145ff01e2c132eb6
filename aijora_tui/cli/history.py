"""`aijora-tui history` and `aijora-tui export`: saved conversations, outside the TUI.

Both only read: without a database they say so instead of creating one. Titles and models come
from outside (the user, the server) and are printed sanitized, on one line. `export` exits 1 with
one line on stderr when there is nothing to export; both do when the database cannot be read.
Imports no Textual.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from aijora_tui import paths
from aijora_tui.cli.stdout import write_stdout
from aijora_tui.core.errors import one_line
from aijora_tui.core.prices import Cost, PriceLookup, total_costs
from aijora_tui.core.records import ConversationSummary
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.store import NotFound, Store, StoreError
from aijora_tui.files import write_private_file

NO_CONVERSATIONS = "no saved conversations yet"
UNTITLED = "(untitled)"


class CommandError(Exception):
    """Ends the command with exit 1 and this one-line message."""


ModelTokens = tuple[str, int, int, float | None]
"""A model's prompt and completion tokens in a conversation, and the cost servers reported."""


def run_history() -> int:
    """Print one line per conversation, most recent first; none is not an error."""
    path = paths.database_file()
    summaries: list[ConversationSummary] = []
    tokens: dict[int, list[ModelTokens]] = {}
    try:
        if path.exists():
            summaries, tokens = _summaries(path)
    except StoreError as error:
        return _fail(error)
    if not summaries:
        sys.stderr.write(f"aijora-tui: {NO_CONVERSATIONS}\n")
        return 0
    costs = conversation_costs(tokens, _price_lookup())
    lines = format_history(summaries, costs)
    return _write_stdout("".join(line + "\n" for line in lines), False)


def run_export(args: argparse.Namespace) -> int:
    """Write a conversation's active path as Markdown or JSON, to stdout or `args.output`."""
    try:
        text = _export_text(args.id, args.format, with_attachments=args.with_attachments)
        if args.output is None:
            return _write_stdout(text, sys.stdout.isatty())
        write_private_file(Path(args.output), text)
    except (CommandError, StoreError) as error:
        return _fail(error)
    except OSError as error:
        return _fail(CommandError(f"cannot write {args.output}: {error.strerror}"))
    return 0


def format_history(
    summaries: list[ConversationSummary], costs: Mapping[int, str] | None = None
) -> list[str]:
    """Aligned lines: id, local date and time of the last message, model, tokens, then what
    the conversation cost when any cost is known (`conversation_costs`), then the title."""
    costs = costs or {}
    models = [one_line(summary.model or "-", 40) for summary in summaries]
    id_width = max(len(str(summary.id)) for summary in summaries)
    model_width = max(len(model) for model in models)
    token_width = max(len(f"{summary.total_tokens:,}") for summary in summaries)
    cost_width = max((len(costs.get(summary.id, "-")) for summary in summaries), default=0)
    lines = []
    for summary, model in zip(summaries, models, strict=True):
        cost = f"{costs.get(summary.id, '-'):>{cost_width}}  " if costs else ""
        lines.append(
            f"{summary.id:>{id_width}}  {_local(summary.updated_at)}  {model:<{model_width}}  "
            f"{summary.total_tokens:>{token_width},} tokens  {cost}"
            f"{one_line(summary.title) or UNTITLED}"
        )
    return lines


def conversation_costs(
    tokens: Mapping[int, list[ModelTokens]], prices: PriceLookup
) -> dict[int, str]:
    """What each conversation cost (per currency, "0.0123 USD + 1.2000 RUB"): what the server
    reported, and the other replies' tokens at each model's price; conversations with neither
    are left out."""
    costs = {}
    for conversation_id, per_model in tokens.items():
        found = []
        for model, prompt, completion, reported in per_model:
            price = prices.get(model)
            if reported is not None:
                found.append(Cost(reported, price.currency if price else None))
            if price is not None and (prompt or completion):
                found.append(Cost(price.cost(prompt, completion), price.currency))
        if found:
            costs[conversation_id] = " + ".join(cost.label() for cost in total_costs(found))
    return costs


def _price_lookup() -> PriceLookup:
    """Prices as the app knows them: the providers' model lists (as last fetched by the app),
    else `[prices]` in the config file."""
    from aijora_tui.catalog import Catalog
    from aijora_tui.choices import chosen_provider
    from aijora_tui.config import load_settings
    from aijora_tui.providers import BUILTIN, ProviderError

    settings, _warnings = load_settings()  # doctor reports a bad config; prices are optional
    try:
        current = chosen_provider(settings).name
    except ProviderError:
        current = BUILTIN
    return Catalog(settings, paths.state_dir(), current)


def _export_text(conversation_id: int | None, form: str, *, with_attachments: bool) -> str:
    with _open_existing() as store:
        if conversation_id is None:
            conversation_id = store.latest_conversation_id()
            if conversation_id is None:
                raise CommandError(NO_CONVERSATIONS)
        try:
            if form == "json":
                data = store.export_json(conversation_id, with_attachments=with_attachments)
                return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
            return store.export_markdown(conversation_id)
        except NotFound:
            raise CommandError(
                f"no conversation with id {conversation_id} (see aijora-tui history)"
            ) from None


def _summaries(
    path: Path,
) -> tuple[list[ConversationSummary], dict[int, list[ModelTokens]]]:
    with Store.open_to_read(path) as store:
        return store.list_conversations(limit=None), store.tokens_by_model()


def _open_existing() -> Store:
    path = paths.database_file()
    if not path.exists():
        raise CommandError(NO_CONVERSATIONS)
    return Store.open_to_read(path)


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _write_stdout(text: str, terminal: bool) -> int:
    """Write `text`; to a terminal, sanitized (failures: `stdout.write_stdout`)."""
    return write_stdout((sanitize(text) if terminal else text).encode())


def _fail(error: Exception) -> int:
    sys.stderr.write(f"aijora-tui: error: {one_line(str(error))}\n")
    return 1
