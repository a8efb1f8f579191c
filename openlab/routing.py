"""WebSocket routes; the chat consumers join here (openlab/chat)."""

websocket_urlpatterns = []
