"""Pure rendering of chat replies: Markdown to pre-wrapped `Content`, and streaming splitting.

No widgets here: the chat UI shows `render_markdown(...).content` in a plain widget and feeds
streamed deltas through a `BlockSplitter` so only the still-growing block is re-rendered.
"""

from aijora_tui.tui.render.markdown import CodeBlock, RenderedMarkdown, code_blocks, render_markdown
from aijora_tui.tui.render.splitter import BlockSplitter

__all__ = ["BlockSplitter", "CodeBlock", "RenderedMarkdown", "code_blocks", "render_markdown"]
