"""Kept-back unit tests of sum: shown, read-only, to the unit test only."""
import unittest

from sum import add


class TestAdd(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)

    def test_negative(self):
        self.assertEqual(add(-5, 3), -2)


if __name__ == "__main__":
    unittest.main()
