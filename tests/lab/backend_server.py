#!/usr/bin/env python3
"""A lab backend: answers GET / with its own name, GET /big?bytes=N with N bytes of a
fixed pattern (64 KiB blocks of 0..255), so a client can check what arrived, and POST
/upload with the SHA-256 of the body it received.
usage: backend_server.py NAME ADDRESS PORT"""
import hashlib
import http.server
import socketserver
import sys

NAME, ADDRESS, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
BLOCK = bytes(range(256)) * 256


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/big"):
            size = int(self.path.split("bytes=")[1]) if "bytes=" in self.path else 20 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("X-Backend", NAME)
            self.end_headers()
            while size > 0:
                chunk = BLOCK[: min(size, len(BLOCK))]
                self.wfile.write(chunk)
                size -= len(chunk)
            return
        body = (NAME + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", NAME)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        size = int(self.headers.get("Content-Length", "0"))
        digest = hashlib.sha256()
        while size > 0:
            chunk = self.rfile.read(min(size, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            size -= len(chunk)
        body = (digest.hexdigest() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", NAME)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # a real server's backlog: hundreds of connections may arrive at once
    address_family = __import__("socket").AF_INET6 if ":" in ADDRESS else __import__("socket").AF_INET


Server((ADDRESS, PORT), Handler).serve_forever()
