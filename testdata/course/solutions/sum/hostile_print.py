import sys


def add(a, b):
    return a + b


if __name__ == "__main__":
    line = "x" * (1 << 20)
    for _ in range(1024):  # 1 GiB
        sys.stdout.write(line)
