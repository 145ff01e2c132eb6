"""Tool calling through MCP servers, headless (no Textual), shared by the TUI and `ask`.

| module | job |
|---|---|
| `config.py` | `[mcp.servers.NAME]` and `[tools]` from config.toml; "always allow" written back |
| `environment.py` | the scrubbed environment a stdio server starts with (no API keys) |
| `connection.py` | one server through the MCP SDK's `ClientSession`: start, list, call, stop |
| `names.py` | MCP tools as OpenAI `tools`, with names unique and valid for the model |
| `results.py` | a tool's result as text for history and (cut to 100 KB) for the model |
| `assembler.py` | streamed `tool_calls` fragments assembled into `ToolCallPart`s |
| `consent.py` | who decides whether a call runs: `auto_approve`, the user, `--yes` |
| `hub.py` | every configured server behind one asyncio object the engine calls |
| `threaded.py` | the hub on a loop of its own thread, for the synchronous `ask` |

Only `connection.py` (and the modules that use it) import the SDK, and nothing imports them at
start-up: a run without tools never loads it.
"""
