def add(a, b):
    return a + b


if __name__ == "__main__":
    for p in ["/usr/pwned", "/etc/pwned", "/pwned", "../pwned"]:
        with open(p, "w") as f:
            f.write("pwned")
