"""Fills the disk: files of 1 MiB each, under the file size limit, in the
work directory, until writing fails."""
import sys


def add(a, b):
    return a + b


if __name__ == "__main__":
    chunk = b"x" * (1 << 20)
    for i in range(4096):  # 4 GiB
        with open("fill%d" % i, "wb") as f:
            f.write(chunk)
    print("wrote 4 GiB")
