"""`Window`: the mounted range of a long conversation, on its own (no widgets)."""

from __future__ import annotations

from aijora_tui.tui.window import Window


def test_a_conversation_opens_on_its_newest_messages() -> None:
    window = Window(size=30, page=15)
    assert window.show_latest(100) == range(70, 100)
    assert window.show_latest(10) == range(10)
    assert 9 in window and 10 not in window


def test_a_jump_keeps_a_page_of_context_above_and_stays_in_bounds() -> None:
    window = Window(size=30, page=15)
    assert window.show_around(50, 100) == range(35, 65)
    assert window.show_around(3, 100) == range(30)
    assert window.show_around(99, 100) == range(70, 100)


def test_paging_earlier_then_trimming_the_bottom_keeps_the_size() -> None:
    window = Window(size=30, page=15)
    window.show_latest(100)
    assert window.earlier() == range(55, 70)
    assert (window.start, window.end) == (55, 100)
    assert window.bottom_excess() == range(85, 100)
    assert (window.start, window.end) == (55, 100)  # looking does not move it
    assert window.trim_bottom() == range(85, 100)
    assert (window.start, window.end) == (55, 85)
    window.reset(5, 100)
    assert window.earlier() == range(5)
    assert window.earlier() == range(0)  # at the top


def test_paging_later_then_trimming_the_top() -> None:
    window = Window(size=30, page=15)
    window.show_around(20, 100)
    assert (window.start, window.end) == (5, 35)
    assert window.later(100) == range(35, 50)
    assert window.trim_top() == range(5, 20)
    assert (window.start, window.end) == (20, 50)
    window.reset(70, 100)
    assert window.later(100) == range(100, 100)


def test_growing_at_the_end_and_cutting() -> None:
    window = Window(size=3, page=2)
    window.show_latest(3)
    assert window.at_end(3) and not window.at_end(4)
    window.grow()
    assert window.trim_top() == range(1)
    assert (window.start, window.end) == (1, 4)
    window.cut(2)
    assert (window.start, window.end) == (1, 2)
    window.cut(0)
    assert (window.start, window.end) == (0, 0)
