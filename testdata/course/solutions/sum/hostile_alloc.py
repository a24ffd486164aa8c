def add(a, b):
    return a + b


if __name__ == "__main__":
    hog = bytearray(4 << 30)  # 4 GiB
    print(len(hog))
