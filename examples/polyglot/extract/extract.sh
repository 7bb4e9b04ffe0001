#!/bin/sh
# Reads the JSON input from stdin, takes its "text" (or a default), and writes one
# lower-case word per entry to .lp-output.json: {"words": [...]}.
set -eu
input=$(cat)
text=$(printf '%s' "$input" | sed -n 's/.*"text"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$text" ] || text="the quick brown fox jumps over the lazy dog the end"
echo "extracting words from: $text"
words=$(printf '%s\n' "$text" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '\n' | grep -v '^$' | sed 's/.*/"&"/' | paste -sd, -)
printf '{"words":[%s]}\n' "$words" > .lp-output.json
