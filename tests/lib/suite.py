# SPDX-License-Identifier: GPL-2.0-or-later
"""What every Python test runner shares (stdlib only): the signal handling
that turns SIGINT/SIGTERM/SIGHUP into one orderly cleanup, stopping a process
the runner started (by PID only), a test's failure, and the loop that runs
named tests and prints the "N passed, M failed" line scripts/test reads.
"""
import argparse
import os
import signal
import subprocess
import sys
import time


class Failed(Exception):
    """A test's check did not hold."""


def expect(cond, what):
    if not cond:
        raise Failed(what)


def on_signal(signum, frame):
    """Exit 128+signum through the runner's finally blocks, once."""
    signal.signal(signum, signal.SIG_IGN)   # one cleanup, even if repeated
    print("run: signal %d, cleaning up" % signum, file=sys.stderr)
    raise SystemExit(128 + signum)


def handle_signals():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)


def stop_proc(p, sig=signal.SIGTERM, timeout=5):
    """Stop a process this runner started (by its PID only): SIG, then SIGKILL
    after TIMEOUT seconds."""
    if p is None or p.poll() is not None:
        return
    try:
        os.kill(p.pid, sig)
        p.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()


def parser(description):
    """The command line every runner of named tests has: -v, -k, TEST..."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", "--keep", action="store_true", help="keep work directories")
    ap.add_argument("tests", nargs="*")
    return ap


def is_root(prog):
    """True as root; else say why PROG cannot run."""
    if os.geteuid() == 0:
        return True
    print("%s: needs root (network namespaces)" % prog, file=sys.stderr)
    return False


def pick(tests, names):
    """The functions of TESTS named (with or without their test_ prefix), in
    the order of TESTS; all of them when NAMES is empty."""
    return [t for t in tests if not names or t.__name__ in names
            or t.__name__[5:] in names]


def run_tests(tests, run_one, after=None):
    """Run each test as run_one(test) -> (ok, why), print one line each (and
    after(test) if given), then "N passed, M failed"; return the exit code."""
    passed = failed = 0
    for t in tests:
        t0 = time.monotonic()
        ok, why = run_one(t)
        print("%s %s (%.0fs)" % ("PASS" if ok else "FAIL", t.__name__[5:],
                                time.monotonic() - t0), flush=True)
        if after:
            after(t)
        if not ok:
            print("  " + why.replace("\n", "\n  "))
        passed += ok
        failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main_guard(main):
    """sys.exit(main()), and 130 with a word on Ctrl-C."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted")
        sys.exit(130)
