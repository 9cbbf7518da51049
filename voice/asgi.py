"""The ASGI app for hypercorn: `hypercorn voice.asgi:app`."""

from voice import create_app

app = create_app()
