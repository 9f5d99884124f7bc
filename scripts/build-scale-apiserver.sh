#!/usr/bin/env bash
# Builds the kube-apiserver for bench/bench_scale.py: the cluster tier's kube-apiserver, same version and
# sources, less one quadratic cost that only a benchmark's population meets, and prints a directory with it
# beside the cluster tier's etcd, kube-controller-manager and kubectl (scripts/build-cluster.sh).
#
# Why: after each ClusterIP allocation or release, the API server's IPAddress allocator refreshes two metric
# gauges (allocated and available addresses) by listing every IPAddress in its informer cache and parsing
# each name (pkg/registry/core/service/ipallocator/ipallocator.go, createIPAddress and release). Creating
# the n-th Service costs O(n): measured with pprof on this machine, Allocator.Used was 64% of the API
# server's CPU at 6,000 Services, and 50,000 Services took hours. This build drops those two gauge updates,
# nothing else: every Service still gets its ClusterIP and IPAddress object, objects and API are unchanged.
# The test tiers keep the unmodified build.
#
#   FRR_EDGE_CACHE   cache root (default /var/cache/frr-edge)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/k8s-version-flags.sh
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin

cluster_dir=$(scripts/build-cluster.sh)
cache_root=${FRR_EDGE_CACHE:-/var/cache/frr-edge}
kube_module=$repo/tests/cluster/kube
k8s_version=$(cd "$kube_module" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
k8s_source=$(cd "$kube_module" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)
target=$cache_root/k8s-$k8s_version-scale
stamp=$(cat "$kube_module"/go.mod "$kube_module"/go.sum "$0" scripts/k8s-version-flags.sh | sha256sum | cut -d' ' -f1)

link_cluster_binaries() {
    for binary in etcd kube-controller-manager kubectl; do
        ln -sfn "$cluster_dir/$binary" "$target/$binary"
    done
}

if [[ -f $target/.stamp && $(cat "$target/.stamp") == "$stamp" ]]; then
    link_cluster_binaries
    echo "$target"
    exit 0
fi

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/.build-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

# The module cache is read-only to the go command (an -overlay may not replace files in it): build from a
# copy of k8s.io/kubernetes, put in place of the published module by a replace directive.
cp -r "$k8s_source" "$work/kubernetes"
chmod -R u+w "$work/kubernetes"
allocator=$work/kubernetes/pkg/registry/core/service/ipallocator/ipallocator.go
gauges='a\.metrics\.(setAllocated\(a\.metricLabel, a\.Used\(\)\)|setAvailable\(a\.metricLabel, a\.Free\(\)\))'
found=$(grep -cE "$gauges" "$allocator" || true)
if [[ $found != 4 ]]; then
    echo "build-scale-apiserver: expected the 4 gauge updates in $allocator, found $found;" \
        "k8s $k8s_version changed the allocator: look again" >&2
    exit 1
fi
sed -i -E "/$gauges/d" "$allocator"
cp "$kube_module/go.mod" "$kube_module/go.sum" "$work/"
echo 'replace k8s.io/kubernetes => ./kubernetes' >>"$work/go.mod"

version_flags=$(k8s_version_flags "$k8s_version")
echo "build-scale-apiserver: building kube-apiserver $k8s_version without the allocator's gauge refresh" >&2
mkdir -p "$work/out"
(cd "$work" && CGO_ENABLED=0 go build -p 2 -trimpath -ldflags "-s -w$version_flags" -o "$work/out/" \
    k8s.io/kubernetes/cmd/kube-apiserver)

rm -rf "$target"
mkdir -p "$target"
mv "$work/out/kube-apiserver" "$target/"
link_cluster_binaries
echo "$stamp" >"$target/.stamp"
echo "build-scale-apiserver: built in $(($(date +%s) - started)) s in $target" >&2
echo "$target"
