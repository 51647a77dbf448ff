#!/usr/bin/env python3
"""A lab backend, HTTP/1.1 with kept-alive connections:
  GET /              its own name
  GET /big?bytes=N   N bytes of a fixed pattern (64 KiB blocks of 0..255), so a client
                     can check what arrived
  GET /chunked?bytes=N  the same pattern in chunked transfer coding
  POST /upload       the SHA-256 of the body received (Content-Length or chunked)
  any /echo...       its name, then the request line and header fields as received, and
                     the body's length: what a gateway made of the request
  GET .../slow?ms=N  its name after N milliseconds
  GET /ws (Upgrade)  101 Switching Protocols, then every byte echoed until the close
  GET /seen          the request lines it received so far, one per line (mirrors)
  GET /mss           the MSS its side of this connection sends with (TCP_MAXSEG)
  GET /peer          its name and the address the connection came from (a gateway's
                     SNAT address says which appliance carried it)
Echo answers carry X-Server-Note, a field a gateway's response filters can remove.
usage: backend_server.py NAME ADDRESS PORT"""
import hashlib
import http.server
import socket
import socketserver
import sys
import time

NAME, ADDRESS, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
BLOCK = bytes(range(256)) * 256
SEEN = []


def query_int(path, key, default):
    for part in path.split("?", 1)[-1].split("&"):
        if part.startswith(key + "="):
            return int(part[len(key) + 1:])
    return default


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def body_chunks(self):
        """The request body, as it comes (Content-Length or chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                left = size
                while left > 0:
                    chunk = self.rfile.read(min(left, 1 << 20))
                    left -= len(chunk)
                    yield chunk
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk

    def reply(self, body, status=200, note=False):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", NAME)
        if note:
            self.send_header("X-Server-Note", "from " + NAME)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def echo(self):
        received = sum(len(c) for c in self.body_chunks())
        lines = [NAME, self.requestline] + [f"{k}: {v}" for k, v in self.headers.items()] + [f"body: {received}"]
        self.reply(("\n".join(lines) + "\n").encode(), note=True)

    def do_GET(self):
        if self.path.startswith("/seen"):
            return self.reply(("\n".join(SEEN) + "\n").encode())
        if self.path.startswith("/peer"):
            return self.reply(f"{NAME} {self.client_address[0]}".encode())
        if self.path.startswith("/mss"):
            return self.reply(str(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)).encode())
        SEEN.append(self.requestline)
        del SEEN[:-1000]
        if self.path.startswith("/echo"):
            return self.echo()
        if self.path.startswith("/big"):
            size = query_int(self.path, "bytes", 20 * 1024 * 1024)
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("X-Backend", NAME)
            self.end_headers()
            while size > 0:
                chunk = BLOCK[: min(size, len(BLOCK))]
                self.wfile.write(chunk)
                size -= len(chunk)
            return
        if self.path.startswith("/chunked"):
            size = query_int(self.path, "bytes", 1 << 20)
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("X-Backend", NAME)
            self.end_headers()
            sent = 0
            while sent < size:
                # Chunks of odd sizes, each continuing the pattern where the last stopped.
                n = min(size - sent, 10000 - sent % 7)
                chunk = BLOCK[sent % 256 : sent % 256 + n]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += n
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path.split("?", 1)[0].endswith("/slow"):
            time.sleep(query_int(self.path, "ms", 1000) / 1000)
            return self.reply((NAME + "\n").encode())
        if self.path.startswith("/ws") and self.headers.get("Upgrade"):
            self.send_response(101)
            self.send_header("Upgrade", self.headers["Upgrade"])
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            while True:
                data = self.connection.recv(65536)
                if not data:
                    return
                self.connection.sendall(data)
        self.reply((NAME + "\n").encode())

    do_HEAD = do_GET
    do_DELETE = do_GET

    def do_POST(self):
        SEEN.append(self.requestline)
        del SEEN[:-1000]
        if self.path.startswith("/echo"):
            return self.echo()
        digest = hashlib.sha256()
        for chunk in self.body_chunks():
            digest.update(chunk)
        self.reply((digest.hexdigest() + "\n").encode())

    do_PUT = do_POST

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # a real server's backlog: hundreds of connections may arrive at once
    address_family = __import__("socket").AF_INET6 if ":" in ADDRESS else __import__("socket").AF_INET

    def handle_error(self, request, client_address):
        # A gateway resetting a connection (its dataplane stopped, a client gone) is an
        # event the tests provoke, not a server fault: its traceback would bury the
        # test's own report in the runner's output.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


Server((ADDRESS, PORT), Handler).serve_forever()
