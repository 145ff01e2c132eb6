"""A separate process that writes to a store, for the concurrency and crash tests.

    python -m tests.store.writer append DB CONVERSATION COUNT TAG   # after "go" on stdin
    python -m tests.store.writer stream DB                            # until killed

`append` prints "ready" once the store is open and waits for a line on stdin, so that two
writers start together. `stream` prints "started CONVERSATION MESSAGE", then the step number
after each committed `update_message` of a growing reply.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aijora_tui.core.store import Store

MAX_STEPS = 100_000
"""A `stream` writer whose test died stops on its own."""


def append(store: Store, conversation: int, count: int, tag: str) -> None:
    print("ready", flush=True)
    sys.stdin.readline()
    parent = None
    for index in range(count):
        message = store.add_message(conversation, parent, "user", f"{tag} {index}")
        store.update_message(message.id, reasoning=f"{tag} reasoning {index}")
        parent = message.id
    print("done", flush=True)


def stream(store: Store) -> None:
    conversation = store.create_conversation(model="crash-model")
    question = store.add_message(conversation, None, "user", "tell me a long story")
    reply = store.add_message(conversation, question.id, "assistant", "", state="streaming")
    print(f"started {conversation} {reply.id}", flush=True)
    for step in range(1, MAX_STEPS):
        store.update_message(reply.id, content=" ".join(f"w{i}" for i in range(step)))
        print(step, flush=True)


def main() -> None:
    mode, path = sys.argv[1], Path(sys.argv[2])
    with Store.open(path) as store:
        if mode == "append":
            append(store, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
        else:
            stream(store)


if __name__ == "__main__":
    main()
