"""The least a Python client built on httpx + httpx-sse does for one streamed reply.

`bench_stream` times this next to `aijora-tui ask`: its start-up (interpreter, asyncio, httpx,
httpcore, anyio, httpx's TLS context) is the floor that any client on the project's mandated stack
pays, so `ask` minus this is what aijora-tui itself costs. No retries, no error handling, no
settings: reads `AIJORA_BASE_URL`, `AIJORA_API_KEY` and `AIJORA_MODEL`, prints the reply text.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import httpx
from httpx_sse import EventSource


async def main() -> None:
    body = {
        "model": os.environ["AIJORA_MODEL"],
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }
    headers = {"Authorization": f"Bearer {os.environ['AIJORA_API_KEY']}"}
    url = os.environ["AIJORA_BASE_URL"] + "/chat/completions"
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream("POST", url, json=body, headers=headers) as response,
    ):
        async for sse in EventSource(response).aiter_sse():
            if sse.data == "[DONE]":
                break
            for choice in json.loads(sse.data).get("choices") or []:
                sys.stdout.write((choice.get("delta") or {}).get("content") or "")


if __name__ == "__main__":
    asyncio.run(main())
