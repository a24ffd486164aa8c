"""A partial solution. Expected, of the 17 tests: 12 pass (score 12/17).

- exist 1/1, error 1/1;
- summary 4/6: spread is warmest plus coldest, above_average is missing;
- functions 3/3;
- stdout 1/3: only the first line is printed;
- structural 2/3: a loop variable named i.
"""
import csv


def read_temperatures(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    values = []
    for i in range(len(rows)):
        values.append(float(rows[i]["celsius"]))
    return values


def mean(values):
    return sum(values) / len(values)


temperatures = read_temperatures("data.csv")
count = len(temperatures)
average = mean(temperatures)
warmest = max(temperatures)
coldest = min(temperatures)
spread = warmest + coldest

print(f"{count} days, mean {average:.2f} C")
