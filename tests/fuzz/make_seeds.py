#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora under tests/fuzz/corpus/: well-formed inputs of
each kind (requests, responses, ClientHellos, frame conversations, configs, manifests,
API objects), from which libFuzzer's mutations start. Rerun after changing it; inputs
that once broke a target are added to the folders by hand and never regenerated."""

import json
import pathlib
import ssl
import struct

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fuzz/corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# --- HTTP request heads -------------------------------------------------------------
REQUESTS = {
    "get": "GET /api/v1/query?q=up HTTP/1.1\r\nHost: a.example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    "absolute_form": "GET http://b.example.com:8080/x?y=1 HTTP/1.1\r\nHost: ignored.example.com\r\n\r\n",
    "http10_no_host": "GET / HTTP/1.0\r\n\r\n",
    "folded": "GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Long: one\r\n two\r\n\r\n",
    "post_chunked": "POST /edit/form HTTP/1.1\r\nHost: a.example.com\r\nTransfer-Encoding: chunked\r\n"
                    "Expect: 100-continue\r\nX-Remove: yes\r\n\r\n",
    "ipv6_host": "OPTIONS * HTTP/1.1\r\nHost: [2001:db8::100]:80\r\n\r\n",
    "upgrade": "GET /chat HTTP/1.1\r\nHost: ws.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "bare_lf": "HEAD /old/page HTTP/1.1\nHost: A.Example.COM\nX-Forwarded-For: 203.0.113.9\n\n",
    "smuggle": "POST / HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
}
for name, text in REQUESTS.items():
    write("http_request_head", name, text)

# --- Backend responses: [read size][method bit] then the response ------------------
RESPONSES = {
    "length": (7, 0, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: backend\r\n\r\nhelloHTTP/1.1 200 OK\r\n"),
    "chunked": (3, 0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\nNEXT"),
    "close": (64, 0, "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nuntil the end"),
    "head": (1, 1, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
    "no_content": (9, 0, "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"),
    "continue": (0, 0, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    "switching": (5, 0, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00"),
    "bad_chunk": (2, 0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\nzz\r\n"),
}
for name, (step, method, text) in RESPONSES.items():
    write("http_response", name, bytes([step, method]) + text.encode("latin-1"))


# --- TLS ClientHellos --------------------------------------------------------------
def client_hello(sni, alpn=(), record_size=16384):
    ext = b""
    if sni:
        name = sni.encode()
        entry = b"\x00" + struct.pack("!H", len(name)) + name
        ext += struct.pack("!HH", 0, len(entry) + 2) + struct.pack("!H", len(entry)) + entry
    if alpn:
        protos = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
        ext += struct.pack("!HHH", 16, len(protos) + 2, len(protos)) + protos
    body = b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += struct.pack("!H", len(ext)) + ext
    message = b"\x01" + struct.pack("!I", len(body))[1:] + body
    records = b""
    for at in range(0, len(message), record_size):
        piece = message[at:at + record_size]
        records += b"\x16\x03\x01" + struct.pack("!H", len(piece)) + piece
    return records


write("client_hello", "sni_alpn", client_hello("app.example.com", ["h2", "http/1.1"]))
write("client_hello", "no_sni", client_hello("", ["http/1.1"]))
write("client_hello", "split_records", client_hello("Split.Example.com", ["http/1.1"], record_size=20))
write("client_hello", "long_name", client_hello("a" * 63 + "." + "b" * 63 + ".example.com"))

# --- TLS records: [case] then a client stream (even case) or cut and flips (odd) -----
write("tls_records", "hello_then_garbage", b"\x00" + client_hello("shop.example.com", ["http/1.1"]) + b"\x17\x03\x03\x00\x10" + b"x" * 16)
write("tls_records", "whole_tls13", b"\x01\xff\xff")
write("tls_records", "whole_tls12", b"\x03\xff\xff")
write("tls_records", "cut_tls13", b"\x01\x00\x30")
write("tls_records", "flipped_tls12", b"\x03\xff\xff\x00\x20\x01\x00\x05\x80")

# --- Reassembly: (offset, length) pairs --------------------------------------------
write("reassembly", "in_order", b"".join(struct.pack("<HH", o, 100) for o in range(0, 1000, 100)))
write("reassembly", "reversed", b"".join(struct.pack("<HH", o, 100) for o in range(900, -1, -100)))
write("reassembly", "holes", b"".join(struct.pack("<HH", o, 50) for o in (200, 400, 600, 800, 1000, 0, 50, 100)))

# --- PROXY v2 keys -------------------------------------------------------------------
write("proxy_v2", "v4", bytes([0]) + bytes(12) + bytes([192, 0, 2, 1]) + bytes(12) + bytes([192, 0, 2, 100])
      + struct.pack("!HH", 40000, 443))
write("proxy_v2", "v6", bytes([1]) + bytes.fromhex("20010db8000000000000000000000001")
      + bytes.fromhex("20010db8000000000000000000000100") + struct.pack("!HH", 40000, 443))

# --- Frame conversations -------------------------------------------------------------
CLIENT = bytes.fromhex("020000000001")
CLIENT_PORT = bytes.fromhex("02005e005302")
BACKEND_PORT = bytes.fromhex("02005e005312")
BACKEND = bytes.fromhex("02be00000011")
BROADCAST = b"\xff" * 6
FIX, REPLY, BACKEND_SIDE = 2, 4, 1


def v4(text):
    return bytes(int(x) for x in text.split("."))


def ipv4(src, dst, proto, payload):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, v4(src), v4(dst)) + payload


def tcp(sport, dport, flags, payload=b"", seq=1000, ack=0, options=b""):
    offset = (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, offset << 4, flags, 65535, 0, 0) + options + payload


def eth(dst, src, kind, payload):
    return dst + src + struct.pack("!H", kind) + payload


def record(control, frame, wait_ms=0):
    return bytes([control | (wait_ms // 50) << 3]) + struct.pack("<H", len(frame)) + frame


SYN_OPTIONS = bytes.fromhex("020405b4") + bytes.fromhex("0103030a") + bytes.fromhex("04020000")  # MSS, WS, SACK-ok


def client_tcp(dport, flags, payload=b"", options=b""):
    return eth(CLIENT_PORT, CLIENT, 0x0800, ipv4("198.18.0.1", "192.0.2.100", 6, tcp(40000, dport, flags, payload,
                                                                                     options=options)))


def backend_tcp(flags, payload=b"", options=b""):
    return eth(BACKEND_PORT, BACKEND, 0x0800, ipv4("198.51.100.11", "198.51.100.2", 6, tcp(8080, 1, flags, payload,
                                                                                          options=options)))


def conversation(dport, first_bytes, response):
    return b"".join([
        record(FIX, client_tcp(dport, 0x02, options=SYN_OPTIONS)),
        record(FIX | REPLY, client_tcp(dport, 0x18, first_bytes)),
        record(FIX | REPLY | BACKEND_SIDE, backend_tcp(0x12, options=SYN_OPTIONS)),
        record(FIX | REPLY | BACKEND_SIDE, backend_tcp(0x10)),
        record(FIX | REPLY | BACKEND_SIDE, backend_tcp(0x18, response)),
        record(FIX | REPLY, client_tcp(dport, 0x10)),
        record(FIX | REPLY, client_tcp(dport, 0x11), wait_ms=200),
        record(FIX | REPLY | BACKEND_SIDE, backend_tcp(0x11), wait_ms=200),
        record(FIX | REPLY, client_tcp(dport, 0x10), wait_ms=1000),
    ])


RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
write("frames", "http_proxy", conversation(80, REQUESTS["get"].encode(), RESPONSE))
write("frames", "http_proxy_filters", conversation(80, b"POST /edit/x HTTP/1.1\r\nHost: a.example.com\r\n"
                                                       b"Content-Length: 4\r\nX-Remove: 1\r\n\r\nbody", RESPONSE))
write("frames", "http_redirect", conversation(80, b"GET /old/x HTTP/1.1\r\nHost: a.example.com\r\n\r\n", RESPONSE))
write("frames", "http_splice", conversation(8080, REQUESTS["get"].encode(), RESPONSE))
write("frames", "tls_relay", conversation(443, client_hello("app.example.com", ["http/1.1"]), b"\x16\x03\x03\x00\x00"))


def real_client_hello(sni):
    """A ClientHello as Python's OpenSSL client sends it (key shares and all)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def terminated(sni):
    """A ClientHello for a listener that terminates TLS: the appliance answers with its
    flight, the client acknowledges it, stalls past the silence grace, then closes."""
    return b"".join([
        record(FIX, client_tcp(443, 0x02, options=SYN_OPTIONS)),
        record(FIX | REPLY, client_tcp(443, 0x18, real_client_hello(sni))),
        record(FIX | REPLY, client_tcp(443, 0x10)),
        record(FIX | REPLY, client_tcp(443, 0x10), wait_ms=200),
        record(FIX | REPLY, client_tcp(443, 0x11), wait_ms=200),
        record(FIX | REPLY, client_tcp(443, 0x10), wait_ms=1000),
    ])


write("frames", "https_handshake", terminated("secure.example.com"))
write("frames", "tls_terminate_handshake", terminated("stream.example.com"))
write("frames", "l4_tcp", b"".join([
    record(FIX, client_tcp(81, 0x02, options=SYN_OPTIONS)),
    record(FIX | REPLY | BACKEND_SIDE, backend_tcp(0x12)),
    record(FIX | REPLY, client_tcp(81, 0x10, b"data")),
    record(FIX | REPLY | BACKEND_SIDE, backend_tcp(0x14), wait_ms=100),
]))
write("frames", "l4_udp", record(FIX, eth(CLIENT_PORT, CLIENT, 0x0800, ipv4("198.18.0.1", "192.0.2.100", 17,
                                                                             struct.pack("!HHHH", 5300, 53, 12, 0) + b"dns?"))))
write("frames", "arp_icmp", b"".join([
    record(0, eth(BROADCAST, CLIENT, 0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, CLIENT, v4("192.0.2.1"),
                                                        bytes(6), v4("192.0.2.100")))),
    record(FIX, eth(CLIENT_PORT, CLIENT, 0x0800, ipv4("192.0.2.1", "192.0.2.100", 1,
                                                      struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"))),
]))
vip6 = bytes.fromhex("20010db8000000000000000000000100")
client6 = bytes.fromhex("20010db8000000000000000000000001")
solicit = struct.pack("!BBHI", 135, 0, 0, 0) + vip6 + b"\x01\x01" + CLIENT
write("frames", "ndp", record(FIX, eth(bytes.fromhex("3333ff000100"), CLIENT, 0x86dd,
                                       struct.pack("!IHBB", 0x60000000, len(solicit), 58, 255) + client6
                                       + bytes.fromhex("ff0200000000000000000001ff000100") + solicit)))

# --- Configuration files and manifests -----------------------------------------------
write("dataplane_config", "default", (ROOT / "configs/dataplane.yaml").read_text())
write("controlplane_config", "default", (ROOT / "configs/controlplane.yaml").read_text())
manifests = sorted((ROOT / "configs/examples").rglob("*.yaml"))
for path in manifests:
    write("manifests", path.stem, path.read_text())
write("manifests", "all", "\n---\n".join(p.read_text() for p in manifests))
# The lab's routes, every filter among them.
for script in ("http_filters", "http_proxy"):
    text = (ROOT / "tests/lab" / f"{script}.sh").read_text()
    start = text.index("<<'YAML'\n") + len("<<'YAML'\n")
    write("manifests", f"lab_{script}", text[start:text.index("\nYAML\n", start)])

# --- Kubernetes API objects: [kind index] JSON, NUL-separated -------------------------
KINDS = ["GatewayClass", "Gateway", "HTTPRoute", "TLSRoute", "ReferenceGrant", "Service", "EndpointSlice",
         "Namespace", "Secret"]
objects = []
for path in manifests:
    for doc in yaml.safe_load_all(path.read_text()):
        if doc and doc.get("kind") in KINDS:
            objects.append(bytes([KINDS.index(doc["kind"])]) + json.dumps(doc).encode())
write("k8s_objects", "examples", b"\0".join(objects))
for i, obj in enumerate(objects[:6]):
    write("k8s_objects", f"object_{i}", obj)
