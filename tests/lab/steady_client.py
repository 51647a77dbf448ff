#!/usr/bin/env python3
"""One kept-alive HTTP/1.1 connection that asks for URL every INTERVAL seconds for
SECONDS seconds, as a long-lived client does during an attack: it never reconnects, so
any failure means the connection (or its flow in the gateway) was lost. Prints one JSON
line: requests answered 200, and the first failure if any; before it, "connected" once
the first request was answered.
usage: steady_client.py ADDRESS PORT HOST INTERVAL SECONDS"""

import http.client
import json
import sys
import time

ADDRESS, PORT, HOST = sys.argv[1], int(sys.argv[2]), sys.argv[3]
INTERVAL, SECONDS = float(sys.argv[4]), float(sys.argv[5])

conn = http.client.HTTPConnection(ADDRESS, PORT, timeout=10)
answered, failure = 0, None
deadline = time.monotonic() + SECONDS
while time.monotonic() < deadline:
    try:
        conn.request("GET", "/", headers={"Host": HOST})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            failure = f"answered {response.status}"
            break
        answered += 1
        if answered == 1:
            print("connected", flush=True)
    except (OSError, http.client.HTTPException) as e:
        failure = f"{type(e).__name__}: {e}"
        break
    time.sleep(INTERVAL)
print(json.dumps({"answered": answered, "failure": failure}))
