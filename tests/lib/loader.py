# SPDX-License-Identifier: GPL-2.0-or-later
"""Program a node namespace from manifests with nftpol.

Modes (argument, else env NFTPOL_LOADER, else "compile"):
  compile  `nftpol compile --node NODE --output-file SCRIPT FILES...`, then `nft -f SCRIPT`
           inside the node namespace (the script is kept for debugging)
  apply    `nftpol apply --node NODE FILES...` inside the node namespace
The binary comes from env NFTPOL (default build/nftpol in the repository).
"""
import os
import subprocess

from cluster import HERE, HarnessError, nsexec, run

REPO = os.path.dirname(os.path.dirname(HERE))
MODES = ("compile", "apply")


def nftpol_binary():
    path = os.environ.get("NFTPOL", os.path.join(REPO, "build", "nftpol"))
    return os.path.abspath(path)


def nftpol(*args, netns=None):
    """Run the nftpol binary (inside NETNS if given); (exit code, stdout, stderr)."""
    cmd = [nftpol_binary()] + list(args)
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


class Loader:
    def __init__(self, mode=None, binary=None):
        self.mode = mode or os.environ.get("NFTPOL_LOADER", "compile")
        if self.mode not in MODES:
            raise HarnessError("NFTPOL_LOADER must be one of %s, not %r"
                               % ("|".join(MODES), self.mode))
        self.binary = binary or nftpol_binary()

    def compile(self, node, files, script):
        """Write the script for NODE to SCRIPT; return its text."""
        run([self.binary, "compile", "--node", node, "--output-file", script] + list(files))
        with open(script) as f:
            return f.read()

    def load(self, cluster, k, files, workdir):
        """Program node k of CLUSTER from FILES; return the script path or None."""
        node, netns = cluster.node_name(k), cluster.nodes[k]
        if self.mode == "apply":
            nsexec(netns, self.binary, "apply", "--node", node, *files)
            return None
        script = os.path.join(workdir, "%s.nft" % node)
        self.compile(node, files, script)
        nsexec(netns, "nft", "-f", script)
        return script


def load_script(cluster, k, script):
    """Load a hand-written nft script into node k (harness self-test)."""
    nsexec(cluster.nodes[k], "nft", "-f", script)
