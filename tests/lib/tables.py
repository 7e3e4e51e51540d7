# SPDX-License-Identifier: GPL-2.0-or-later
"""Truth tables in the upstream netpol e2e style: rows from, columns to.

An expectation file holds blocks.  A block starts with a line of probe specs
(tcp/80 udp/81 tcp/80@v6 ...) that share the table below it, then a header
line starting with "-" naming the columns (pods "ns/name"), then one row per
source pod: its name and one cell per column, "." reachable, "X" blocked.
"#" starts a comment; blank lines are ignored.
"""
import re

SPEC = re.compile(r"^(tcp|udp)/\d+(@(v6|pod))*$")


class TableError(Exception):
    pass


def parse(text, where="expect"):
    """Return {spec: {(from, to): bool}} and the pod order of the file."""
    tables = {}
    specs, cols, order = None, None, []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if all(SPEC.match(t) for t in line):
            specs, cols = line, None
            for s in specs:
                if s in tables:
                    raise TableError("%s:%d: %s given twice" % (where, n, s))
                tables[s] = {}
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
        if len(cells) != len(cols) or any(c not in ".X" for c in cells):
            raise TableError("%s:%d: row %s needs %d cells of . or X"
                             % (where, n, src, len(cols)))
        for s in specs:
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


def compare(expected, observed, pods):
    """Return (ok, report): report shows upstream-style tables on mismatch."""
    wrong = [(s, d) for s in pods for d in pods
             if expected.get((s, d)) != observed.get((s, d))]
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
