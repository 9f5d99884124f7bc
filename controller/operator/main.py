"""`frr-edge run`: wiring only. Watch events go into the index; everything else lives in the modules.

Three kopf operators share one event loop, because kopf's namespaces are per operator and frr-edge may read
Secrets only in the namespaces bound in deploy/rbac/secrets.yaml and MetalLB's objects and legacy ConfigMap
only in MetalLB's namespace; Routers, FRRConfigurations and FirewallPolicies are watched cluster-wide. Only
`@kopf.on.event` handlers are registered: they store nothing on the objects (no finalizer, no progress or
diff-base annotation), and the storages are set to in-memory ones on purpose. Services and Nodes
(cluster-wide) and Pods (in MetalLB's namespaces), tens of thousands in a large cluster, are read by the
informers of controller/operator/informer.py instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import kopf
from kubernetes import client, config

from controller.api.common import GROUP, VERSION
from controller.operator.index import Index, key_of
from controller.operator.informer import Informer, informers, wait_listed
from controller.operator.kube import KubeWriter
from controller.operator.leader import LeaderElection, LeaseTiming
from controller.operator.memory import MemoryDiffBaseStorage, MemoryProgressStorage
from controller.operator.metrics import Metrics, serve
from controller.operator.supervisor import Supervisor
from controller.operator.webhook import WebhookServer, from_args
from controller.operator.worker import Timing

logger = logging.getLogger("frr-edge")


@dataclass(frozen=True, slots=True)
class Watched:
    group: str
    version: str
    plural: str
    name: str | None = None  # only the object of this name (the others are never put in the index)


CLUSTER_WIDE = (
    Watched(GROUP, VERSION, "routers"),
    Watched(GROUP, VERSION, "frrconfigurations"),
    Watched(GROUP, VERSION, "firewallpolicies"),
)
SECRETS = (Watched("", "v1", "secrets"),)
METALLB = (
    # MetalLB <= 0.12's ConfigMap `config`, read when a namespace has no MetalLB CRD objects (metallb/legacy.py).
    Watched("", "v1", "configmaps", name="config"),
    *(
        Watched("metallb.io", version, plural)
        for version, plural in (
            ("v1beta2", "bgppeers"),
            ("v1beta1", "bfdprofiles"),
            ("v1beta1", "ipaddresspools"),
            ("v1beta1", "bgpadvertisements"),
            ("v1beta1", "communities"),
        )
    ),
)


def _credentials(configuration: client.Configuration) -> kopf.ConnectionInfo:
    """kopf's credentials from the same configuration the kubernetes client uses (one source of truth)."""
    if hasattr(configuration, "refresh_api_key_hook") and configuration.refresh_api_key_hook:
        configuration.refresh_api_key_hook(configuration)  # in-cluster tokens rotate
    header = configuration.get_api_key_with_prefix("BearerToken") or configuration.get_api_key_with_prefix(
        "authorization"
    )
    scheme, _, token = (header or "").rpartition(" ")
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        scheme=scheme or None,
        token=token or None,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
    )


def _registry(watched: tuple[Watched, ...], index: Index, configuration: client.Configuration) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    def login(**_: Any) -> kopf.ConnectionInfo:
        return _credentials(configuration)

    kopf.on.login(registry=registry)(login)

    # async, so kopf calls it in the event loop: a sync handler would run in a thread pool, racing the
    # workers that read the index and waking asyncio objects from the wrong thread.
    async def feed(event: kopf.RawEvent, **_: Any) -> None:
        document = dict(event["object"])
        if event["type"] == "DELETED":
            index.drop(document)
        else:
            index.put(document)

    for resource in watched:
        field, value = ("metadata.name", resource.name) if resource.name else (None, None)
        kopf.on.event(
            resource.group, resource.version, resource.plural, field=field, value=value, registry=registry
        )(feed)
    return registry


def _settings() -> kopf.OperatorSettings:
    settings = kopf.OperatorSettings()
    settings.persistence.progress_storage = MemoryProgressStorage()
    settings.persistence.diffbase_storage = MemoryDiffBaseStorage()
    settings.posting.enabled = False  # frr-edge posts its own Events, on Routers and Services only
    settings.peering.standalone = True  # leader election is a Lease: see controller/operator/leader.py
    settings.scanning.disabled = True  # no cluster-wide namespace watch: namespaces are given exactly
    settings.watching.server_timeout = 300
    return settings


def _list_path(resource: Watched, namespace: str | None) -> str:
    base = f"/api/{resource.version}" if not resource.group else f"/apis/{resource.group}/{resource.version}"
    return f"{base}/namespaces/{namespace}/{resource.plural}" if namespace else f"{base}/{resource.plural}"


async def _wait_synced(
    api: client.ApiClient, index: Index, lists: list[tuple[Watched, str | None]], watching: list[Informer]
) -> None:
    """Wait until the index holds everything one listing of each watched resource returned, and every
    informer has put its first list in.

    Rendering from half an index would remove what the missing objects configure; so no worker runs first.
    """

    def listed() -> set[tuple[str, str, str, str]]:
        keys = set()
        for resource, namespace in lists:
            only = [("fieldSelector", f"metadata.name={resource.name}")] if resource.name else None
            method, url, headers, _, _ = api.param_serialize(
                "GET", _list_path(resource, namespace), query_params=only, auth_settings=["BearerToken"]
            )
            response = api.call_api(method, url, headers)
            response.read()  # type: ignore[no-untyped-call]
            if response.status == 404:
                continue  # the kind is not installed (MetalLB absent): nothing to wait for
            if response.status != 200:
                raise client.exceptions.ApiException(status=response.status, reason=response.reason)
            answer = json.loads(response.data or b"{}")
            kind = answer["kind"].removesuffix("List")
            api_version = f"{resource.group}/{resource.version}" if resource.group else resource.version
            for item in answer.get("items", []):
                keys.add(key_of({"apiVersion": api_version, "kind": kind, "metadata": item["metadata"]}))
        return keys

    wanted = await asyncio.to_thread(listed)
    deadline = time.monotonic() + 120
    if not await wait_listed(watching, 120):
        logger.warning("Nodes, Pods or Services not listed after 120 s; starting anyway")
    while time.monotonic() < deadline:
        missing = [key for key in wanted if index.get(key) is None]
        if not missing:
            return
        await asyncio.sleep(0.1)
    logger.warning("index still misses %d listed objects after 120 s; starting anyway", len(missing))


async def run_controller(args: argparse.Namespace) -> None:
    configuration = client.Configuration()
    if args.kubeconfig or not os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=args.kubeconfig, client_configuration=configuration
        )
    else:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    api = client.ApiClient(configuration)
    metrics = Metrics()
    index = Index()
    index_synced = False

    def synced() -> bool:
        return index_synced
    identity = args.identity or f"{socket.gethostname()}-{os.getpid()}"
    writer = KubeWriter(api, identity)
    election: LeaderElection | None = None
    supervisor: Supervisor

    def leader_changed(leader: bool) -> None:
        metrics.set("frr_edge_leader", 1 if leader else 0)
        if leader:
            supervisor.touch_all()

    if args.leader_election:
        timing = LeaseTiming(duration=args.lease_duration, renew_every=args.lease_duration / 3)
        election = LeaderElection(api, args.lease_namespace, args.lease_name, identity, timing, leader_changed)
    elif args.workers:
        metrics.set("frr_edge_leader", 1)
    supervisor = Supervisor(
        index,
        writer,
        metrics,
        (lambda: election.is_leader) if election is not None else (lambda: True),
        Timing(debounce=args.debounce, resync=args.resync, backoff_max=args.backoff_max),
        args.connect_timeout,
        args.command_timeout,
    )
    operators = [
        (CLUSTER_WIDE, {"clusterwide": True}),
        (SECRETS, {"namespaces": args.secret_namespace}),
        (METALLB, {"namespaces": args.metallb_namespace}),
    ]
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            kopf.operator(
                registry=_registry(watched, index, configuration), settings=_settings(), stop_flag=stop, **scope
            ),
            name=f"kopf/{watched[0].plural}",
        )
        for watched, scope in operators
    ]
    host, _, port = args.metrics_address.rpartition(":")
    runner = await serve(metrics, synced, host or "0.0.0.0", int(port))
    webhook: WebhookServer | None = None
    if args.webhook_address is not None:
        webhook = from_args(api, index, synced, args)
        webhook.start()
    lists: list[tuple[Watched, str | None]] = [(w, None) for w in CLUSTER_WIDE]
    lists += [(w, ns) for w in SECRETS for ns in args.secret_namespace]
    lists += [(w, ns) for w in METALLB for ns in args.metallb_namespace]
    watching = informers(api, index, args.metallb_namespace)
    for informer in watching:
        informer.start()
    try:
        sync = asyncio.create_task(_wait_synced(api, index, lists, watching))
        done, _ = await asyncio.wait([sync, *tasks], return_when=asyncio.FIRST_COMPLETED)
        if sync in done:
            sync.result()
            logger.info("index synced: %d objects; %d Routers", len(index), len(index.router_names()))
            index_synced = True
            if args.workers:  # `frr-edge webhook` only serves the webhook from the index
                supervisor.start()
            if election is not None:
                tasks.append(asyncio.create_task(election.run(), name="leader-election"))
            # A signal stops one of the operators (kopf's handler belongs to whichever installed it last).
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        for informer in watching:
            informer.stop()
        if webhook is not None:
            await webhook.stop()
        await supervisor.stop()
        if election is not None:
            await election.release()
        for task in tasks:
            if task.get_name() == "leader-election":
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
        await runner.cleanup()
        api.close()  # type: ignore[no-untyped-call]


def run(args: argparse.Namespace) -> int:
    """`frr-edge run`: until SIGTERM or SIGINT."""
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("kopf").setLevel(logging.WARNING)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    asyncio.run(run_controller(args))
    return 0
