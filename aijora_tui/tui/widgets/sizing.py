"""`SizedByLayout`: a widget that grows costs one layout and one frame, not two.

Textual 8.2.8 declares `Widget.virtual_size` as a reactive with `layout=True`, and its compositor
sets it while laying the screen out. So every widget whose content grew asks for a second
layout, and a repaint of all of itself, in the next frame, although the first layout already
placed everything. A change of scrollbar visibility does not depend on it: it asks for its own
layout through the `show_vertical_scrollbar` reactive.

While a reply streams, its block, its message and the message log grow at nearly every update,
so each update drew the whole log twice. Mixed into those widgets (before the Textual base
class), the reactive below keeps the value and its watchers but asks for no refresh.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive


class SizedByLayout:
    """Mixin for widgets whose virtual size only the layout sets."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)
    """Set by the compositor after it placed the widget: nothing more to lay out or paint."""
