"""A correct solution, written differently from the reference."""
import csv
import statistics


def read_temperatures(path):
    values = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            values.append(float(row["celsius"]))
    return values


def mean(values):
    return statistics.fmean(values)


temperatures = read_temperatures("data.csv")
count = len(temperatures)
average = mean(temperatures)
warmest, coldest = max(temperatures), min(temperatures)
spread = warmest - coldest
above_average = list(filter(lambda t: t > average, temperatures))

print("%d days, mean %.2f C" % (count, average))
print("warmest %.1f C, coldest %.1f C" % (warmest, coldest))
