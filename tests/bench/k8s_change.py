#!/usr/bin/env python3
"""Times Kubernetes changes to every dataplane's ACK: writes one EndpointSlice to the API
server (a new endpoint address, as a rollout does), then follows the control plane's log
until it says every dataplane serves the next version. Prints the median in ms.
usage: k8s_change.py URL CA TOKEN CONTROLPLANE_LOG COUNT"""
import json
import re
import ssl
import statistics
import sys
import time
import urllib.request

url, ca, token, log, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
programmed = re.compile(rb"programmed: every dataplane serves version (\d+)")


def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx) as r:
        return json.load(r)


def last_version(text):
    found = programmed.findall(text)
    return int(found[-1]) if found else 0


took = []
with open(log, "rb") as f:
    seen = f.read()
    for i in range(count):
        version = last_version(seen)
        path = "/apis/discovery.k8s.io/v1/namespaces/ns%d/endpointslices/r%d-1" % (i % 100, i)
        slice_ = call("GET", path)
        slice_["endpoints"][0]["addresses"] = ["198.51.101.%d" % (200 + i)]
        start = time.monotonic()
        call("PUT", path, slice_)
        while True:
            more = f.read()
            if more:
                seen += more
                if last_version(seen) > version:
                    break
            elif time.monotonic() - start > 60:
                sys.exit("no ACK within 60 s of change %d" % i)
            else:
                time.sleep(0.0005)
        took.append((time.monotonic() - start) * 1000)
print("%.1f" % statistics.median(took))
