#!/usr/bin/env python3
"""Sends malformed frames at the dataplane's client port as fast as one core can, for a
number of seconds, from a raw socket: random bytes; Ethernet frames with truncated,
lying or inconsistent IPv4 and IPv6 headers; IPv6 extension chains; fragments; TCP to
the VIP's listener and L4 ports with every flag combination, random sequence numbers and
bad data offsets; UDP with bad lengths; ARP with random fields; stacked VLAN tags.
Seeded, so every run sends the same frames. Prints how many were sent.

usage: malformed_frames.py IFACE DST_MAC SECONDS [SEED]"""

import random
import socket
import struct
import sys
import time

VIP = bytes([192, 0, 2, 100])
VIP6 = bytes.fromhex("20010db8000000000000000000000100")
SRC = bytes([192, 0, 2, 250])
SRC6 = bytes.fromhex("20010db80000000000000000000000fa")
PORTS = (80, 81, 443, 8080, 53, 9)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(rng, proto, payload, valid_lengths=True):
    ihl = 5 if rng.random() < 0.8 else rng.randrange(0, 16)
    options = bytes(rng.randrange(256) for _ in range(max(0, ihl - 5) * 4))
    total = 20 + len(options) + len(payload) if valid_lengths else rng.randrange(0, 65536)
    frag = 0 if rng.random() < 0.8 else rng.randrange(0, 65536)
    head = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total & 0xFFFF, rng.randrange(65536), frag, 64, proto, 0,
                       SRC, VIP) + options
    if rng.random() < 0.9:
        head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head + payload


def tcp(rng):
    offset = 5 if rng.random() < 0.7 else rng.randrange(0, 16)
    options = bytes(rng.randrange(256) for _ in range(max(0, offset - 5) * 4))
    payload = bytes(rng.randrange(256) for _ in range(rng.choice((0, 0, 1, 40, 300))))
    if rng.random() < 0.3:
        payload = b"GET / HTTP/1.1\r\nHost: app.example.com\r\n" + payload
    return struct.pack("!HHIIBBHHH", rng.randrange(1024, 65536), rng.choice(PORTS), rng.randrange(1 << 32),
                       rng.randrange(1 << 32), offset << 4, rng.randrange(256), rng.randrange(65536), 0,
                       rng.randrange(65536)) + options + payload


def frame(rng, dst_mac, src_mac):
    kind = rng.randrange(9)
    if kind == 0:  # random bytes, sometimes addressed to the port
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        return (dst_mac if rng.random() < 0.5 else b"") + body
    eth = lambda ethertype, payload: dst_mac + src_mac + struct.pack("!H", ethertype) + payload
    if kind == 1:  # a truncated IPv4 or IPv6 header
        whole = ipv4(rng, 6, tcp(rng)) if rng.random() < 0.5 else struct.pack("!IHBB", 0x60000000, 20, 6, 64) + SRC6 + VIP6
        return eth(0x0800 if whole[0] >> 4 == 4 else 0x86DD, whole[:rng.randrange(0, 40)])
    if kind == 2:  # IPv4 with lying lengths, options and fragment fields
        return eth(0x0800, ipv4(rng, rng.choice((1, 6, 17, 47, 255)), tcp(rng), valid_lengths=rng.random() < 0.5))
    if kind == 3:  # IPv6 extension header chains
        chain = b""
        nexts = [rng.choice((0, 43, 44, 60, 51, 135, 6, 17, 58, 59)) for _ in range(rng.randrange(1, 12))]
        for i, nh in enumerate(nexts[1:] + [6]):
            chain += bytes([nh, rng.randrange(4)]) + bytes(rng.randrange(256) for _ in range(6))
        payload = chain + tcp(rng)
        length = len(payload) if rng.random() < 0.7 else rng.randrange(65536)
        return eth(0x86DD, struct.pack("!IHBB", 0x60000000, length, nexts[0], 64) + SRC6 + VIP6 + payload)
    if kind == 4:  # TCP: every flag combination, any sequence numbers
        return eth(0x0800, ipv4(rng, 6, tcp(rng)))
    if kind == 5:  # UDP with bad lengths
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
        udp = struct.pack("!HHHH", rng.randrange(65536), rng.choice(PORTS), rng.randrange(65536), 0) + data
        return eth(0x0800, ipv4(rng, 17, udp))
    if kind == 6:  # fragments
        head = ipv4(rng, rng.choice((6, 17)), tcp(rng))
        frag = struct.pack("!H", rng.randrange(1, 0x2000) | (0x2000 if rng.random() < 0.5 else 0))
        head = head[:6] + frag + head[8:10] + b"\0\0" + head[12:]
        head = head[:10] + struct.pack("!H", checksum(head[:20])) + head[12:]
        return eth(0x0800, head)
    if kind == 7:  # ARP with random fields
        arp = struct.pack("!HHBBH6s4s6s4s", rng.choice((1, 6)), rng.choice((0x0800, 0x86DD)), rng.choice((6, 4)),
                          rng.choice((4, 16)), rng.randrange(5), src_mac, SRC, bytes(6), VIP)
        return dst_mac + src_mac + b"\x08\x06" + arp[:rng.randrange(1, len(arp) + 1)]
    tags = b"".join(struct.pack("!HH", rng.choice((0x8100, 0x88A8)), rng.randrange(65536)) for _ in range(rng.randrange(1, 5)))
    return dst_mac + src_mac + tags + struct.pack("!H", 0x0800) + ipv4(rng, 6, tcp(rng))


def main():
    iface, dst, seconds = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), float(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    src = sock.getsockname()[4]
    frames = [frame(rng, dst, src) for _ in range(20000)]
    # Short frames are padded to Ethernet's minimum, as a NIC would; shorter than a header
    # the kernel refuses them.
    frames = [f + bytes(max(0, 60 - len(f))) if len(f) >= 14 else f for f in frames]
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for f in frames:
            try:
                sock.send(f)
                sent += 1
            except OSError:
                pass  # a frame the kernel will not send (shorter than a header): skipped
            if sent % 1000 == 0 and time.monotonic() >= end:
                break
    print(sent)


if __name__ == "__main__":
    main()
