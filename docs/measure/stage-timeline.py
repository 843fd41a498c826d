#!/usr/bin/env python3
"""Follows each reading through the system calls docs/measure/stage-trace.sh recorded; prints its stages.

usage: stage-timeline.py TRACE.txt PIDS.txt

A reading's chain, all on this machine's one clock:
  sensor   pwrite64 of the outbox line (>= 200 bytes)       the reading is in the outbox (stamped just before)
  sensor   sendto of the PUBLISH (header and payload in two calls with MQTTnet's packet fragmentation, else one)
  broker   epoll_wait returns, then write (>= 200 bytes)     Mosquitto forwards it to the actuator
  actuator epoll_wait returns                                .NET's socket thread sees the data
  actuator recvfrom (>= 200 bytes)                          a thread reads the PUBLISH
  actuator pwrite64 of the applied-journal line (48..127)    judged and recorded; the decision's latency ends right after

The same sizes hold on the secure pipeline: there the sends and receives are TLS records of the same packets (a sealed
reading's PUBLISH is > 200 bytes, a PUBACK's record < 200), and the outbox keeps the reading before it is sealed, so
"outbox written -> PUBLISH's first write" includes the seal.
"""
import re
import statistics
import sys

LINE = re.compile(r"^\s*(.*?)\s+(\d+)/(\d+)\s+([\d.]+):\s+syscalls:(\w+):\s*(.*)$")
SIZE = re.compile(r"(?:len|count): 0x([0-9a-f]+)")


def roles(pids_file):
    out = {}
    for line in open(pids_file):
        if line.strip():
            pid = line.split()[0]
            out[pid] = "broker" if "mosquitto" in line else "sensor" if "Sensor" in line else "actuator"
    return out


def events(trace_file, role_of):
    out = []
    for line in open(trace_file):
        m = LINE.match(line)
        if not m or m.group(2) not in role_of:
            continue
        _, pid, _, t, name, args = m.groups()
        size = SIZE.search(args)
        if size:
            n = int(size.group(1), 16)
        elif name.startswith("sys_exit"):
            value = int(args.split()[0], 16)
            n = value if value < 1 << 40 else -1  # a negative return (EAGAIN) reads as a huge unsigned number
        else:
            n = None
        out.append((float(t) * 1e6, role_of[pid], name, n))
    out.sort()
    return out


STAGES = [
    ("sensor: outbox written -> PUBLISH's first write", "outbox", "header"),
    ("sensor: PUBLISH's first write -> its last (fragmentation)", "header", "payload"),
    ("broker: PUBLISH written -> broker wakes", "payload", "broker_wake"),
    ("broker: wakes -> forwards to the actuator", "broker_wake", "broker_write"),
    ("actuator: broker's write -> socket thread wakes", "broker_write", "actuator_wake"),
    ("actuator: socket thread wakes -> PUBLISH read", "actuator_wake", "actuator_read"),
    ("actuator: PUBLISH read -> judged, journal written", "actuator_read", "journal"),
    ("total: outbox written -> journal written", "outbox", "journal"),
]


def chains(evs):
    """Walks the events in time order; a chain starts at an outbox write and ends at the next journal write."""
    chain = None
    for t, role, name, n in evs:
        big = n is not None and n >= 200
        if role == "sensor" and name == "sys_enter_pwrite64" and big:
            chain = {"outbox": t}
        elif chain is None:
            continue
        elif role == "sensor" and name == "sys_enter_sendto" and n and n > 4 and "broker_wake" not in chain:
            # MQTTnet's default writes the header and the payload in two calls; without packet fragmentation, in one.
            chain.setdefault("header", t)
            chain["payload"] = t
        elif role == "broker" and name == "sys_exit_epoll_wait" and "payload" in chain and "broker_wake" not in chain:
            chain["broker_wake"] = t
        elif role == "broker" and name == "sys_enter_write" and big and "broker_wake" in chain and "broker_write" not in chain:
            chain["broker_write"] = t
        elif role == "actuator" and name == "sys_exit_epoll_wait" and "broker_write" in chain and "actuator_read" not in chain:
            chain["actuator_wake"] = t  # the last wake before the read
        elif role == "actuator" and name == "sys_exit_recvfrom" and big and "actuator_wake" in chain and "actuator_read" not in chain:
            chain["actuator_read"] = t
        elif role == "actuator" and name == "sys_enter_pwrite64" and n and 48 <= n < 128 and "actuator_read" in chain:
            chain["journal"] = t
            if all(k in chain for _, a, b in STAGES for k in (a, b)):
                yield chain
            chain = None


def main():
    evs = events(sys.argv[1], roles(sys.argv[2]))
    found = list(chains(evs))
    print(f"readings followed end to end: {len(found)}")
    print(f"{'stage':58s} {'p50 µs':>8s} {'mean µs':>8s} {'p90 µs':>8s}")
    for label, a, b in STAGES:
        d = sorted(c[b] - c[a] for c in found)
        if d:
            print(f"{label:58s} {statistics.median(d):8.0f} {statistics.mean(d):8.0f} {d[int(0.9 * (len(d) - 1))]:8.0f}")


if __name__ == "__main__":
    main()
