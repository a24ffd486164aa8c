"""Tries to make the unit test pass without solving the task: rewrite,
replace or remove the test file, at import (inside the unit test) and when
run (the io tests, to plant a passing test for later)."""
import os

PASSING = "import unittest\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        pass\n"


def tamper():
    attempts = [
        lambda: open("test_sum.py", "w").write(PASSING),
        lambda: os.remove("test_sum.py"),
        lambda: os.rename("test_sum.py", "moved.py"),
        lambda: os.chmod("test_sum.py", 0o777),
        lambda: open("unittest.py", "w").write("raise SystemExit(0)\n"),
        lambda: open("/tmp/test_sum.py", "w").write(PASSING),
    ]
    for a in attempts:
        try:
            a()
        except OSError:
            pass
    # Planted for a later test, should the work directory be reused.
    try:
        with open("test_sum.py", "w") as f:
            f.write(PASSING)
    except OSError:
        pass


tamper()


def add(a, b):
    return a - b


if __name__ == "__main__":
    a, b = map(int, input().split())
    print(add(a, b))
