#!/usr/bin/env python3
"""Forward 127.0.0.1:PORT on the host to slurmctld inside its network namespace.

The test cluster's addresses exist only inside its namespaces (the host's network is left
alone), so the host's client commands (sbatch, squeue, scontrol, scancel) reach slurmctld
through this: the listening socket is made in the host's namespace, then the process enters
slurmctld's namespace, where every outgoing connection is made.

usage: ctld-forward.py NETNS_PATH TARGET_ADDR TARGET_PORT PORT_FILE
Writes the chosen loopback port to PORT_FILE once listening; runs until killed.
"""
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn, addr, port):
    try:
        upstream = socket.create_connection((addr, port), timeout=10)
        upstream.settimeout(None)
    except OSError:
        conn.close()
        return
    threading.Thread(target=pump, args=(conn, upstream), daemon=True).start()
    pump(upstream, conn)
    conn.close()
    upstream.close()


def main():
    netns, addr, port, port_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(netns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit(f"ctld-forward: setns {netns}: {os.strerror(ctypes.get_errno())}")
    os.close(fd)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{listener.getsockname()[1]}\n")
    os.rename(tmp, port_file)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, addr, port), daemon=True).start()


if __name__ == "__main__":
    main()
