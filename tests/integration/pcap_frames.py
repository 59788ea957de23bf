# SPDX-License-Identifier: MIT
"""Whole-frame captures for the capture-path tests (SPEC §3, §4): tcpdump
with nanosecond stamps and full snap length in a namespace, and a reader
for its Ethernet pcap that takes PTP apart over UDPv4, UDPv6 and L2
(0x88F7), with or without one 802.1Q/802.1ad tag in the frame, the way an
independent observer would -- written from the standards, not from the
daemon's decoder.

netns.read_pcap handles IPv4/UDP only and stays as it is; this module is
its whole-frame counterpart.
"""

import ipaddress
import signal
import struct
import subprocess

import netns

PTP_FILTER = "ether proto 0x88f7 or udp port 319 or udp port 320"

ETH_P_IP, ETH_P_IPV6, ETH_P_1588 = 0x0800, 0x86DD, 0x88F7
VLAN_TPIDS = (0x8100, 0x88A8)

# messageTypes whose body starts with an originTimestamp the frames carry
# as originNs (SPEC §4: SYNC/DELAY_REQ originTimestamp, FOLLOW_UP
# preciseOriginTimestamp; PDELAY_REQ as well).
ORIGIN_TYPES = (0, 1, 2, 8)
DELAY_RESP, PDELAY_RESP = 9, 3


class Capture:
    """tcpdump -w in a namespace: whole frames (-s 0), nanosecond stamps
    in a nanosecond pcap, each packet written as it arrives (without
    --immediate-mode libpcap hands packets over a ring block at a time,
    and the last second of a capture dies with tcpdump at SIGINT)."""

    def __init__(self, pair, ns, ifname, path, bpf=PTP_FILTER):
        self.path = path
        self.errpath = path + ".err"
        self.errf = open(self.errpath, "w")
        # -Z root: Debian's tcpdump otherwise drops to its own user, which
        # cannot write into our private directory.
        self.proc = subprocess.Popen(
            pair.exec_argv(ns, ["tcpdump", "-i", ifname, "-n", "-U", "-Z",
                                "root", "-s", "0", "--immediate-mode",
                                "--time-stamp-precision=nano", "-w", path,
                                bpf]),
            stdout=subprocess.DEVNULL, stderr=self.errf)

    def _err(self):
        with open(self.errpath) as f:
            return f.read()

    def wait_listening(self, timeout=5):
        netns.wait_for(lambda: "listening on" in self._err() or
                       self.proc.poll() is not None, timeout)
        return "listening on" in self._err()

    def stop(self):
        netns.kill_proc(self.proc, signal.SIGINT)
        self.errf.close()
        return read(self.path)


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def read(path):
    """The packets of an Ethernet pcap (either byte order, micro- or
    nanosecond variant) as dicts: ts (ns), dst_mac, src_mac, vlan (VID or
    None), transport ("udp4", "udp6", "l2" or None when not PTP-shaped),
    src/dst (IP text; the MACs for L2), dport, payload (PTP bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    table = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),
             b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1)}
    if data[:4] not in table:
        raise ValueError("not a pcap file: %r" % data[:4])
    end, mult = table[data[:4]]
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("linktype %d, expected Ethernet" % linktype)
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        rec = decode_frame(frame)
        if rec is not None:
            rec["ts"] = sec * 1000000000 + frac * mult
            rec["nano"] = mult == 1
            out.append(rec)
    return out


def decode_frame(frame):
    """One Ethernet frame (IEEE 802.3, RFC 791/8200/768, IEEE 1588 Annex
    C/D/F); None when it is too short to hold an Ethernet header."""
    if len(frame) < 14:
        return None
    rec = {"dst_mac": mac_str(frame[0:6]), "src_mac": mac_str(frame[6:12]),
           "vlan": None, "transport": None, "src": None, "dst": None,
           "dport": None, "payload": b""}
    etype = struct.unpack(">H", frame[12:14])[0]
    off = 14
    # libpcap puts the tag the kernel stripped back into the frame.
    if etype in VLAN_TPIDS and len(frame) >= off + 4:
        rec["vlan"] = struct.unpack(">H", frame[off:off + 2])[0] & 0x0fff
        etype = struct.unpack(">H", frame[off + 2:off + 4])[0]
        off += 4
    body = frame[off:]
    if etype == ETH_P_1588:
        rec.update(transport="l2", src=rec["src_mac"], dst=rec["dst_mac"],
                   payload=bytes(body))
    elif etype == ETH_P_IP and len(body) >= 20 and body[0] >> 4 == 4:
        ihl = (body[0] & 0x0f) * 4
        frag = struct.unpack(">H", body[6:8])[0]
        if body[9] == 17 and not frag & 0x3fff and len(body) >= ihl + 8:
            udp = body[ihl:]
            ulen = struct.unpack(">H", udp[4:6])[0]
            rec.update(transport="udp4",
                       src=str(ipaddress.IPv4Address(body[12:16])),
                       dst=str(ipaddress.IPv4Address(body[16:20])),
                       dport=struct.unpack(">H", udp[2:4])[0],
                       payload=bytes(udp[8:ulen]))
    elif etype == ETH_P_IPV6 and len(body) >= 48 and body[0] >> 4 == 6:
        if body[6] == 17:
            udp = body[40:]
            ulen = struct.unpack(">H", udp[4:6])[0]
            rec.update(transport="udp6",
                       src=str(ipaddress.IPv6Address(body[8:24])),
                       dst=str(ipaddress.IPv6Address(body[24:40])),
                       dport=struct.unpack(">H", udp[2:4])[0],
                       payload=bytes(udp[8:ulen]))
    return rec


def port_id(b):
    c = b[:8].hex()
    return "%s.%s.%s-%d" % (c[:6], c[6:10], c[10:16],
                           struct.unpack(">H", b[8:10])[0])


def ptp_ts(b):
    return int.from_bytes(b[:6], "big") * 1000000000 + \
        struct.unpack(">I", b[6:10])[0]


def correction_ns(scaled):
    """correctionField (ns * 2^16) rounded to ns, half away from zero."""
    q, r = divmod(abs(scaled), 65536)
    q += r >= 32768
    return q if scaled >= 0 else -q


def expected_frame(rec, host_mac):
    """The frame keys SPEC §4 says a receiver of this packet publishes,
    worked out from the packet alone; None when the payload is not a
    PTPv2 message. host_mac: the receiving interface's MAC (a frame to it
    is unicast, to a group is not)."""
    p = rec["payload"]
    if rec["transport"] is None or len(p) < 34 or (p[1] & 0x0f) != 2:
        return None
    t = p[0] & 0x0f
    want = {"msgType": t, "seqId": struct.unpack(">H", p[30:32])[0],
            "domain": p[4], "src": port_id(p[20:30]),
            "correctionNs": correction_ns(struct.unpack(">q", p[8:16])[0])}
    if t == 0:
        want["twoStep"] = bool(p[6] & 0x02)
    if t in ORIGIN_TYPES and len(p) >= 44:
        want["originNs"] = str(ptp_ts(p[34:44]))
    if t == DELAY_RESP and len(p) >= 54:
        want["receiveNs"] = str(ptp_ts(p[34:44]))
        want["reqPort"] = port_id(p[44:54])
    if t == PDELAY_RESP and len(p) >= 54:
        want["reqPort"] = port_id(p[44:54])
    want["transport"] = rec["transport"]
    if rec["vlan"] is not None:
        want["vlan"] = rec["vlan"]
    want["unicast"] = rec["dst_mac"] == host_mac.lower()
    return want


def ptp_records(recs, host_mac):
    """(record, expected frame) for each PTP packet of a capture."""
    out = []
    for r in recs:
        w = expected_frame(r, host_mac)
        if w is not None:
            out.append((r, w))
    return out
