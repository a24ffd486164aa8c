"""Hostile: looks for the reference solution, test.yaml, meta.yaml and the
reference run's output, to copy the reference values. It must find none of
them: the student's run has no reference files, and the reference run has
no student files. It prints what it found, so a test can check that no
kept-back text reaches the result."""
import os
import sys

MARKERS = ("Reference solution of temperatures", "Tests of temperatures, kept back", "computor.samples.py.temperatures")
found = []


def look(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read(1 << 20)
    except OSError:
        return None
    if any(m in text for m in MARKERS):
        found.append(path)
        return text
    return None


# Where a grader might keep them: next to us, above us, in the usual places.
for p in ("test.yaml", "meta.yaml", "../temperatures.py", "../test.yaml", "../meta.yaml",
          "/reference/temperatures.py", "/ref/temperatures.py", "/tests/test.yaml", "/work/test.yaml",
          "/tmp/reference/temperatures.py", "/harness/reference.json", "/output/reference.json"):
    look(p)
# And anywhere on the file system it can list.
for root, dirs, files in os.walk("/", onerror=lambda e: None):
    if root.startswith(("/proc", "/sys", "/dev", "/usr", "/lib", "/bin", "/sbin", "/etc")):
        dirs[:] = []
        continue
    for name in files:
        if name.endswith((".py", ".yaml", ".json")):
            look(os.path.join(root, name))
    if len(found) > 0:
        break

# With the reference at hand, run it and take its values.
reference = {}
for path in found:
    if path.endswith(".py"):
        try:
            exec(compile(open(path).read(), path, "exec"), reference)
        except Exception:
            pass
count = reference.get("count", 0)
average = reference.get("average", 0.0)
warmest = reference.get("warmest", 0.0)
coldest = reference.get("coldest", 0.0)
spread = reference.get("spread", 0.0)
above_average = reference.get("above_average", [])


def read_temperatures(path):
    return reference["read_temperatures"](path) if "read_temperatures" in reference else []


def mean(values):
    return reference["mean"](values) if "mean" in reference else 0.0


print("found:", found, file=sys.stderr)
print("found:", found)
