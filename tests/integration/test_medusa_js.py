#!/usr/bin/env python3
"""Compatibility with the official Medusa v1 JS client, @medusajs/medusa-js 6.1.x.

A thin wrapper so tests/run.sh picks the Node flow up like any other integration
script: runs tests/compat/run.sh (npm ci of the pinned client on first use, then
node flow.mjs) with BASE_URL (and JWT_SECRET/COOKIE_SECRET, used only to verify
signatures) from the environment, and passes its TAP lines through unchanged.
Needs node and npm (Debian packages nodejs and npm).
"""

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tests", "compat", "run.sh")
# npm ci may have to fetch the client on a fresh checkout; the flow itself takes seconds.
TIMEOUT = int(os.environ.get("COMPAT_TIMEOUT", "600"))


def main(args=(), what="medusa-js"):
    """Runs tests/compat/run.sh with args (none: flow.mjs) and passes its TAP lines through."""
    if not os.environ.get("BASE_URL"):
        print("not ok - %s: BASE_URL is not set" % what)
        return 1
    if not shutil.which("node") or not shutil.which("npm"):
        print("not ok - node/npm missing")
        return 1
    try:
        proc = subprocess.run(["bash", RUN] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        sys.stdout.write((e.stdout or b"").decode("utf-8", "replace"))
        print("not ok - %s: tests/compat/run.sh did not finish within %d s" % (what, TIMEOUT))
        return 1
    sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
    sys.stdout.flush()
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
