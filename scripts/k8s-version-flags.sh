# Sourced by scripts/build-cluster.sh and scripts/build-scale-apiserver.sh: the -ldflags that stamp a
# Kubernetes build with its version, as the Kubernetes release build does (kubectl version, /version).
k8s_version_flags() { # k8s_version, e.g. v1.37.2
    local minor=${1#v1.} flags="" pkg
    minor=${minor%%.*}
    for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        flags+=" -X $pkg.gitVersion=$1 -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
        flags+=" -X $pkg.gitTreeState=clean"
    done
    echo "$flags"
}
