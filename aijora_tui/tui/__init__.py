"""The Textual face: the app, its screens, widgets, palette commands, themes and renderer."""
