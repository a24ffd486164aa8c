"""Temperatures of a week: read them from data.csv and summarise them."""
import csv


def read_temperatures(path):
    """Return the celsius column of a CSV file as floats."""
    # TODO: open path, read it with csv.DictReader, return the "celsius" values as floats
    return []


def mean(values):
    """Return the arithmetic mean of a non-empty list."""
    # TODO
    return 0.0


temperatures = read_temperatures("data.csv")
# TODO: count, average, warmest, coldest, spread, above_average (the
# temperatures above the average, in the order of the file)

# TODO: print "<count> days, mean <average, 2 decimals> C"
# and "warmest <1 decimal> C, coldest <1 decimal> C"
