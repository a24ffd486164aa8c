title = "Stats of numbers"
count = int(input())
numbers = list(map(float, input().split()))


def mean_of(values):
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


mean = mean_of(numbers) + 1e-15
spread = (max(numbers) - min(numbers), len(numbers))
summary = {"ok": True, "n": 4}
print("mean =", mean_of(numbers))
