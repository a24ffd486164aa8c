def add(a, b):
    return a + b


if __name__ == "__main__":
    # Another student's repository and the data dir, by their host paths
    # (the test bakes them in).
    for p in ["OTHER_REPO", "DATA_DIR/jwt-key.pem"]:
        try:
            print(open(p).read())
        except OSError as e:
            print("blocked", type(e).__name__)
            raise
