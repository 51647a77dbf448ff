#!/usr/bin/env python3
"""Clients of a VIP while one of the appliances behind the router fails, for SECONDS
seconds:
  - THREADS loops of short connections: one request each, so every connection has a new
    source port and the router's ECMP hash places it afresh;
  - KEPT kept-alive connections asking every 100 ms, which never reconnect: a failure
    means the connection was lost.
A request fails when it is not answered 200 within TIMEOUT seconds. "connected" is
printed once every kept-alive connection has been answered (or has failed). It asks for /peer,
whose body names the backend and the address the backend saw: the appliance's own
(full NAT), so every answer says which appliance carried it. Prints one JSON line:
  short: [[start, end, ok, via], ...]  (wall-clock seconds; via "" when failed)
  kept: [{"via": ..., "answered": N, "failed_at": seconds or null, "why": ...}, ...]
SIGTERM ends the run early, with the same report.
usage: failover_client.py ADDRESS PORT HOST SECONDS THREADS KEPT TIMEOUT"""

import http.client
import json
import signal
import socket
import sys
import threading
import time

ADDRESS, PORT, HOST = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SECONDS, THREADS, KEPT, TIMEOUT = float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
deadline = time.monotonic() + SECONDS
stopping = threading.Event()  # SIGTERM: every loop ends after its current request


def running():
    return time.monotonic() < deadline and not stopping.is_set()

short, kept = [], []
lock = threading.Lock()
first_answers = threading.Semaphore(0)


def ask(conn):
    """One GET /peer on the connection: the appliance's address the backend saw."""
    conn.request("GET", "/peer", headers={"Host": HOST})
    response = conn.getresponse()
    body = response.read().decode(errors="replace").split()
    if response.status != 200 or len(body) != 2:
        raise OSError(f"answered {response.status} {body}")
    return body[1]


def short_loop():
    while running():
        start = time.time()
        via, ok = "", False
        conn = http.client.HTTPConnection(ADDRESS, PORT, timeout=TIMEOUT)
        try:
            via, ok = ask(conn), True
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)  # a refused connection must not spin
        finally:
            conn.close()
        with lock:
            short.append([start, time.time(), ok, via])


def kept_loop():
    record = {"via": None, "answered": 0, "failed_at": None, "why": None}
    conn = http.client.HTTPConnection(ADDRESS, PORT, timeout=TIMEOUT)
    while running():
        try:
            via = ask(conn)
            if record["via"] is None:
                record["via"] = via
            elif via != record["via"]:
                raise OSError(f"moved from {record['via']} to {via}")
            record["answered"] += 1
            if record["answered"] == 1:
                first_answers.release()
        except (OSError, http.client.HTTPException) as e:
            record["failed_at"], record["why"] = time.time(), f"{type(e).__name__}: {e}"
            if record["answered"] == 0:
                first_answers.release()
            break
        time.sleep(0.1)
    conn.close()
    with lock:
        kept.append(record)


socket.setdefaulttimeout(TIMEOUT)
signal.signal(signal.SIGTERM, lambda *_: stopping.set())
threads = [threading.Thread(target=kept_loop) for _ in range(KEPT)]
threads += [threading.Thread(target=short_loop) for _ in range(THREADS)]
for t in threads:
    t.start()
for _ in range(KEPT):
    first_answers.acquire()
print("connected", flush=True)
for t in threads:
    while t.is_alive():
        t.join(0.1)
print(json.dumps({"short": short, "kept": kept}), flush=True)
