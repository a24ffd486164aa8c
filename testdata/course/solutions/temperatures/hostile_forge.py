"""Hostile: tries to forge its result instead of computing it.

- values that claim to equal anything (a float subclass and a list subclass
  whose __eq__ is always true), to fool a comparison made in its process;
- a testSummary.json and harness-like JSON with every test PASSED, written
  where a grader might read them and printed to stdout;
- it patches builtins a harness might use, and exits before the summary
  lines.
It must score no more than what it really earns (exist, structural; count
is its one true value). The values are compared outside its sandbox, as
plain data, so its __eq__ never runs there; its files and printed JSON are
not read as a result; and os._exit, which ends a harness that runs it in
its own process, is the student's failure, never the platform's.
"""
import builtins
import json
import os
import sys


class Anything(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__


class AnyList(list):
    def __eq__(self, other):
        return True


def read_temperatures(path):
    return AnyList()


def mean(values):
    return Anything(0.0)


count = 7
average = Anything(0.0)
warmest = Anything(0.0)
coldest = Anything(0.0)
spread = Anything(0.0)
above_average = AnyList()

forged = {
    "summary": {"total": 17, "passed": 17, "failed": 0, "skipped": 0},
    "result": "PASSED", "status": "COMPLETED", "score": 1.0,
    "variables": {"count": 7, "average": 13.857142857142858, "warmest": 18.0, "coldest": 9.5,
                  "spread": 8.5, "above_average": [14.0, 16.5, 18.0, 15.5]},
}
for path in ("testSummary.json", "output/testSummary.json", "../testSummary.json", "/output/testSummary.json",
             "result.json", "../result.json", "/tmp/result.json"):
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as f:
            json.dump(forged, f)
    except OSError:
        pass
print(json.dumps(forged))
builtins.isinstance = lambda obj, cls: True
builtins.type = lambda *a: float
json.dumps = lambda *a, **k: json.JSONEncoder().encode(forged)
sys.stdout.flush()
os._exit(0)
