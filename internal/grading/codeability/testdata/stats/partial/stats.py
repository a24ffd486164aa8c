title = "Numbers"
count = input()
numbers = [float(x) for x in input().split()]


def mean_of(xs):
    return sum(xs) / (len(xs) + 1)


mean = mean_of(numbers)
spread = [max(numbers) - min(numbers), len(numbers)]
summary = {"n": 4, "ok": True}
print(f"mean = {mean}")
