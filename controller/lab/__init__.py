"""Labs: real components on this machine for tests and demos (`frr-edge lab ...`)."""

from pathlib import Path

# Where scripts/build-cluster.sh puts etcd, kube-apiserver and kubectl. Here, not in cluster.py, so that the
# `lab cluster start` parser shows it without importing the cluster lab (cryptography, ssl) at every start-up.
DEFAULT_BIN_DIR = Path("/var/cache/frr-edge/cluster")
# Said by `frr-edge lab router start` before it imports the lab, whose modules root alone may be able to read.
ROUTER_LAB_NEEDS_ROOT = "the router lab needs root (network namespaces, FRR, sshd, a login user); run it as root"
