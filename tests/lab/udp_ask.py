#!/usr/bin/env python3
"""Asks a UDP service N times, each from a new source port, and prints each answer's first
word (the backend's name), or "-" when none came within a second.
usage: udp_ask.py ADDRESS PORT N"""
import socket
import sys

ADDRESS, PORT, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(N):
    sock = socket.socket(socket.AF_INET6 if ":" in ADDRESS else socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1.0)
    sock.sendto(b"ask %d" % i, (ADDRESS, PORT))
    try:
        data = sock.recv(65535)
        print(data.split(b" ", 1)[0].decode() if data.endswith(b"ask %d" % i) else "-")
    except socket.timeout:
        print("-")
    sock.close()
