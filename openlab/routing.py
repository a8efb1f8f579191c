"""WebSocket routes (openlab/asgi.py wraps them in the origin check and the auth middleware)."""

from django.urls import path

from openlab.chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<int:room_id>/", ChatConsumer.as_asgi()),
]
