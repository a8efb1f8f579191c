"""One subscription per room per process for the frames every member sees.

A message in a room of 200 is one frame for 200 sockets. Through Channels, each socket
would take it from its own queue with its own task wake-up, its own `asyncio.wait` and its
own deserialisation: a busy room spent more on that dispatch than on writing to the sockets.
Here a process holds one channel per room in the room's frames group
(`services.frames_group_name`), and one task forwards each frame's text to the room's
sockets in this process, in order.

Everything else (removals, and the checks that close a socket when the layer is down) still
reaches each socket through its consumer's own channel, in `services.group_name`.
"""

import asyncio
import contextlib
import logging
import weakref

from openlab.chat import services

logger = logging.getLogger(__name__)

# Rooms per event loop (tests run several loops in one process), then per channel layer and
# room id.
_ROOMS = weakref.WeakKeyDictionary()


class RoomFanout:
    def __init__(self, layer, room_id):
        self.layer = layer
        self.group = services.frames_group_name(room_id)
        self.sockets = set()
        self.channel = None
        self.subscribed = None  # the task that adds this process's channel to the group
        self.forwarder = None

    async def subscribe(self):
        self.channel = await self.layer.new_channel("chat.frames.")
        await self.layer.group_add(self.group, self.channel)
        self.forwarder = asyncio.ensure_future(self.forward())

    async def forward(self):
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a list-based layer while Redis is down
                logger.warning("chat: frames of %s not received; retrying", self.group)
                await asyncio.sleep(1)
                continue
            text = event.get("text")
            if not isinstance(text, str):
                continue
            # In order, one socket after another: uvicorn's (sans-I/O) WebSocket send only
            # hands the bytes to the transport, so a slow reader holds up no one else.
            for socket in list(self.sockets):
                try:
                    await socket.send(text_data=text)
                except Exception:  # noqa: BLE001 - a socket closing now; the others go on
                    logger.debug("chat: frame not sent to a closing socket", exc_info=True)

    async def stop(self):
        if self.forwarder is not None:
            # Cancelling the channel's receive also unsubscribes it (channels-redis pub/sub).
            self.forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.forwarder
        if self.channel is not None:
            with contextlib.suppress(Exception):  # the layer may be down; nothing to keep
                await self.layer.group_discard(self.group, self.channel)


def _rooms():
    loop = asyncio.get_running_loop()
    rooms = _ROOMS.get(loop)
    if rooms is None:
        rooms = _ROOMS[loop] = {}
    return rooms


async def join(layer, room_id, socket):
    """Have the room's frames forwarded to `socket` (an accepted consumer) from now on.
    Raises when the channel layer cannot be reached (nothing is kept then)."""
    rooms = _rooms()
    key = (layer, int(room_id))
    room = rooms.get(key)
    if room is None:
        room = rooms[key] = RoomFanout(layer, room_id)
    room.sockets.add(socket)
    if room.subscribed is None:
        room.subscribed = asyncio.ensure_future(room.subscribe())
    try:
        # Shielded: one socket giving up must not cancel the subscription the others await.
        await asyncio.shield(room.subscribed)
    except BaseException:
        await leave(layer, room_id, socket)
        raise


async def leave(layer, room_id, socket):
    """Stop forwarding to `socket`; the last socket of the room in this process unsubscribes."""
    rooms = _rooms()
    key = (layer, int(room_id))
    room = rooms.get(key)
    if room is None:
        return
    room.sockets.discard(socket)
    if room.sockets:
        return
    del rooms[key]  # at once: a socket joining meanwhile starts a new subscription
    if room.subscribed is not None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await room.subscribed
    await room.stop()


def forwarding(layer, room_id):
    """How many of this process's sockets the room's frames go to (for tests)."""
    room = _rooms().get((layer, int(room_id)))
    return len(room.sockets) if room else 0
