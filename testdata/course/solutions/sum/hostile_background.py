"""Leaves a process behind for the next test: it keeps a marker file in
place, and a later run that finds the marker cheats with a right answer.
Every run starts fresh, so no run ever finds it."""
import os
import time


def add(a, b):
    if os.path.exists("marker") or os.path.exists("/tmp/marker"):
        return a + b
    return a - b


def linger():
    if os.fork() != 0:
        return
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    for fd in (0, 1, 2):
        os.close(fd)
    end = time.time() + 30
    while time.time() < end:
        for p in ("marker", "/tmp/marker"):
            try:
                open(p, "w").close()
            except OSError:
                pass
        time.sleep(0.05)
    os._exit(0)


if __name__ == "__main__":
    a, b = map(int, input().split())
    print(add(a, b))
    linger()
