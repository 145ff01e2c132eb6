"""`aijora-tui serve`: the app in a browser through textual-serve, guarded in front of its routes.

`guard` decides which requests may reach textual-serve (loopback names only, same-origin
websockets, the token with `--public`); `server` runs one app process per browser tab and stops
them all cleanly. Neither imports Textual: the app processes do.
"""
