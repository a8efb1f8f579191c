"""Lean clients for the chat scenario: a WebSocket client and a Redis subscriber, each a
plain ``asyncio.Protocol`` that parses frames straight from the socket buffer.

The chat scenario's clients run on the same 2 cores as the servers they measure: 200 of
them receive 10,000 frames a second. Through the ``websockets`` and ``redis-py`` stacks
that costs about 40 µs of CPU per frame, as much as the server spends sending it; here it
is a few µs plus ``json.loads``. Both the chat clients and the Redis baseline use this same
machinery, so neither side of the ratio is flattered.

Only what the scenario needs: text frames (optionally permessage-deflate, which browsers
offer), ping → pong, close; RESP arrays, bulk strings and integers.
"""

from __future__ import annotations

import asyncio
import base64
import os
import zlib


class ClosedError(ConnectionError):
    pass


class WebSocketClient(asyncio.Protocol):
    """A client WebSocket; every text frame's payload (bytes) goes to ``on_text``."""

    def __init__(self, on_text, deflate=True):
        self.on_text = on_text
        self.offer_deflate = deflate
        self.inflater = None  # set when the server accepted permessage-deflate
        self.buffer = bytearray()
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport = None
        self.fragments = None

    @classmethod
    async def connect(cls, port, path, headers, on_text, deflate=True, timeout=60):
        loop = asyncio.get_running_loop()
        _transport, client = await asyncio.wait_for(
            loop.create_connection(lambda: cls(on_text, deflate), "127.0.0.1", port), timeout
        )
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        if deflate:
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        client.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await asyncio.wait_for(client.opened, timeout)
        return client

    # --- asyncio.Protocol ---

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(ClosedError("connection lost during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data):
        self.buffer += data
        if not self.opened.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin-1").lower()
            del self.buffer[: end + 4]
            if not head.startswith("http/1.1 101"):
                self.opened.set_exception(ClosedError(head.splitlines()[0]))
                self.transport.close()
                return
            if "permessage-deflate" in head:
                self.inflater = zlib.decompressobj(-15)
            self.opened.set_result(True)
        self._frames()

    # --- frames ---

    def _frames(self):
        buf, pos, size = self.buffer, 0, len(self.buffer)
        while size - pos >= 2:
            first, second = buf[pos], buf[pos + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            self._frame(first, payload)
        del buf[:pos]

    def _frame(self, first, payload):
        opcode = first & 0x0F
        if opcode in (1, 0):  # text, continuation
            if not first & 0x80:  # a fragment: keep until the final one
                self.fragments = (self.fragments or []) + [(first, payload)]
                return
            if self.fragments:
                first = self.fragments[0][0]
                payload = b"".join(p for _f, p in self.fragments) + payload
                self.fragments = None
            if first & 0x40 and self.inflater is not None:  # RSV1: compressed
                payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
            self.on_text(payload)
        elif opcode == 9:  # ping
            self._send(0xA, payload)
        elif opcode == 8:  # close
            self._send(0x8, payload[:2])
            self.transport.close()

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big") if n else b""
        self.transport.write(head + mask + masked)

    def send_text(self, text):
        if self.transport.is_closing():
            raise ClosedError("socket closed")
        self._send(0x1, text.encode())

    async def close(self):
        if not self.transport.is_closing():
            self._send(0x8, (1000).to_bytes(2, "big"))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 5)
        except TimeoutError:
            self.transport.abort()


class RedisConnection(asyncio.Protocol):
    """A RESP connection; every reply (or pushed pub/sub message) goes to ``on_reply`` as
    a Python value: bytes, int, or a list of them."""

    def __init__(self, on_reply):
        self.on_reply = on_reply
        self.buffer = bytearray()
        self.transport = None

    @classmethod
    async def connect(cls, port, on_reply):
        loop = asyncio.get_running_loop()
        _transport, conn = await loop.create_connection(lambda: cls(on_reply), "127.0.0.1", port)
        return conn

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        pos = 0
        while True:
            parsed = self._parse(pos)
            if parsed is None:
                break
            value, pos = parsed
            self.on_reply(value)
        del self.buffer[:pos]

    def _parse(self, pos):
        buf = self.buffer
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None
        kind, line, after = buf[pos], bytes(buf[pos + 1 : end]), end + 2
        if kind == 0x24:  # $ bulk string
            n = int(line)
            if n < 0:
                return None, after
            if len(buf) < after + n + 2:
                return None
            return bytes(buf[after : after + n]), after + n + 2
        if kind == 0x2A:  # * array
            items = []
            for _ in range(int(line)):
                parsed = self._parse(after)
                if parsed is None:
                    return None
                item, after = parsed
                items.append(item)
            return items, after
        if kind == 0x3A:  # : integer
            return int(line), after
        return line, after  # + simple string, - error

    def command(self, *args):
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.transport.write(b"".join(parts))

    def close(self):
        self.transport.close()
