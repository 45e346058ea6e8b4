#!/usr/bin/python3
"""A TCP proxy that cuts one connection in the middle of a transfer.

    cutproxy.py LISTEN_PORT_FILE TARGET_PORT CUT_AFTER_BYTES
    cutproxy.py LISTEN_PORT_FILE TARGET_PORT idle

Listens on 127.0.0.1 (a free port, written to LISTEN_PORT_FILE) and
forwards every connection to 127.0.0.1:TARGET_PORT. The first connection
whose server-to-client stream passes CUT_AFTER_BYTES is closed on both
sides at that point (the client sees the connection drop in the middle of
a response, e.g. an IMAP FETCH literal); every later connection is passed
through untouched. With "idle" instead of a byte count, the first
connection is cut one second after the client sends an IMAP IDLE command
(the client is waiting in IDLE then). Writes "cut" to LISTEN_PORT_FILE.cut
when it has cut.
Ends after 600 s (a test that died without stopping it)."""
import os
import socket
import sys
import threading
import time

port_file, target = sys.argv[1], int(sys.argv[2])
idle_mode = sys.argv[3] == "idle"
cut_after = 0 if idle_mode else int(sys.argv[3])
state = {"cut": False, "idle_armed": False}
lock = threading.Lock()


def cut_both(a, b):
    with lock:
        state["cut"] = True
        open(port_file + ".cut", "w").write("cut\n")
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def watch_idle(src, dst, data):
    """Client to server: arm the cut at the first IDLE command."""
    with lock:
        if state["cut"] or state["idle_armed"] or b" IDLE\r\n" not in data:
            return
        state["idle_armed"] = True
    threading.Timer(1.0, cut_both, args=(src, dst)).start()


def pump(src, dst, count):
    total = 0
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if idle_mode and not count:
                watch_idle(src, dst, data)
            if count and not idle_mode:
                with lock:
                    if not state["cut"] and total + len(data) > cut_after:
                        dst.sendall(data[:max(0, cut_after - total)])
                        state["cut"] = True
                        open(port_file + ".cut", "w").write("cut\n")
                        raise ConnectionAbortedError
                total += len(data)
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve(client):
    try:
        server = socket.create_connection(("127.0.0.1", target))
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, server, False), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, True), daemon=True).start()


lsock = socket.socket()
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", 0))
lsock.listen(16)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % lsock.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
lsock.settimeout(1)
end = time.time() + 600
while time.time() < end:
    try:
        c, _ = lsock.accept()
    except socket.timeout:
        continue
    serve(c)
