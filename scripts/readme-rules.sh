#!/usr/bin/env bash
# Regenerate the README's rule table from the rule registry (`stemlint rules --markdown`).
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(cargo run --quiet -- rules --markdown)
python3 - "$table" <<'PY'
import sys
readme = open("README.md").read()
start = readme.index("| rule | tracks")
end = readme.index("\n\n`stemlint explain RULE`")
open("README.md", "w").write(readme[:start] + sys.argv[1].rstrip("\n") + readme[end:])
PY
