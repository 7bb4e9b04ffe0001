from lp import input, send

print(f"{input['n']} is big: halving it")
send({"branch": "big", "result": input["n"] / 2})
