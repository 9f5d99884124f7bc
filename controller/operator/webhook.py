"""The validating admission webhook: HTTPS for the API server, verdicts from controller/admission.py.

It reads the controller's own index (every object the controller renders from), so a verdict is the one the
controller would reach. It writes nothing but its certificate (webhook_tls.py) and has no side effects, so
`kubectl apply --dry-run=server` is reviewed too. Whatever goes wrong here admits: an error in the webhook
must never stop a user (the ValidatingWebhookConfiguration's failurePolicy is Ignore for the same reason,
docs/gitops.md); the controller still reports the problem in RouterState and keeps the router's last good
configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import ssl
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from controller.admission import Verdict, review
from controller.inputs import Inputs
from controller.metallb.resources import Cluster
from controller.operator.index import Index
from controller.operator.webhook_tls import Bundle, CertificateKeeper, WebhookTLSError

logger = logging.getLogger(__name__)

PATH = "/validate"
# An AdmissionReview holds the object and its previous version; the API server stores objects up to ~1.5 MB.
MAX_REQUEST = 8 * 1024 * 1024


class AdmissionWebhook:
    """Answers AdmissionReviews from the index; `synced` says whether the index holds the whole cluster yet."""

    def __init__(self, index: Index, synced: Callable[[], bool]) -> None:
        self.index = index
        self.synced = synced
        self._base: tuple[int, Inputs, Cluster] | None = None

    def _existing(self) -> tuple[Inputs, Cluster]:
        """The index as Inputs (and MetalLB's side of it), built once per index version."""
        if self._base is None or self._base[0] != self.index.version:
            snapshot = self.index.snapshot()
            self._base = (snapshot.version, snapshot.inputs, snapshot.cluster)
        return self._base[1], self._base[2]

    async def verdict(self, request: dict[str, Any]) -> Verdict:
        """The verdict on one AdmissionReview request."""
        if request.get("operation") not in ("CREATE", "UPDATE"):
            return Verdict(True)  # deletes are never refused (the configuration does not even send them)
        candidate = request.get("object")
        if not isinstance(candidate, dict):
            return Verdict(True)
        if not self.synced():
            return Verdict(True, warnings=("frr-edge's webhook is starting (its index is not complete): not checked",))
        replaced = request.get("oldObject") if request.get("operation") == "UPDATE" else None
        try:
            existing, cluster = self._existing()  # in the event loop, where the index is written
            return await asyncio.to_thread(
                review, existing, candidate, replaced if isinstance(replaced, dict) else None, cluster
            )
        except Exception as error:  # a bug here must not stop users: admit, and say so
            # Where, not what: an exception's text may quote a value of the object (a password).
            where = traceback.extract_tb(error.__traceback__)[-1]
            logger.error(
                "admission review of %s failed: %s at %s:%s", _named(candidate), type(error).__name__,
                where.filename, where.lineno,
            )  # fmt: skip
            return Verdict(True, warnings=(f"frr-edge could not check this object ({type(error).__name__})",))

    async def handle(self, http: web.Request) -> web.Response:
        try:
            document = await http.json()
            request = document["request"]
            uid = str(request["uid"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="expected an AdmissionReview (admission.k8s.io/v1)\n")
        verdict = await self.verdict(request)
        response: dict[str, Any] = {"uid": uid, "allowed": verdict.allowed}
        if not verdict.allowed:
            response["status"] = {"code": 403, "reason": "Forbidden", "message": verdict.message}
        if verdict.warnings:
            response["warnings"] = list(verdict.warnings)
        if not verdict.allowed:
            logger.info("refused %s %s: %s", request.get("operation"), _named(request.get("object")), verdict.message)
        return web.json_response({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})


def _said(error: Exception) -> str:
    """An error of the certificate's upkeep for the log; an API error's body is left out (it may echo a Secret)."""
    if isinstance(error, WebhookTLSError):
        return str(error)
    if isinstance(error, ApiException):
        return f"the API server answered {error.status} {error.reason}"
    return type(error).__name__


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        logger.error("admission webhook stopped: %s: %s", type(error).__name__, error)  # OSError: the address


def from_args(api: ApiClient, index: Index, synced: Callable[[], bool], args: argparse.Namespace) -> WebhookServer:
    """The webhook server `frr-edge run --webhook-address` and `frr-edge webhook` configure with their flags."""
    service_namespace, service = args.webhook_service
    hosts = [f"{service}.{service_namespace}.svc", f"{service}.{service_namespace}.svc.cluster.local"]
    keeper = CertificateKeeper(api, args.webhook_secret, args.webhook_configuration, [*hosts, *args.webhook_host])
    host, port = args.webhook_address
    return WebhookServer(AdmissionWebhook(index, synced), keeper, host, port)


def _named(document: object) -> str:
    if not isinstance(document, dict):
        return "an object"
    metadata = document.get("metadata") or {}
    where = f"{metadata.get('namespace')}/" if metadata.get("namespace") else ""
    return f"{document.get('kind')} {where}{metadata.get('name')}"


def tls_context(bundle: Bundle) -> ssl.SSLContext:
    """A server context for the bundle's certificate (TLS 1.2 at least)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    load_certificate(context, bundle)
    return context


def load_certificate(context: ssl.SSLContext, bundle: Bundle) -> None:
    """Put the bundle's certificate into `context` (new handshakes use it).

    The ssl module reads certificates only from files: they exist, readable by this user alone, for the
    moment of loading (the image's only writable place is /tmp).
    """
    with tempfile.TemporaryDirectory(prefix="frr-edge-webhook-") as directory:
        cert, key = Path(directory, "tls.crt"), Path(directory, "tls.key")
        for path, text in ((cert, bundle.cert), (key, bundle.key)):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(text)
        context.load_cert_chain(cert, key)


class WebhookServer:
    """The HTTPS server: obtains its certificate (retrying), listens, and renews the certificate now and then."""

    def __init__(self, webhook: AdmissionWebhook, keeper: CertificateKeeper, host: str, port: int) -> None:
        self.webhook = webhook
        self.keeper = keeper
        self.host, self.port = host, port
        self.check_every = 6 * 3600.0
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None
        self.serving = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="admission-webhook")
        self._task.add_done_callback(_report_end)

    async def _certificate(self) -> Bundle:
        delay = 1.0
        while True:
            try:
                return await asyncio.to_thread(self.keeper.ensure)
            except Exception as error:
                logger.error("admission webhook not serving: %s; trying again in %.0f s", _said(error), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    async def _run(self) -> None:
        bundle = await self._certificate()
        context = tls_context(bundle)
        app = web.Application(client_max_size=MAX_REQUEST)
        app.add_routes([web.post(PATH, self.webhook.handle)])
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port, ssl_context=context).start()
        self.serving.set()
        logger.info("admission webhook serving https://%s:%d%s", self.host, self.port, PATH)
        while True:
            await asyncio.sleep(self.check_every)
            try:
                renewed = await asyncio.to_thread(self.keeper.ensure)
            except Exception as error:
                logger.error("admission webhook certificate not checked: %s", _said(error))
                continue
            if renewed != bundle:
                load_certificate(context, renewed)
                bundle = renewed
                logger.info("admission webhook certificate replaced")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._runner is not None:
            await self._runner.cleanup()
