from collections import Counter

from lp import input, send

words = input["words"]
counts = Counter(words)
top = [{"word": w, "count": c} for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
print(f"counted {len(words)} words, {len(counts)} distinct")
send({"total": len(words), "distinct": len(counts), "top": top})
