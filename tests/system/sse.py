"""A small, strict Server-Sent Events reader over a raw socket (no buffering surprises)."""
import json
import socket
from urllib.parse import quote


class SSEStream:
    """Opens GET path on host:port and yields parsed events as dicts."""

    def __init__(self, port, path, headers=None, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.file = self.sock.makefile("rb")
        status = self.file.readline().decode()
        self.status = int(status.split()[1])
        self.headers = {}
        chunked = False
        while True:
            line = self.file.readline().decode().rstrip("\r\n")
            if not line:
                break
            key, _, value = line.partition(":")
            self.headers[key.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        length = self.headers.get("content-length")
        self.remaining = int(length) if length is not None else None
        self._buffer = b""
        self.comments = []
        self.raw = []

    def _read_body(self):
        if self.remaining is not None:
            if self.remaining == 0:
                return b""
            data = self.file.read1(min(65536, self.remaining))
            self.remaining -= len(data)
            return data
        if not self.chunked:
            return self.file.read1(65536)
        size_line = self.file.readline()
        if not size_line:
            return b""
        size = int(size_line.strip() or b"0", 16)
        if size == 0:
            self.file.readline()
            return b""
        data = self.file.read(size)
        self.file.readline()
        return data

    def events(self):
        while True:
            while b"\n\n" not in self._buffer:
                chunk = self._read_body()
                if not chunk:
                    return
                self._buffer += chunk
            block, self._buffer = self._buffer.split(b"\n\n", 1)
            text = block.decode()
            self.raw.append(text)
            event = {}
            for line in text.split("\n"):
                if line.startswith(":"):
                    self.comments.append(line)
                    continue
                key, _, value = line.partition(": ")
                event[key] = value
            if "event" in event:
                event["data"] = json.loads(event["data"])
                event["id"] = int(event["id"])
                yield event

    def close(self):
        # makefile() keeps the descriptor alive; shut the connection down for real.
        for action in (lambda: self.sock.shutdown(socket.SHUT_RDWR), self.file.close, self.sock.close):
            try:
                action()
            except OSError:
                pass


def stream_path(question):
    return "/v1/answer/stream?q=" + quote(question)
