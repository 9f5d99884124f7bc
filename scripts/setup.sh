#!/usr/bin/env bash
# Installs everything frr-edge's render and test commands need, on a fresh Debian machine as root.
# `scripts/setup.sh` for rendering; `scripts/setup.sh --test` also builds the cluster tier's binaries.
# Idempotent: packages already present are not reinstalled. Fails loudly on any error.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(frr frr-pythontools nftables iproute2 openssh-server sudo procps)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: missing Debian packages ${missing[*]} and not root; install them first" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

# The cluster test tier's kube-apiserver, kubectl and etcd: built once into a cache, reused afterwards.
# Only the test suite needs them; `make render` does not wait for a Kubernetes build.
if [[ "${1:-}" == "--test" ]]; then
    scripts/build-cluster.sh >/dev/null
fi
