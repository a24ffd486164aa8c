"""Statistics of a few numbers."""
title = "Statistics"
count = int(input())
numbers = [float(x) for x in input().split()]


def mean_of(xs):
    return sum(xs) / len(xs)


mean = mean_of(numbers)
spread = (max(numbers) - min(numbers), len(numbers))
summary = {"n": len(numbers), "ok": True}
print(f"mean = {mean}")
