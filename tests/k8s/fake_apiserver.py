#!/usr/bin/env python3
"""A small Kubernetes API server for tests: real HTTPS with its own CA and a bearer token,
the JSON shapes of the real one, and the behaviour a controller has to cope with.

Serves list (limit/continue), watch (chunked event streams from a resourceVersion,
bookmarks, 410 Gone once history is compacted), get, create, update with optimistic
concurrency (409 on a stale resourceVersion), merge patch, delete, and the status
subresource, for the kinds Portico reads plus Leases. Gateway API kinds are served at v1,
except ReferenceGrant (v1beta1 only) and TLSRoute (v1alpha2 only), so clients must fall
back.

Test controls (same token): POST /fake/drop-watches cuts every open watch without a
goodbye; POST /fake/compact forgets the event history and cuts every watch; POST /fake/conflicts?n=N answers
the next N status writes with 409; POST /fake/token?value=T accepts only token T from
then on (a rotation); POST /fake/expire-continue?n=N answers the next N list pages asked
with a continue token 410 (the token expired); POST /fake/load creates every object of a JSON List;
GET /fake/log lists the writes received ("METHOD path").

usage: fake_apiserver.py --port N --cert F --key F --token T [--state FILE] [--bookmark-s S]
The state file is read at start and written on SIGTERM, so a restarted server keeps its
objects and resourceVersions.
"""
import argparse
import bisect
import copy
import datetime
import json
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GW = "gateway.networking.k8s.io"
# plural -> (group, versions served, kind, namespaced)
RESOURCES = {
    "gatewayclasses": (GW, ["v1"], "GatewayClass", False),
    "gateways": (GW, ["v1"], "Gateway", True),
    "httproutes": (GW, ["v1"], "HTTPRoute", True),
    "tlsroutes": (GW, ["v1alpha2"], "TLSRoute", True),
    "tcproutes": (GW, ["v1alpha2"], "TCPRoute", True),
    "udproutes": (GW, ["v1alpha2"], "UDPRoute", True),
    "referencegrants": (GW, ["v1beta1"], "ReferenceGrant", True),
    "services": ("", ["v1"], "Service", True),
    "namespaces": ("", ["v1"], "Namespace", False),
    "secrets": ("", ["v1"], "Secret", True),
    "endpointslices": ("discovery.k8s.io", ["v1"], "EndpointSlice", True),
    "leases": ("coordination.k8s.io", ["v1"], "Lease", True),
    "ingresses": ("networking.k8s.io", ["v1"], "Ingress", True),
    "ingressclasses": ("networking.k8s.io", ["v1"], "IngressClass", False),
}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self):
        self.lock = threading.Condition()
        self.objects = {}  # (plural, ns, name) -> object
        self.rv = 100
        self.history = []  # (rv, plural, type, object), in resourceVersion order
        self.history_rvs = []  # the rv of each history entry, for bisect
        self.compacted = 0  # watches from a resourceVersion below this get 410
        self.drops = 0
        self.conflicts = 0
        self.expire_continue = 0  # the next N list pages asked with a continue token get 410
        self.log = []

    def bump(self):
        self.rv += 1
        return self.rv

    def record(self, plural, kind, obj):
        rv = int(obj["metadata"]["resourceVersion"])
        self.history.append((rv, plural, kind, copy.deepcopy(obj)))
        self.history_rvs.append(rv)
        self.lock.notify_all()

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"rv": self.rv, "objects": [[list(k), v] for k, v in self.objects.items()]}, f)

    def load(self, path):
        try:
            with open(path) as f:
                data = json.load(f)
        except FileNotFoundError:
            return
        self.rv = data["rv"]
        self.objects = {tuple(k): v for k, v in data["objects"]}
        # A restarted server has no history: every older watch must relist.
        self.compacted = self.rv + 1


STORE = Store()
ARGS = None


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def parse_path(path):
    """-> (plural, group, version, namespace or None, name or None, subresource or None)."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    ns = None
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) >= 3:
        ns, rest = rest[1], rest[2:]
    if not rest:
        return None
    plural, name, sub = rest[0], rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None
    spec = RESOURCES.get(plural)
    if spec is None or spec[0] != group or version not in spec[1]:
        return None
    return plural, group, version, ns, name, sub


def api_version(group, version):
    return version if not group else group + "/" + version


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        # Headers and body go out as two writes; without this the second waits for the
        # client's delayed ACK (40 ms per request), which no real API server does.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(n) or b"{}") if n else {}

    def authorized(self):
        if self.headers.get("Authorization") == "Bearer " + ARGS.token:
            return True
        self.reply(401, status(401, "Unauthorized", "Unauthorized"))
        return False

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        if not self.authorized():
            return
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path.startswith("/fake/"):
            return self.control(method, url.path, query)
        if method != "GET":
            with STORE.lock:
                STORE.log.append(method + " " + url.path)
        where = parse_path(url.path)
        if where is None:
            return self.reply(404, status(404, "NotFound", "the server could not find the requested resource"))
        plural, group, version, ns, name, sub = where
        if method == "GET" and name is None:
            if query.get("watch") in ("1", "true"):
                return self.watch(plural, group, version, ns, query)
            return self.list(plural, group, version, ns, query)
        if method == "POST" and name is None:
            return self.create(plural, group, version, ns, self.body())
        if name is None:
            return self.reply(405, status(405, "MethodNotAllowed", method + " needs a name"))
        key = (plural, ns or "", name)
        if method == "GET":
            with STORE.lock:
                obj = STORE.objects.get(key)
            if obj is None:
                return self.reply(404, status(404, "NotFound", '%s "%s" not found' % (plural, name)))
            return self.reply(200, self.shaped(obj, group, version))
        if method in ("PUT", "PATCH"):
            return self.update(method, key, group, version, sub, self.body())
        if method == "DELETE":
            with STORE.lock:
                obj = STORE.objects.pop(key, None)
                if obj is None:
                    return self.reply(404, status(404, "NotFound", '%s "%s" not found' % (plural, name)))
                obj["metadata"]["resourceVersion"] = str(STORE.bump())
                STORE.record(plural, "DELETED", obj)
            return self.reply(200, obj)

    def shaped(self, obj, group, version):
        out = copy.deepcopy(obj)
        out["apiVersion"] = api_version(group, version)
        return out

    def control(self, method, path, query):
        with STORE.lock:
            if path == "/fake/drop-watches":
                STORE.drops += 1
                STORE.lock.notify_all()
            elif path == "/fake/compact":
                # History is forgotten and every watch cut at once, so each watcher comes
                # back with a resourceVersion from before the compaction.
                STORE.history = []
                STORE.history_rvs = []
                STORE.compacted = STORE.rv + 1
                STORE.drops += 1
                STORE.lock.notify_all()
            elif path == "/fake/conflicts":
                STORE.conflicts = int(query.get("n", "1"))
            elif path == "/fake/expire-continue":
                STORE.expire_continue = int(query.get("n", "1"))
            elif path == "/fake/token":
                ARGS.token = query["value"]  # a rotation: only the new token is accepted from now on
            elif path == "/fake/log":
                return self.reply(200, {"writes": STORE.log})
        if path == "/fake/load":
            for obj in self.body().get("items", []):
                plural = next(p for p, s in RESOURCES.items() if s[2] == obj["kind"])
                self.store_new(plural, obj.get("metadata", {}).get("namespace"), obj)
        return self.reply(200, {"ok": True})

    def store_new(self, plural, ns, obj):
        meta = obj.setdefault("metadata", {})
        if RESOURCES[plural][3]:
            meta["namespace"] = ns or meta.get("namespace") or "default"
        key = (plural, meta.get("namespace", ""), meta.get("name", ""))
        with STORE.lock:
            if key in STORE.objects:
                return None
            meta["uid"] = str(uuid.uuid4())
            meta["generation"] = 1
            meta["creationTimestamp"] = now()
            meta["resourceVersion"] = str(STORE.bump())
            obj["kind"] = RESOURCES[plural][2]
            STORE.objects[key] = obj
            STORE.record(plural, "ADDED", obj)
        return obj

    def create(self, plural, group, version, ns, obj):
        name = obj.get("metadata", {}).get("name")
        if not name:
            return self.reply(422, status(422, "Invalid", "metadata.name: Required value"))
        # Status belongs to the controller: a create never sets it.
        obj.pop("status", None)
        made = self.store_new(plural, ns, obj)
        if made is None:
            return self.reply(409, status(409, "AlreadyExists", '%s "%s" already exists' % (plural, name)))
        return self.reply(201, self.shaped(made, group, version))

    def update(self, method, key, group, version, sub, body):
        with STORE.lock:
            old = STORE.objects.get(key)
            if old is None:
                return self.reply(404, status(404, "NotFound", '%s "%s" not found' % (key[0], key[2])))
            if sub == "status" and STORE.conflicts > 0:
                STORE.conflicts -= 1
                return self.reply(409, status(409, "Conflict", "the object has been modified; please apply your changes "
                                                               "to the latest version and try again"))
            want = body.get("metadata", {}).get("resourceVersion")
            if method == "PUT" and want and want != old["metadata"]["resourceVersion"]:
                return self.reply(409, status(409, "Conflict", "the object has been modified; please apply your changes "
                                                               "to the latest version and try again"))
            new = copy.deepcopy(old)
            if method == "PATCH":
                merge(new, body)
            elif sub == "status":
                new["status"] = body.get("status", {})
            else:
                for field in list(new):
                    if field not in ("metadata", "status", "kind", "apiVersion"):
                        del new[field]
                for field, value in body.items():
                    if field not in ("metadata", "status", "kind", "apiVersion"):
                        new[field] = value
                for field in ("labels", "annotations"):
                    if field in body.get("metadata", {}):
                        new["metadata"][field] = body["metadata"][field]
            if sub == "status":
                # The status subresource changes nothing but status.
                kept = copy.deepcopy(old)
                kept["status"] = new.get("status", {})
                new = kept
            elif "spec" in old or "spec" in new:
                new["status"] = old.get("status", {}) if "status" in old else new.get("status")
                if new.get("status") is None:
                    new.pop("status", None)
                if new.get("spec") != old.get("spec"):
                    new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            if new == old:
                return self.reply(200, self.shaped(old, group, version))
            new["metadata"]["resourceVersion"] = str(STORE.bump())
            STORE.objects[key] = new
            STORE.record(key[0], "MODIFIED", new)
        return self.reply(200, self.shaped(new, group, version))

    def matching(self, plural, ns):
        return sorted((v for k, v in STORE.objects.items() if k[0] == plural and (ns is None or k[1] == ns)),
                      key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))

    def list(self, plural, group, version, ns, query):
        start = 0
        with STORE.lock:
            if query.get("continue") and STORE.expire_continue > 0:
                STORE.expire_continue -= 1
                return self.reply(410, status(410, "Expired", "the provided continue parameter is too old"))
            everything = self.matching(plural, ns)
            rv = STORE.rv
            if query.get("continue"):
                start, rv = (int(x) for x in query["continue"].split(":"))
            limit = int(query.get("limit", "0") or 0)
            end = len(everything) if limit <= 0 else min(len(everything), start + limit)
            items = [copy.deepcopy(o) for o in everything[start:end]]
        meta = {"resourceVersion": str(rv)}
        if end < len(everything):
            meta["continue"] = "%d:%d" % (end, rv)
        for item in items:
            item.pop("kind", None)
            item.pop("apiVersion", None)
        self.reply(200, {"kind": RESOURCES[plural][2] + "List", "apiVersion": api_version(group, version),
                         "metadata": meta, "items": items})

    def chunk(self, obj):
        data = (json.dumps(obj) + "\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, plural, group, version, ns, query):
        since = int(query.get("resourceVersion", "0") or 0)
        bookmarks = query.get("allowWatchBookmarks") in ("1", "true")
        deadline = time.time() + float(query.get("timeoutSeconds", "1800"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with STORE.lock:
            drops = STORE.drops
        if since and since < STORE.compacted:
            self.chunk({"type": "ERROR", "object": status(410, "Expired", "too old resource version: %d (%d)" %
                                                          (since, STORE.compacted - 1))})
            return self.finish_stream()
        sent = since
        last_bookmark = time.time()
        while time.time() < deadline:
            with STORE.lock:
                if STORE.drops != drops:
                    # Gone without a goodbye: no final chunk, the socket just closes.
                    self.close_connection = True
                    return
                start = bisect.bisect_right(STORE.history_rvs, sent)
                events = [(rv, kind, obj) for rv, p, kind, obj in STORE.history[start:] if p == plural and
                          (ns is None or obj["metadata"].get("namespace") == ns)]
                if not events and bookmarks and time.time() - last_bookmark > ARGS.bookmark_s:
                    events = [(STORE.rv, "BOOKMARK", {"kind": RESOURCES[plural][2], "apiVersion":
                               api_version(group, version), "metadata": {"resourceVersion": str(STORE.rv)}})]
                    last_bookmark = time.time()
                if not events:
                    STORE.lock.wait(0.2)
                    continue
            for rv, kind, obj in events:
                self.chunk({"type": kind, "object": obj if kind == "BOOKMARK" else self.shaped(obj, group, version)})
                sent = max(sent, rv)
        self.finish_stream()

    def finish_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def merge(target, patch):
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        elif isinstance(v, dict) and isinstance(target.get(k), dict):
            merge(target[k], v)
        else:
            target[k] = copy.deepcopy(v)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--state")
    p.add_argument("--bookmark-s", type=float, default=1.0)
    ARGS = p.parse_args()
    if ARGS.state:
        STORE.load(ARGS.state)
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)

    def stop(*_):
        if ARGS.state:
            with STORE.lock:
                STORE.save(ARGS.state)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("fake-apiserver: serving on https://127.0.0.1:%d" % ARGS.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
