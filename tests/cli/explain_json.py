#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that `nftpol explain -o json` says what the text of the same query says.

usage: explain_json.py TEXT JSON EXIT
  TEXT  the text output, JSON the -o json output, EXIT the exit code of both.
Every member of the JSON is looked for in the text, rebuilt as the text words
it; the trace's steps must be the text's step lines, in order. Prints what
differs and exits 1, else exits 0 silently.
"""
import json
import sys


def main():
    text_path, json_path, code = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(text_path) as f:
        lines = f.read().splitlines()
    with open(json_path) as f:
        j = json.load(f)  # raises on anything that is not JSON
    errors = []

    def need(cond, what):
        if not cond:
            errors.append(what)

    def has_line(line, what):
        need(line in lines, "%s: the text has no line %r" % (what, line))

    need(j["allowed"] == (code == 0), "allowed is %s, the exit code %d" % (j["allowed"], code))
    first = "%s %s -> %s %d/%s" % ("ALLOWED" if j["allowed"] else "DENIED", j["from"]["text"],
                                   j["to"]["text"], j["port"], j["protocol"])
    need(lines[0] == first, "first line %r, from the JSON %r" % (lines[0], first))
    need(j["family"] in (4, 6), "family %r" % j["family"])
    need(j["self"] == any(ln.startswith("a pod always reaches itself") for ln in lines),
         "self is %s" % j["self"])
    for end in ("from", "to"):
        e = j[end]
        need(e["pod"] is None or e["text"].startswith(e["pod"] + " ("), "%s.pod" % end)
        need("(" + e["address"] in e["text"] or e["address"] in e["text"], "%s.address" % end)
    for d, title in (("egress", "Egress"), ("ingress", "Ingress")):
        side(j[d], d, title, lines, need, has_line)
    trace(j["nft"], lines, need)
    for e in errors:
        print("  " + e)
    return 1 if errors else 0


def side(s, d, title, lines, need, has_line):
    head = [ln for ln in lines if ln.startswith("%s of %s" % (title, s["end"]["text"]))]
    need(len(head) == 1, "%s: no line 'Title of END'" % d)
    if not head:
        return
    head = head[0]
    by = s["decided_by"]
    if by in ("admin", "baseline"):
        tier = "Admin" if by == "admin" else "Baseline"
        need(head.endswith(": %s by the %s tier" % ("allowed" if s["allowed"] else "denied",
                                                      tier)), "%s: %r" % (d, head))
        has_line("  " + s["rule"], d + ".rule")
    elif by == "networkpolicy":
        names = ", ".join(p["policy"] + (" (%s:%d)" % (p["file"], p["line"]) if "file" in p else "")
                          for p in s["isolated_by"])
        need(head.endswith(": isolated by " + names), "%s.isolated_by %r: %r" % (d, names, head))
        for a in s["allowed_by"]:
            has_line("  allowed by %s %s: %s; %s" % (a["policy"], a["rule"], a["peer"], a["port"]),
                     d + ".allowed_by")
        need(bool(s["allowed_by"]) == s["allowed"], "%s: allowed_by and allowed disagree" % d)
        need(("near_misses" in s) == (not s["allowed_by"]), "%s: near_misses" % d)
        for m in s.get("near_misses", []):
            if m["rule"] is None:
                has_line("    %s: %s" % (m["policy"], m["detail"]), d + ".near_misses")
            else:
                has_line("    %s %s: %s" % (m["policy"], m["rule"], m["detail"]),
                         d + ".near_misses")
    else:
        need(by == "none" and s["allowed"], "%s: decided_by %r" % (d, by))
        need(head.endswith(": not isolated (%s); allowed" % s["reason"]), "%s.reason" % d)
    if "audit" in s:
        a = s["audit"]
        has_line("  in audit mode (nftpol.io/enforcement: audit, not enforced): %s; %s"
                 % (", ".join(a["policies"]),
                    "they would deny it (counted and logged as would-deny)" if a["would_deny"]
                    else "they would not change this verdict"), d + ".audit")
    if "passed_on_by" in s:
        has_line("  passed on by " + s["passed_on_by"], d + ".passed_on_by")


def trace(nft, lines, need):
    head = "nft (table inet %s, first packet, ct state new): %s" % (nft["table"], nft["verdict"])
    need(head in lines, "nft: no line %r" % head)
    if head not in lines:
        return
    got = lines[lines.index(head) + 1:]
    want = []
    for s in nft["steps"]:
        if "policy" in s:
            want.append("  chain %s: policy %s" % (s["chain"], s["policy"]))
        else:
            want.append("  chain %s rule %d: %s" % (s["chain"], s["rule"], s["nft"]))
    need(got == want, "nft.steps %r, the text %r" % (want, got))


if __name__ == "__main__":
    sys.exit(main())
