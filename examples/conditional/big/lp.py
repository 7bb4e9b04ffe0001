"""lp.py: light-process node helper (written by `light`; `light node helpers` rewrites it).

    from lp import input, send
    send({"greeting": "Hello, " + input.get("name", "world")})
"""
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Dict

if TYPE_CHECKING:
    from lp_types import Input

OUTPUT_FILE = ".lp-output.json"


def _read_input() -> Any:
    stream = sys.stdin
    if stream is None or stream.closed or stream.isatty():
        return {}
    text = stream.read()
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError("lp.py: the input on stdin is not valid JSON: %s" % error) from error


input: "Input" = _read_input()


def send(output: Dict[str, Any]) -> None:
    """Writes the node output as JSON to .lp-output.json in the working directory."""
    if not isinstance(output, dict):
        raise TypeError("lp.py: send() expects a dict")
    with open(os.path.join(os.getcwd(), OUTPUT_FILE), "w", encoding="utf-8") as handle:
        json.dump(output, handle)
