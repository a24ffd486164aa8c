"""Temperatures of a week: read them from data.csv and summarise them.

Reference solution of temperatures (kept back: never released, never in a
student's test run).
"""
import csv


def read_temperatures(path):
    """Return the celsius column of a CSV file as floats."""
    with open(path, newline="") as f:
        return [float(row["celsius"]) for row in csv.DictReader(f)]


def mean(values):
    """Return the arithmetic mean of a non-empty list."""
    return sum(values) / len(values)


temperatures = read_temperatures("data.csv")
count = len(temperatures)
average = mean(temperatures)
warmest = max(temperatures)
coldest = min(temperatures)
spread = warmest - coldest
above_average = [t for t in temperatures if t > average]

print(f"{count} days, mean {average:.2f} C")
print(f"warmest {warmest:.1f} C, coldest {coldest:.1f} C")
