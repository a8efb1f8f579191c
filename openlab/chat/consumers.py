"""The chat WebSocket at /ws/chat/<room_id>/: thin; the rules are in openlab/chat/services.py.

Client frames (JSON objects, each with exactly the fields listed):
  {"type": "message", "body": str, "key": str}   send (key: idempotency key, unique per sender)
  {"type": "edit", "id": int, "body": str}        edit own message
  {"type": "delete", "id": int}                   delete own message
  {"type": "report", "id": int, "reason": str}    report a message
  {"type": "read", "id": int}                     read up to id
  {"type": "sync", "after": int}                  messages after id (after a reconnect)
  {"type": "ping"}                                heartbeat
Server frames: ack, message, update, history, presence, pong, error ({"type": "error",
"code": ..., "reason": <Japanese>}); an error frame leaves the connection usable.
"""

import asyncio
import contextlib
import functools
import json
import logging

from channels.db import database_sync_to_async as channels_database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from openlab.chat import fanout, services
from openlab.chat.services import ChatError

logger = logging.getLogger(__name__)

# A server that takes concurrent writers (PostgreSQL) gets the chat's database calls in a pool
# of threads: in the process's one "thread-sensitive" thread, which every sync call queues for,
# a slow store held every other socket's frames and acks behind it (chat bench on PostgreSQL,
# four interleaved pairs: p99 77-121 ms instead of 242-2,182 ms). SQLite takes one writer at a
# time; there, threads only wait for its lock with back-off, so its calls stay in one thread.
database_sync_to_async = functools.partial(
    channels_database_sync_to_async, thread_sensitive=connection.vendor == "sqlite"
)

FRAMES = {
    "message": {"body": str, "key": str},
    "edit": {"id": int, "body": str},
    "delete": {"id": int},
    "report": {"id": int, "reason": str},
    "read": {"id": int},
    "sync": {"after": int},
    "ping": {},
}
# The length rule counts characters of the message (services.MAX_MESSAGE_LENGTH), not bytes of
# the frame: a client may escape every character (Python's json.dumps writes a Japanese one as
# \uXXXX, six characters, and one outside the BMP as a surrogate pair, twelve). The hard cap on
# the frame leaves room for the longest message escaped so, and refuses anything bigger.
MAX_FRAME_CHARS = 12 * services.MAX_MESSAGE_LENGTH + 1_000

PRESENCE_PUSH_MAX = 50

CLOSE_NOT_ALLOWED = 4403
CLOSE_LOGGED_OUT = 4401
CLOSE_LAYER_DOWN = 4503


class NotAllowed(Exception):
    """The session ended or the member was removed since the socket opened."""


def parse_frame(text):
    """The frame as (type, fields), or ChatError with the reason it is refused."""
    if text is None:
        raise ChatError("not_text", _("テキストのフレームだけを受け付けます。"))
    if len(text) > MAX_FRAME_CHARS:
        raise ChatError("too_long", _("フレームが大きすぎます。"))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: "[[[[..." nested deep
        raise ChatError("bad_json", _("JSONとして読めません。")) from error
    if not isinstance(data, dict):
        raise ChatError("bad_frame", _("JSONオブジェクトを送ってください。"))
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in FRAMES:  # a list or dict is unhashable
        raise ChatError("unknown_type", _("不明な種類です: %(type)s") % {"type": str(kind)[:40]})
    fields = FRAMES[kind]
    unknown = sorted(set(data) - set(fields) - {"type"})
    if unknown:
        raise ChatError(
            "unknown_field", _("不明な項目があります: %(f)s") % {"f": ", ".join(unknown)[:100]}
        )
    for name, expected in fields.items():
        value = data.get(name)
        if name not in data or not isinstance(value, expected) or isinstance(value, bool):
            raise ChatError("bad_field", _("項目「%(f)s」がないか、型が違います。") % {"f": name})
    if kind in ("message", "edit") and len(data["body"]) > services.MAX_MESSAGE_LENGTH:
        raise ChatError(
            "too_long",
            _("メッセージは%(max)d文字以内にしてください（%(len)d文字）。")
            % {"max": services.MAX_MESSAGE_LENGTH, "len": len(data["body"])},
        )
    return kind, data


class ChatConsumer(AsyncWebsocketConsumer):
    room_id = None
    joined = False
    watchdog = None

    async def connect(self):
        self.user = self.scope.get("user")
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        if not await database_sync_to_async(self.allowed)():
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.group = services.group_name(self.room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self.accept()
        try:
            await fanout.join(self.channel_layer, self.room_id, self)
        except Exception:  # noqa: BLE001 - e.g. Redis is down: the client retries later
            await self.close_layer_down()
            return
        await database_sync_to_async(services.presence_join)(
            self.room_id, self.user, self.channel_name
        )
        await self.announce_presence()
        self.watchdog = asyncio.ensure_future(self.watch())

    async def disconnect(self, code):
        if self.watchdog is not None:
            self.watchdog.cancel()
        if not self.joined:
            return
        await fanout.leave(self.channel_layer, self.room_id, self)
        with contextlib.suppress(Exception):
            await database_sync_to_async(services.presence_leave)(self.channel_name)
        with contextlib.suppress(Exception):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        with contextlib.suppress(Exception):
            await self.announce_presence(joined=False)

    def allowed(self):
        """The session is still valid and the user still a member (in a database thread)."""
        user = self.user
        if user is None or not user.is_authenticated:
            return False
        return services.session_is_valid(self.session_key, user.pk) and services.can_join(
            user, self.room_id
        )

    async def watch(self):
        """Closes the socket once the session ends elsewhere or the member is removed."""
        period = getattr(settings, "CHAT_SESSION_CHECK_SECONDS", 20)
        try:
            while True:
                await asyncio.sleep(period)
                if not await self.still_allowed():
                    return
                await database_sync_to_async(services.presence_touch)(self.channel_name)
                try:
                    # Renew the group membership: a channel layer that restarted empty
                    # forgets it; one that is down closes the socket, and the client
                    # reconnects and fetches what it missed.
                    await self.channel_layer.group_add(self.group, self.channel_name)
                except Exception:  # noqa: BLE001
                    await self.close_layer_down()
                    return
        except asyncio.CancelledError:
            pass

    async def still_allowed(self):
        if await database_sync_to_async(self.allowed)():
            return True
        await self.close_not_allowed()
        return False

    async def close_not_allowed(self):
        await self.send_error(ChatError("closed", _("ログアウトしたか、ルームから外れました。")))
        await self.close(code=CLOSE_LOGGED_OUT)

    # --- frames from the client ---------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        try:
            kind, data = parse_frame(text_data)
            await getattr(self, f"on_{kind}")(data)
        except NotAllowed:
            await self.close_not_allowed()
        except ChatError as error:
            await self.send_error(error, key=self._key(text_data))

    async def as_member(self, function, *args):
        """`function(*args)` in a database thread, once the session and the membership are
        checked again in that same call: every frame is checked, at the cost of one hop."""

        def checked():
            if not self.allowed():
                raise NotAllowed
            return function(*args)

        return await database_sync_to_async(checked)()

    @staticmethod
    def _key(text_data):
        with contextlib.suppress(Exception):
            key = json.loads(text_data).get("key")
            if isinstance(key, str) and services.KEY_PATTERN.match(key):
                return key
        return None

    async def on_message(self, data):
        payload = await self.as_member(self.store_message, data["body"], data["key"])
        await self.send_json({"type": "ack", "key": data["key"], "id": payload["id"],
                              "message": payload})  # fmt: skip
        await self.group_send(services.frame_event("message", payload))

    def store_message(self, body, key):
        message, _created = services.send_message(self.user, self.room_id, body, key)
        return services.serialize(message)

    async def on_edit(self, data):
        message = await self.as_member(
            services.edit_message, self.user, self.room_id, data["id"], data["body"]
        )
        await self.group_send(services.update_event(message))

    async def on_delete(self, data):
        message = await self.as_member(services.delete_message, self.user, self.room_id, data["id"])
        await self.group_send(services.update_event(message))

    async def on_report(self, data):
        await self.as_member(
            services.report_message, self.user, data["id"], data["reason"], self.room_id
        )
        await self.send_json({"type": "reported", "id": data["id"]})

    async def on_read(self, data):
        await self.as_member(services.mark_read, self.user, self.room_id, data["id"])

    async def on_sync(self, data):
        messages, more = await self.as_member(self.fetch_after, data["after"])
        await self.send_json({"type": "history", "messages": messages, "more": more})

    def fetch_after(self, after):
        messages, more = services.messages_after(self.room_id, after)
        return [services.serialize(m) for m in messages], more

    async def on_ping(self, data):
        presence, last_id = await self.as_member(self.heartbeat)
        await self.send_json({"type": "pong", "last_id": last_id, **presence})

    def heartbeat(self):
        """Presence, and the room's newest id: a client that has not synced up to it fetches
        what it may have missed (a broadcast lost while the channel layer was failing)."""
        services.presence_touch(self.channel_name)
        return services.online_users(self.room_id), services.last_message_id(self.room_id)

    # --- events from the room's group ------------------------------------------------------

    async def chat_removed(self, event):
        if event["user_id"] == self.user.pk:
            await self.send_error(ChatError("removed", _("このルームから外されました。")))
            await self.close(code=CLOSE_NOT_ALLOWED)

    # --- helpers ------------------------------------------------------------------------------

    async def group_send(self, event):
        """Broadcast a stored change. If the channel layer is down, say so and close, so the
        client reconnects and fetches what it missed once the layer is back."""
        try:
            await self.channel_layer.group_send(
                services.broadcast_group(self.room_id, event), event
            )
        except Exception:  # noqa: BLE001 - e.g. Redis is down; the database has the message
            logger.warning("chat: channel layer unavailable for room %s", self.room_id)
            await self.close_layer_down()

    async def close_layer_down(self):
        await self.send_error(
            ChatError("layer_down", _("配信が一時的に止まっています。再接続します。"))
        )
        await self.close(code=CLOSE_LAYER_DOWN)

    async def announce_presence(self, joined=True):
        """Small rooms hear every join and leave at once; in a large room (more than
        PRESENCE_PUSH_MAX online) a join or leave is not pushed to everyone (that would be
        quadratic): members see it with their next heartbeat's pong."""
        presence = await database_sync_to_async(services.online_users)(self.room_id)
        if joined:
            await self.send_json({"type": "presence", **presence})
        if presence["count"] <= PRESENCE_PUSH_MAX:
            await self.group_send(services.presence_event(presence))

    async def send_error(self, error, key=None):
        frame = {"type": "error", "code": error.code, "reason": error.message}
        if key:
            frame["key"] = key
        await self.send_json(frame)

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, ensure_ascii=False))
