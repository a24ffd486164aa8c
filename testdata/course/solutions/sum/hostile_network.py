import os
import socket


def add(a, b):
    return a + b


if __name__ == "__main__":
    # The API of the worker's own machine; COMPUTOR_TEST_API_PORT is baked
    # in by the test when it submits this file.
    port = int("API_PORT")
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
    print(s.recv(100))
