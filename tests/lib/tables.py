# SPDX-License-Identifier: GPL-2.0-or-later
"""Truth tables in the upstream netpol e2e style: rows from, columns to.

An expectation file holds blocks.  A block starts with a line of probe specs
(tcp/80 udp/81 sctp/9003 tcp/80@v6 ...) that share the table below it, then a
header line starting with "-" naming the columns (pods "ns/name"), then one
row per source pod: its name and one cell per column, "." reachable, "X"
blocked.  Such a table covers every pair of pods.

A block starting with the line `pairs` lists single probes instead, one a
line: FROM TO SPEC CELL.  A spec given this way is probed for the pairs listed
and no others (the upstream conformance steps probe a few pairs each); TO may
also be a node name or a host-network pod (probed on its node's address).  A
spec is given either by tables or by pairs, not both.
"#" starts a comment; blank lines are ignored.
"""
import re

SPEC = re.compile(r"^(tcp|udp|sctp)/\d+(@(v6|pod))*$")
CELLS = ".X"


class TableError(Exception):
    pass


class Expect(dict):
    """{spec: {(from, to): bool}}; .partial: the specs given by pairs."""

    def __init__(self):
        dict.__init__(self)
        self.partial = set()


def parse(text, where="expect"):
    """Return {spec: {(from, to): bool}} (an Expect) and the pod order of the
    file."""
    tables = Expect()
    specs, cols, order, pairs = None, None, [], False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if line == ["pairs"]:
            specs, cols, pairs = None, None, True
            continue
        if all(SPEC.match(t) for t in line):
            specs, cols, pairs = line, None, False
            for s in specs:
                if s in tables:
                    raise TableError("%s:%d: %s given twice" % (where, n, s))
                tables[s] = {}
            continue
        if pairs:
            if len(line) != 4 or not SPEC.match(line[2]) or line[3] not in CELLS:
                raise TableError("%s:%d: a pairs line is FROM TO SPEC CELL (. or X)"
                                 % (where, n))
            src, dst, spec, cell = line
            if spec in tables and spec not in tables.partial:
                raise TableError("%s:%d: %s has a table already" % (where, n, spec))
            tables.partial.add(spec)
            if (src, dst) in tables.setdefault(spec, {}):
                raise TableError("%s:%d: %s -> %s %s given twice" % (where, n, src, dst, spec))
            tables[spec][(src, dst)] = cell == "."
            continue
        if specs is None:
            raise TableError("%s:%d: table before a line of probe specs" % (where, n))
        if line[0] == "-":
            cols = line[1:]
            order = order or cols
            continue
        if cols is None:
            raise TableError("%s:%d: row before the header line" % (where, n))
        src, cells = line[0], line[1:]
        if len(cells) != len(cols) or any(c not in CELLS for c in cells):
            raise TableError("%s:%d: row %s needs %d cells of . or X"
                             % (where, n, src, len(cols)))
        for s in specs:
            if s in tables.partial:
                raise TableError("%s:%d: %s is given by pairs already" % (where, n, s))
            for dst, c in zip(cols, cells):
                tables[s][(src, dst)] = c == "."
    return tables, order


def table(tables, spec, where="expect"):
    """The table of SPEC from parse()'s result.  A spec probing the pod IP
    ("@pod") takes the same spec through the Service when the file gives no
    table of its own for it: NetworkPolicy sees the pod address either way
    (kube-proxy's DNAT comes first); a scenario where the two differ gives both."""
    if spec in tables:
        return tables[spec]
    via_service = "@".join(p for p in spec.split("@") if p != "pod")
    if via_service in tables:
        return tables[via_service]
    raise TableError("%s: no table for %s" % (where, spec))


def render(matrix, pods, cell=lambda v: "." if v else "X"):
    w = max(len(p) for p in pods)
    head = " ".join("%-*s" % (w, p) for p in pods)
    out = [("%-*s %s" % (w, "-", head)).rstrip()]
    for src in pods:
        row = ["%-*s" % (w, cell(matrix.get((src, dst)))) for dst in pods]
        out.append(("%-*s %s" % (w, src, " ".join(row))).rstrip())
    return "\n".join(out)


def compare_pairs(expected, observed, detail=None, timeout_only=False):
    """The pairs of a partial spec: return (ok, report).  With TIMEOUT_ONLY a
    blocked pair must have timed out (DETAIL: prober outcomes)."""
    lines = []
    for (s, d), want in sorted(expected.items()):
        got = observed.get((s, d))
        how = (detail or {}).get((s, d))
        if got != want:
            lines.append("  %s -> %s: expected %s, observed %s%s" % (
                s, d, "." if want else "X", "." if got else "X",
                " (%s)" % how if how and not got else ""))
        elif timeout_only and not want and how and how != "timeout":
            lines.append("  %s -> %s: blocked, but %s instead of a timeout" % (s, d, how))
    return not lines, "\n".join(lines)


def refused_pairs(expected, detail):
    """The pairs expected blocked whose probe was refused instead of timing
    out (a Deny that is not a silent drop)."""
    return sorted(k for k, want in expected.items()
                  if not want and str(detail.get(k, "")).startswith("refused"))


def compare(expected, observed, pods):
    """Return (ok, report): report shows upstream-style tables on mismatch.
    Pairs EXPECTED does not name are not compared."""
    wrong = [(s, d) for s in pods for d in pods
             if (s, d) in expected and expected.get((s, d)) != observed.get((s, d))]
    if not wrong:
        return True, ""
    lines = ["expected:", render(expected, pods),
             "observed:", render(observed, pods),
             "comparison (X = mismatch):",
             render({k: k not in wrong for k in ((s, d) for s in pods for d in pods)}, pods)]
    for s, d in wrong:
        lines.append("  %s -> %s: expected %s, observed %s" % (
            s, d, "." if expected.get((s, d)) else "X",
            "." if observed.get((s, d)) else "X"))
    return False, "\n".join(lines)
