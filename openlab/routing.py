"""WebSocket routes (openlab/asgi.py wraps them in the origin check and the auth middleware)."""

from django.urls import path, re_path, register_converter

from openlab.chat.consumers import ChatConsumer
from openlab.websocket import NotFoundConsumer


class IdConverter:
    """A database id: 1 to 18 ASCII digits (a longer number overflowed the database)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "dbid")

websocket_urlpatterns = [
    path("ws/chat/<dbid:room_id>/", ChatConsumer.as_asgi()),
    re_path(r"", NotFoundConsumer.as_asgi()),  # anything else closes cleanly
]
