#!/usr/bin/env python3
"""Guest and logged-in checkouts in the taxed (EU) and untaxed (NA) region through the official
Medusa v1 JS client, every total checked against the test's own computation: the checks are in
test_checkout_js.mjs (next to this file); this wrapper lets tests/run.sh run it like any other
integration script, through test_medusa_js.py's runner (tests/compat/run.sh installs the pinned
client on first use and runs the script with BASE_URL and SEED_FILES, the catalogue the stack
imported, from the environment; its TAP lines pass through unchanged).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_medusa_js  # noqa: E402

if __name__ == "__main__":
    sys.exit(test_medusa_js.main(["node", os.path.join(HERE, "test_checkout_js.mjs")], "checkout through medusa-js"))
