#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A pmc-equivalent PTP management client over ptp4l's UDS, for
capture_mgmt.sh: sends what `pmc -u -b 0 -z` sends (one MANAGEMENT TLV,
empty for a GET; targetPortIdentity all ones; boundaryHops 0) from its own
bound datagram path, and saves every request and reply as OUTDIR/NAME.bin.

usage: mgmt_client.py OUTDIR CLIENT_PATH STEP...
  STEP is one of
    get:NAME:UDS:MID                save the request as NAME.req.bin and the
                                    reply as NAME.bin
    set:NAME:UDS:MID:HEXDATA        the same for a SET
    push:NAME:SECONDS[:STATE]       wait for an unsolicited PORT_DATA_SET
                                    (boundaryHops 1, as ptp4l sends
                                    notifications) in portState STATE
    sleep:SECONDS
    sh:COMMAND                      run COMMAND with /bin/sh
Prints one line per step: name, length, action, managementId (or error).
"""

import os
import socket
import struct
import subprocess
import sys
import time

# The client's portIdentity: a made-up clockIdentity, portNumber 32767 (the
# sidecar's default --port-number).
CLOCK_ID = bytes.fromhex("74626cfffe6b0001")
PORT = 32767

seq = 0
pending = []  # pushes that arrived while waiting for a reply


def request(action, mid, data=b""):
    global seq
    if len(data) % 2:
        data += b"\0"
    tlv = struct.pack(">HHH", 0x0001, 2 + len(data), mid) + data
    length = 48 + len(tlv)
    hdr = struct.pack(">BBHBBH8s4s8sHHBb", 0x0d, 0x02, length, 0, 0, 0,
                      b"\0" * 8, b"\0" * 4, CLOCK_ID, PORT, seq, 4, 0x7f)
    body = b"\xff" * 10 + struct.pack(">BBBB", 0, 0, action, 0)
    seq += 1
    return hdr + body + tlv


def describe(b):
    action = b[46] & 0x0f
    hops = b[45]
    ttype, tlen = struct.unpack(">HH", b[48:52])
    if ttype == 0x0002:
        err, mid = struct.unpack(">HH", b[52:56])
        return "action %d hops %d error 0x%04x id 0x%04x" % (action, hops,
                                                             err, mid)
    mid = struct.unpack(">H", b[52:54])[0]
    extra = ""
    if mid == 0x2004 and tlv_len_ok(tlen, 26):
        extra = " portState %d" % b[54 + 10]
    if mid == 0xc004 and tlen >= 2 + 13:
        extra = " port %d portState %d interface %r" % (
            struct.unpack(">H", b[54 + 8:54 + 10])[0], b[54 + 10],
            b[54 + 13:54 + 13 + b[54 + 12]].decode())
    return "action %d hops %d id 0x%04x len %d%s" % (action, hops, mid,
                                                     tlen, extra)


def tlv_len_ok(tlen, n):
    return tlen == 2 + n


def is_push(b):
    # ptp4l builds notifications as replies to a GET with boundaryHops 1;
    # replies to us carry startingBoundaryHops - boundaryHops = 0.
    return len(b) >= 54 and b[44] == 1 and b[45] == 1


def save(out, name, b):
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(b)


def reply(sock, want_seq, timeout=3.0):
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise SystemExit("no reply to sequenceId %d" % want_seq)
        sock.settimeout(left)
        b = sock.recv(1500)
        if is_push(b):
            pending.append(b)
            continue
        if struct.unpack(">H", b[30:32])[0] == want_seq:
            return b


def push(sock, seconds, state):
    end = time.monotonic() + seconds
    while True:
        for b in pending:
            if state is None or b[64] == state:
                pending.remove(b)
                return b
        left = end - time.monotonic()
        if left <= 0:
            raise SystemExit("no PORT_DATA_SET push in %s s" % seconds)
        sock.settimeout(left)
        b = sock.recv(1500)
        if is_push(b):
            pending.append(b)


def main():
    out, client = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    # ptp4l answers only a bound client (LAB.md); "@NAME" binds NAME in the
    # abstract namespace, as the sidecar does
    sock.bind("\0" + client[1:] if client.startswith("@") else client)
    for step in sys.argv[3:]:
        if step.startswith("sh:"):
            subprocess.run(["/bin/sh", "-c", step[3:]], check=True)
            continue
        f = step.split(":")
        if f[0] in ("get", "set"):
            name, uds, mid = f[1], f[2], int(f[3], 16)
            data = bytes.fromhex(f[4]) if f[0] == "set" else b""
            q = request(0 if f[0] == "get" else 1, mid, data)
            save(out, name + ".req", q)
            sock.sendto(q, uds)
            b = reply(sock, seq - 1)
            save(out, name, b)
            print("%-24s %3d bytes  %s" % (name, len(b), describe(b)))
        elif f[0] == "push":
            state = int(f[3]) if len(f) > 3 else None
            b = push(sock, float(f[2]), state)
            save(out, f[1], b)
            print("%-24s %3d bytes  %s" % (f[1], len(b), describe(b)))
        elif f[0] == "sleep":
            time.sleep(float(f[1]))
        else:
            raise SystemExit("unknown step " + step)


if __name__ == "__main__":
    main()
