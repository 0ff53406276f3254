"""Shared support for mapigate integration tests (plain unittest, run with
Debian's /usr/bin/python3 inside the stack's network namespace).

The stack under test is described by the KEY=VALUE lines of
`tools/lib/stackctl env` (the same as `tools/sandbox env`), passed in the
environment variable MG_ENV_FILE or read from the running sandbox.
"""
import os
import subprocess
import sys
import time
import unittest

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACKCTL = os.path.join(SRC, "tools", "lib", "stackctl")


def load_env():
    path = os.environ.get("MG_ENV_FILE")
    if path:
        text = open(path).read()
    else:
        text = subprocess.run([os.path.join(SRC, "tools", "sandbox"), "env"], check=True,
                              capture_output=True, text=True).stdout
    env = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            if len(v) >= 2 and v[0] == v[-1] == "'":
                v = v[1:-1]
            env[k] = v
    return env


ENV = load_env()


def stackctl(fn, *args, check=True):
    """Runs a stack.sh function against the stack under test (from inside the
    namespace it re-enters nothing: stack.sh uses `ip netns exec` itself)."""
    r = subprocess.run([STACKCTL, fn, *args], capture_output=True, text=True,
                       env={**os.environ, "MG_DIR": ENV["DATA_DIR"], "MG_NETNS": ENV["NETNS"]})
    if check and r.returncode != 0:
        raise RuntimeError(f"stackctl {fn} failed: {r.stderr.strip()[-2000:]}")
    return r


def wait_until(pred, timeout=30.0, step=0.2):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # the condition is allowed to raise while waiting
            last = e
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s (last error: {last})")


def run(module_name):
    """Runs the tests of a module, prints unittest's report and a final line
    'N passed, N failed' (skips reported separately); exit status 1 on failure."""
    suite = unittest.defaultTestLoader.loadTestsFromName(module_name)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line, flush=True)
    return 0 if failed == 0 else 1
