from lp import input, send

print(f"{input['n']} is small: doubling it")
send({"branch": "small", "result": input["n"] * 2})
