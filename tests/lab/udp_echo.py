#!/usr/bin/env python3
"""A lab UDP backend: answers every datagram with its name, a space, and the datagram.
usage: udp_echo.py NAME ADDRESS PORT"""
import socket
import sys

NAME, ADDRESS, PORT = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
sock = socket.socket(socket.AF_INET6 if ":" in ADDRESS else socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((ADDRESS, PORT))
while True:
    data, peer = sock.recvfrom(65535)
    sock.sendto(NAME + b" " + data, peer)
