from lp import input, send

n = int(input.get("n", 0)) + 1
target = int(input.get("target", 3))
print(f"n = {n} (target {target})")
send({"n": n, "target": target, "done": n >= target})
