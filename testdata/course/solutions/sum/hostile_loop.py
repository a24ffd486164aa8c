def add(a, b):
    while True:
        pass


if __name__ == "__main__":
    while True:
        pass
