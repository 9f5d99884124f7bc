#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl and etcd for the cluster test tier from the
# wrapper Go modules in tests/cluster/{kube,etcd}, into a cache directory outside the source tree, and
# prints that directory.
# A directory already built from the same go.mod/go.sum files is reused as it is.
#
#   FRR_EDGE_CACHE   cache root (default /var/cache/frr-edge)
#
# The binaries land in $FRR_EDGE_CACHE/k8s-<version>-etcd-<version>/ and $FRR_EDGE_CACHE/cluster points
# at the newest build, which is where `frr-edge lab cluster start` looks by default.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/k8s-version-flags.sh

# Where the Go toolchain is installed on this project's machines, for a PATH that lacks it.
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
if ! command -v go >/dev/null; then
    echo "build-cluster: the Go toolchain (go) is needed to build the cluster binaries" >&2
    exit 1
fi

cache_root=${FRR_EDGE_CACHE:-/var/cache/frr-edge}
kube_module=$repo/tests/cluster/kube
etcd_module=$repo/tests/cluster/etcd

module_version() { # module_dir module_path
    (cd "$1" && go list -m -f '{{.Version}}' "$2")
}

k8s_version=$(module_version "$kube_module" k8s.io/kubernetes)
etcd_version=$(module_version "$etcd_module" go.etcd.io/etcd/server/v3)
target=$cache_root/k8s-$k8s_version-etcd-$etcd_version
stamp=$(cat "$kube_module"/go.mod "$kube_module"/go.sum "$etcd_module"/go.mod "$etcd_module"/go.sum \
    | sha256sum | cut -d' ' -f1)

if [[ -f $target/.stamp && $(cat "$target/.stamp") == "$stamp" ]]; then
    ln -sfn "$target" "$cache_root/cluster"
    echo "$target"
    exit 0
fi

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Two cores are shared with everything else on the machine: build one package at a time per core.
export CGO_ENABLED=0
build_flags=(-p 2 -trimpath)
started=$(date +%s)

echo "build-cluster: building kube-apiserver, kube-controller-manager and kubectl $k8s_version" >&2
version_flags=$(k8s_version_flags "$k8s_version")
(cd "$kube_module" && go build "${build_flags[@]}" -ldflags "-s -w$version_flags" -o "$work/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)

echo "build-cluster: building etcd $etcd_version" >&2
(cd "$etcd_module" && go build "${build_flags[@]}" -ldflags "-s -w" -o "$work/etcd" go.etcd.io/etcd/server/v3)

echo "$stamp" >"$work/.stamp"
rm -rf "$target"
mv "$work" "$target"
chmod 755 "$target"
ln -sfn "$target" "$cache_root/cluster"
echo "build-cluster: built in $(($(date +%s) - started)) s, $(du -sh "$target" | cut -f1) in $target" >&2
echo "$target"
