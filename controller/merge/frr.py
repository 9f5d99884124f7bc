"""Merge the FRRConfigurations selected for one router, by FRR-K8s's rules and then some.

FRR-K8s's rules: configurations add up; a neighbor is identified by its address (or interface) and VRF;
session settings must agree, an unset setting meaning its default (an unset bfdProfile has no opinion);
the more permissive toReceive wins; advertised prefixes, communities and local preferences are unions,
but one prefix cannot get two local preferences; BFD profiles merge by name and must be identical.
Where FRR-K8s is weak frr-edge is stricter or more useful, and says so:
- `mode: all` advertises every prefix of the merged router, whichever configuration declared it;
- enableGracefulRestart must agree like any other session setting (FRR-K8s: the first one wins);
- a password that differs is a conflict whose message never shows either password;
- prefixes referenced by toAdvertise, withLocalPref and withCommunity, BFD profiles and imported VRFs are
  checked after the merge, so one configuration may use what another declares.
docs/layering.md lists every deliberate difference from FRR-K8s, each with the test that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from controller.addresses import family, parse_address
from controller.api.duration import seconds
from controller.api.frrconfiguration import BFDProfile, BGPRouter, FRRConfiguration, Neighbor, check_password
from controller.desired import (
    DEFAULT_CONNECT,
    DEFAULT_HOLD,
    DEFAULT_KEEPALIVE,
    DEFAULT_PORT,
    DEFAULT_VRF,
    DesiredBGP,
    DesiredFRR,
    DesiredNeighbor,
    RawSnippet,
)
from controller.errors import REDACTED, InputWarning, InvalidInput, MergeConflict, Origin
from controller.frrcfg import FrrSyntaxError
from controller.frrcfg.redact import redact_line
from controller.inputs import Loaded, SecretData, password_from

if TYPE_CHECKING:
    from controller.frrcfg import Config

Secrets = dict[tuple[str, str], SecretData]

# SESSION_FIELDS (api/frrconfiguration.py) as DesiredNeighbor holds them: (attribute, the API field named in a
# conflict), each compared with the value an unset field means. The timers compare by effect (_timers),
# passwordSecret as the password it resolves to, dynamicASN as the remote-as it gives.
_SESSION_FIELDS: tuple[tuple[str, str], ...] = (
    ("remote_as", "asn"),
    ("port", "port"),
    ("source_address", "sourceaddress"),
    ("password", "password"),
    ("effective_connect", "connectTime"),
    ("ebgp_multihop", "ebgpMultiHop"),
    ("graceful_restart", "enableGracefulRestart"),
    ("dual_stack", "dualStackAddressFamily"),
    ("local_asn", "localASN"),
)


def _timers(neighbor: DesiredNeighbor) -> tuple[int, int]:
    return neighbor.timers or (DEFAULT_KEEPALIVE, DEFAULT_HOLD)


def _effective(neighbor: DesiredNeighbor, name: str) -> Any:
    if name == "effective_connect":
        return neighbor.connect_time if neighbor.connect_time is not None else DEFAULT_CONNECT
    return getattr(neighbor, name)


def _shown(name: str, value: Any) -> str:
    if name == "password":
        return "(unset)" if value is None else REDACTED
    if name.startswith("effective_"):
        return f"{value}s"
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _password(origin: Origin, path: str, neighbor: Neighbor, secrets: Secrets) -> str | None:
    if neighbor.password is not None:
        return neighbor.password
    reference = neighbor.password_secret
    if reference is None:
        return None
    namespace = reference.namespace or origin.namespace or "default"
    try:
        password = password_from(secrets, namespace, reference.name)
    except ValueError as error:
        raise InvalidInput(origin, f"{path}.passwordSecret", str(error)) from None
    try:
        return check_password(password)
    except ValueError as error:
        raise InvalidInput(
            origin, f"{path}.passwordSecret", f"the password in Secret {namespace}/{reference.name} {error}"
        ) from None


def _neighbor(
    origin: Origin, path: str, router: BGPRouter, vrf: str, neighbor: Neighbor, secrets: Secrets
) -> DesiredNeighbor:
    remote_as = str(neighbor.asn) if neighbor.asn is not None else str(neighbor.dynamic_asn)
    if neighbor.local_asn is not None and (neighbor.asn == router.asn or neighbor.dynamic_asn == "internal"):
        raise InvalidInput(origin, f"{path}.localASN", "localASN is only possible on eBGP sessions")
    advertise = neighbor.to_advertise
    receive = neighbor.to_receive.allowed
    result = DesiredNeighbor(
        vrf=vrf,
        peer=neighbor.peer,
        interface=neighbor.interface is not None,
        remote_as=remote_as,
        port=neighbor.port if neighbor.port is not None else DEFAULT_PORT,
        source_address=neighbor.source_address,
        password=_password(origin, path, neighbor, secrets),
        hold_time=seconds(neighbor.hold_time) if neighbor.hold_time is not None else None,
        keepalive_time=seconds(neighbor.keepalive_time) if neighbor.keepalive_time is not None else None,
        connect_time=seconds(neighbor.connect_time) if neighbor.connect_time is not None else None,
        ebgp_multihop=neighbor.ebgp_multi_hop,
        bfd_profile=neighbor.bfd_profile,
        graceful_restart=bool(neighbor.enable_graceful_restart),
        dual_stack=neighbor.dual_stack_address_family,
        local_asn=neighbor.local_asn,
        maximum_prefixes=neighbor.maximum_prefixes,
        advertise_all=advertise.allowed.mode == "all",
        advertise=set(advertise.allowed.prefixes),
        receive_all=receive.mode == "all",
        receive={(selector.prefix, selector.ge, selector.le) for selector in receive.prefixes},
        next_hops={
            version: address
            for version, address in ((4, advertise.next_hop.ipv4), (6, advertise.next_hop.ipv6))
            if address is not None
        },
        address_families=set(neighbor.address_families),
    )
    for index, group in enumerate(advertise.with_local_pref):
        for prefix in group.prefixes:
            if result.local_prefs.get(prefix, group.local_pref) != group.local_pref:
                raise InvalidInput(
                    origin,
                    f"{path}.toAdvertise.withLocalPref[{index}]",
                    f"prefix {prefix} is given two local preferences "
                    f"({result.local_prefs[prefix]} and {group.local_pref})",
                )
            result.local_prefs[prefix] = group.local_pref
    for community in advertise.with_community:
        for prefix in community.prefixes:
            result.communities.setdefault(prefix, set()).add(community.community)
    return result


def _merge_neighbor(
    subject: str, existing: DesiredNeighbor, owner: Origin, incoming: DesiredNeighbor, origin: Origin
) -> None:
    for name, api_name in _SESSION_FIELDS:
        mine, theirs = _effective(existing, name), _effective(incoming, name)
        if mine != theirs:
            raise MergeConflict(subject, api_name, owner, _shown(name, mine), origin, _shown(name, theirs))
    # Timers compare by effect: holdTime 90s alone is the same as holdTime 90s with keepaliveTime 30s.
    mine_timers, their_timers = _timers(existing), _timers(incoming)
    if mine_timers != their_timers:
        api_name = "holdTime" if existing.hold_time != incoming.hold_time else "keepaliveTime"
        raise MergeConflict(
            subject,
            api_name,
            owner,
            f"keepalive {mine_timers[0]}s / hold {mine_timers[1]}s",
            origin,
            f"keepalive {their_timers[0]}s / hold {their_timers[1]}s",
        )
    if existing.bfd_profile is None:
        existing.bfd_profile = incoming.bfd_profile
    elif incoming.bfd_profile is not None and incoming.bfd_profile != existing.bfd_profile:
        raise MergeConflict(subject, "bfdProfile", owner, existing.bfd_profile, origin, incoming.bfd_profile)
    if existing.maximum_prefixes is None:
        existing.maximum_prefixes = incoming.maximum_prefixes
    elif incoming.maximum_prefixes is not None and incoming.maximum_prefixes != existing.maximum_prefixes:
        raise MergeConflict(
            subject,
            "maximumPrefixes",
            owner,
            str(existing.maximum_prefixes),
            origin,
            str(incoming.maximum_prefixes),
        )
    existing.advertise_all = existing.advertise_all or incoming.advertise_all
    existing.advertise |= incoming.advertise
    for prefix, local_pref in incoming.local_prefs.items():
        current = existing.local_prefs.setdefault(prefix, local_pref)
        if current != local_pref:
            raise MergeConflict(
                subject, f"toAdvertise.withLocalPref {prefix}", owner, str(current), origin, str(local_pref)
            )
    for prefix, communities in incoming.communities.items():
        existing.communities.setdefault(prefix, set()).update(communities)
    existing.receive_all = existing.receive_all or incoming.receive_all
    existing.receive |= incoming.receive
    # As FRR-K8s (mergeNextHop): a next hop set on one side only is kept, two different ones conflict.
    for version, address in incoming.next_hops.items():
        kept = existing.next_hops.setdefault(version, address)
        if kept != address:
            raise MergeConflict(subject, f"toAdvertise.nextHop.ipv{version}", owner, kept, origin, address)
    existing.address_families |= incoming.address_families


def _merge_router(subject: str, existing: DesiredBGP, owner: Origin, router: BGPRouter, origin: Origin) -> None:
    if existing.asn != router.asn:
        raise MergeConflict(subject, "asn", owner, str(existing.asn), origin, str(router.asn))
    if router.id is not None:
        if existing.router_id is None:
            existing.router_id = router.id
        elif existing.router_id != router.id:
            raise MergeConflict(subject, "id", owner, existing.router_id, origin, router.id)
    existing.prefixes.update(router.prefixes)
    existing.imports.update(item.vrf for item in router.imports)
    if router.maximum_paths is not None:
        existing.maximum_paths = max(existing.maximum_paths or 1, router.maximum_paths)


def _merge_bfd(profiles: dict[str, BFDProfile], owners: dict[str, Origin], profile: BFDProfile, origin: Origin) -> None:
    current = profiles.get(profile.name)
    if current is None:
        profiles[profile.name] = profile
        owners[profile.name] = origin
        return
    if current != profile:
        for name in sorted(BFDProfile.model_fields):
            mine, theirs = getattr(current, name), getattr(profile, name)
            if mine != theirs:
                alias = BFDProfile.model_fields[name].alias or name
                raise MergeConflict(
                    f"BFD profile {profile.name}", alias, owners[profile.name], str(mine), origin, str(theirs)
                )


def _neighbor_subject(router_name: str, vrf: str, peer: str) -> str:
    return f"router {router_name} neighbor {peer} (vrf {vrf or 'default'})"


def merge_frr(
    router_name: str,
    configurations: Iterable[Loaded[FRRConfiguration]],
    secrets: Secrets,
    router_addresses: frozenset[str] = frozenset(),
    warnings: list[InputWarning] | None = None,
) -> DesiredFRR:
    """Merge the configurations selected for one router; raises InvalidInput or MergeConflict.

    `router_addresses` are the router's own addresses (Router spec.address and bgpAddresses): no neighbor
    may have one of them. Fields accepted but not rendered (FRR-K8s's evpn) or without effect are added to
    `warnings`, each naming the object and field.
    """
    warnings = [] if warnings is None else warnings
    ordered = sorted(configurations, key=lambda loaded: (loaded.origin.namespace or "", loaded.origin.name))
    desired = DesiredFRR()
    router_owners: dict[str, Origin] = {}
    neighbor_owners: dict[tuple[str, str], Origin] = {}
    bfd_owners: dict[str, Origin] = {}
    for loaded in ordered:
        origin, spec = loaded.origin, loaded.object.spec
        for profile in spec.bgp.bfd_profiles:
            _merge_bfd(desired.bfd_profiles, bfd_owners, profile, origin)
        for router_index, router in enumerate(spec.bgp.routers):
            vrf = router.vrf or ""
            subject = f"router {router_name} BGP instance (vrf {vrf or 'default'})"
            bgp = desired.routers.get(vrf)
            if bgp is None:
                bgp = desired.routers[vrf] = DesiredBGP(asn=router.asn, vrf=vrf)
                router_owners[vrf] = origin
            _merge_router(subject, bgp, router_owners[vrf], router, origin)
            for neighbor_index, neighbor in enumerate(router.neighbors):
                path = f"spec.bgp.routers[{router_index}].neighbors[{neighbor_index}]"
                incoming = _neighbor(origin, path, router, vrf, neighbor, secrets)
                existing = bgp.neighbors.get(incoming.peer)
                if existing is None:
                    bgp.neighbors[incoming.peer] = incoming
                    neighbor_owners[(vrf, incoming.peer)] = origin
                    continue
                subject = _neighbor_subject(router_name, vrf, incoming.peer)
                _merge_neighbor(subject, existing, neighbor_owners[(vrf, incoming.peer)], incoming, origin)
        if spec.raw.raw_config.strip():
            config = _parsed_raw(origin, spec.raw.raw_config, warnings)
            desired.raw.append(RawSnippet(spec.raw.priority, origin, config))
    desired.raw.sort(key=lambda snippet: (snippet.priority, snippet.origin.namespace or "", snippet.origin.name))
    _check_raw_instances(router_name, desired, router_owners)
    _resolve_imports(desired, ordered)
    _check_references(desired, ordered, router_addresses, warnings)
    warnings.extend(_missing_router_ids(router_name, desired, router_owners, router_addresses))
    return desired


def _missing_router_ids(
    router_name: str, desired: DesiredFRR, owners: dict[str, Origin], router_addresses: frozenset[str]
) -> list[InputWarning]:
    """A warning per BGP instance with neighbors and no router-id on a router whose known addresses are IPv6.

    FRR takes an instance's BGP identifier from an IPv4 address of the router when `bgp router-id` is not
    set; with none it stays 0.0.0.0, which RFC 4271 forbids in an OPEN, and no session comes up (newer
    bgpd refuses to connect: "BGP identifier is missing for peer ..., set it with `bgp router-id`"). The
    router may have IPv4 addresses frr-edge does not know of, so this is a warning, not an error.
    """
    if not router_addresses or any(family(address) == 4 for address in router_addresses):
        return []
    from controller.frrcfg.model import BgpRouterId, RouterBgp  # with raw snippets only (see _parsed_raw)

    raw_ids = {
        item.vrf or ""
        for snippet in desired.raw
        for item in snippet.config.items
        if isinstance(item, RouterBgp) and any(isinstance(line, BgpRouterId) for line in item.items)
    }
    return [
        InputWarning(
            owners[vrf],
            f"router {router_name} BGP instance (vrf {vrf or 'default'}) has no router-id (spec.bgp.routers[].id) "
            "and the router's known addresses (spec.address, spec.bgpAddresses) are IPv6 only: FRR takes the BGP "
            "identifier from an IPv4 address of the router, and without one no session comes up",
            "RouterIDMissing",
        )
        for vrf, bgp in sorted(desired.routers.items())
        if bgp.router_id is None and bgp.neighbors and vrf not in raw_ids
    ]


def _check_raw_instances(router_name: str, desired: DesiredFRR, owners: dict[str, Origin]) -> None:
    """A raw `router bgp ASN [vrf VRF]` must name the AS of that instance; raises MergeConflict.

    FRR runs one BGP instance per VRF: a snippet's `router bgp 65010` for the instance rendered as 64512
    would be merged under one header, and either AS would be wrong. The instance's AS comes from the
    FRRConfiguration that declared it, or from the first snippet (by priority) that opens it.
    """
    if not desired.raw:
        return
    # The FRR model is loaded with the first snippet (_parsed_raw), not by every start-up.
    from controller.frrcfg.model import RouterBgp

    asns = {vrf: (str(bgp.asn), owners[vrf]) for vrf, bgp in desired.routers.items()}
    for snippet in desired.raw:
        for item in snippet.config.items:
            if not isinstance(item, RouterBgp) or item.asn is None or item.view is not None:
                continue
            vrf = item.vrf or ""
            asn, owner = asns.setdefault(vrf, (item.asn, snippet.origin))
            if int(asn) != int(item.asn):  # the checker admits plain AS numbers only, as FRR 8.4 does
                subject = f"router {router_name} BGP instance (vrf {vrf or 'default'})"
                raw = f"{item.asn} (spec.raw.rawConfig: {item.header()})"
                raise MergeConflict(subject, "asn", owner, asn, snippet.origin, raw)


def _parsed_raw(origin: Origin, text: str, warnings: list[InputWarning]) -> Config:
    """A raw snippet as FRR's CLI (the command table) and the grammar read it; raises InvalidInput, redacted.

    A line the command table cannot judge (Verdict.unjudged: FRR may take it or not, such as `banner motd
    file FILE`, which vtysh decides on the router) is a warning naming the line, not a silent pass. One `exit`
    too many at the top level, where vtysh would stop reading, the grammar refuses.
    """
    # Loaded with the first snippet: most inputs have none, and the grammar and the table cost every start-up.
    from controller.frrcfg import check, parse_checked

    verdict = check(text)
    try:
        config = parse_checked(text, source="rawConfig", verdict=verdict)
    except FrrSyntaxError as error:
        expected = f"; expected {' or '.join(error.expected)}" if error.expected else ""
        raise InvalidInput(
            origin,
            "spec.raw.rawConfig",
            f"line {error.line} column {error.column}: {error.message}{expected}: {redact_line(error.text).strip()!r}",
        ) from None
    for unjudged in verdict.unjudged:
        message = f"spec.raw.rawConfig line {unjudged.line}: not checked: {unjudged.reason}"
        warnings.append(InputWarning(origin, message, "RawNotChecked"))
    _refuse_what_frr_does_not_show(origin, config)
    return config


def _refuse_what_frr_does_not_show(origin: Origin, config: Config) -> None:
    """Raise InvalidInput for a line FRR never shows back as written (frrcfg.model.NOT_SHOWN), or an empty
    `vrf` block (FRR shows none): an apply of it could never be seen to run, so every apply would roll back.
    A `line vty` block is refused too: FRR shows it, but nothing takes it back once the snippet goes."""
    from controller.frrcfg.model import Block, Command, not_shown

    for _, item in config.walk():
        if isinstance(item, Block) and item.header() == "line vty":
            # Shown, but never taken back: every apply after the snippet's removal would roll back.
            raise InvalidInput(
                origin,
                "spec.raw.rawConfig",
                f"line {item.line}: FRR cannot take a `line vty` block back once it runs it (there is no `no line "
                "vty`, and `no exec-timeout` leaves its line), so removing this snippet would stop every later "
                "apply: set it on the router",
            )
        if isinstance(item, Command):
            line, why = item.text(), not_shown(item.text())
        elif isinstance(item, Block) and item.header().startswith("vrf ") and not item.items:
            line, why = item.header(), "FRR shows no empty `vrf` block"
        else:
            continue
        if why is not None:
            raise InvalidInput(
                origin,
                "spec.raw.rawConfig",
                f"line {item.line}: FRR never shows this line back as written ({why}), so no apply could see it "
                f"run: {redact_line(line)!r}",
            )


def _imports_reach(desired: DesiredFRR, start: str, goal: str) -> bool:
    """Whether the instance of VRF `start` imports `goal`, directly or through other instances."""
    seen, todo = set(), [start]
    while todo:
        vrf = todo.pop()
        if vrf == goal:
            return True
        if vrf not in seen and vrf in desired.routers:
            seen.add(vrf)
            todo.extend(desired.routers[vrf].imported_instances)
    return False


def _resolve_imports(desired: DesiredFRR, ordered: list[Loaded[FRRConfiguration]]) -> None:
    """Every imported VRF must have a BGP instance on this router; its prefixes become advertisable.

    FRR-K8s (validateImportVRFs, importedPrefixes) refuses an import of a VRF without a router and lets a
    neighbor advertise the imported VRF's prefixes, `mode: all` included. FRR-K8s looks only inside the
    configuration that imports; frr-edge looks at the merged router, as for every other reference. VRFs of
    different AS numbers that import each other are refused: FRR cannot read them in any order
    (DesiredFRR.instance_order says why).
    """
    for loaded in ordered:
        for router_index, router in enumerate(loaded.object.spec.bgp.routers):
            for import_index, imported in enumerate(router.imports):
                where = f"spec.bgp.routers[{router_index}].imports[{import_index}].vrf"
                key = "" if imported.vrf == DEFAULT_VRF else imported.vrf
                source = desired.routers.get(key)
                if source is None:
                    raise InvalidInput(
                        loaded.origin,
                        where,
                        f"no FRRConfiguration selecting this router has a BGP instance in VRF {imported.vrf!r} "
                        "to import from (spec.bgp.routers[].vrf)",
                    )
                if source.asn != router.asn and _imports_reach(desired, key, router.vrf or ""):
                    raise InvalidInput(
                        loaded.origin,
                        where,
                        f"VRF {imported.vrf!r} (AS {source.asn}) imports this instance's VRF (AS {router.asn}) in "
                        "turn: FRR creates the instance it reads second with the other's AS and refuses the real "
                        "one, so VRFs that import each other need one AS number",
                    )
    for bgp in desired.routers.values():
        for vrf in bgp.imported_instances:
            bgp.imported_prefixes |= desired.routers[vrf].prefixes


def _check_references(
    desired: DesiredFRR,
    ordered: list[Loaded[FRRConfiguration]],
    router_addresses: frozenset[str],
    warnings: list[InputWarning],
) -> None:
    """Checks that need the merged result: advertised prefixes exist, families fit, profiles exist."""
    for loaded in ordered:
        origin = loaded.origin
        for router_index, router in enumerate(loaded.object.spec.bgp.routers):
            bgp = desired.routers[router.vrf or ""]
            if router.evpn is not None:
                warnings.append(
                    InputWarning(
                        origin,
                        f"spec.bgp.routers[{router_index}].evpn is ignored: frr-edge renders no EVPN on an edge "
                        "router (FRR-K8s's VNIs need VXLAN devices frr-edge does not manage)",
                        "FieldNotSupported",
                    )
                )
            for neighbor_index, neighbor in enumerate(router.neighbors):
                path = f"spec.bgp.routers[{router_index}].neighbors[{neighbor_index}]"
                merged = bgp.neighbors[neighbor.peer]
                if neighbor.address in router_addresses:
                    raise InvalidInput(
                        origin, f"{path}.address", f"{neighbor.address} is an address of the router itself"
                    )
                _check_neighbor(origin, path, bgp, merged, neighbor, desired.bfd_profiles)
                warnings.extend(_neighbor_warnings(origin, path, merged, neighbor))


def _neighbor_warnings(origin: Origin, path: str, merged: DesiredNeighbor, neighbor: Neighbor) -> list[InputWarning]:
    """What a neighbor asks for that frr-edge accepts but does not act on."""
    found: list[InputWarning] = []
    if "evpn" in neighbor.address_families:
        found.append(
            InputWarning(
                origin,
                f"{path}.addressFamilies: evpn is ignored: frr-edge activates only the unicast address families",
                "FieldNotSupported",
            )
        )
    if not merged.unicast:
        found.append(
            InputWarning(
                origin,
                f"{path}.addressFamilies: without unicast the session carries nothing frr-edge renders",
                "FieldNotSupported",
            )
        )
    if neighbor.disable_mp:
        found.append(
            InputWarning(
                origin,
                f"{path}.disableMP is deprecated and ignored, as in FRR-K8s; dualStackAddressFamily activates "
                "both families",
                "FieldNotSupported",
            )
        )
    families = merged.families
    # FRR-K8s keeps such a selector in the prefix-list of a family the session does not carry: no effect.
    other = [
        selector.prefix for selector in neighbor.to_receive.allowed.prefixes if family(selector.prefix) not in families
    ]
    if other:
        found.append(
            InputWarning(
                origin,
                f"{path}.toReceive.allowed.prefixes: {', '.join(other)} has no effect: the session carries only "
                f"IPv{families[0]} unless dualStackAddressFamily is true",
                "FieldHasNoEffect",
            )
        )
    return found


def _check_family(origin: Origin, where: str, prefix: str, families: tuple[int, ...], verb: str) -> None:
    if family(prefix) not in families:
        raise InvalidInput(
            origin,
            where,
            f"{prefix} cannot be {verb} over an IPv{families[0]} session unless dualStackAddressFamily is true",
        )


def _check_neighbor(
    origin: Origin,
    path: str,
    bgp: DesiredBGP,
    merged: DesiredNeighbor,
    neighbor: Neighbor,
    bfd_profiles: dict[str, BFDProfile],
) -> None:
    if neighbor.bfd_profile is not None and neighbor.bfd_profile not in bfd_profiles:
        raise InvalidInput(
            origin,
            f"{path}.bfdProfile",
            f"BFD profile {neighbor.bfd_profile!r} is not defined in any FRRConfiguration selecting this router",
        )
    families = merged.families
    advertise = neighbor.to_advertise
    advertisable = bgp.advertisable
    for index, prefix in enumerate(advertise.allowed.prefixes):
        where = f"{path}.toAdvertise.allowed.prefixes[{index}]"
        if prefix not in advertisable:
            raise InvalidInput(
                origin,
                where,
                f"{prefix} is not one of the router's prefixes (spec.bgp.routers[].prefixes) nor of a VRF it imports",
            )
        _check_family(origin, where, prefix, families, "advertised")
    allowed = advertisable if merged.advertise_all else merged.advertise
    # FRR-K8s (validateOutgoingPrefixes) refuses a prefix of a family the session does not carry here too.
    for field_name, groups in (
        ("withLocalPref", [group.prefixes for group in advertise.with_local_pref]),
        ("withCommunity", [group.prefixes for group in advertise.with_community]),
    ):
        for group_index, prefixes in enumerate(groups):
            for prefix_index, prefix in enumerate(prefixes):
                where = f"{path}.toAdvertise.{field_name}[{group_index}].prefixes[{prefix_index}]"
                _check_family(origin, where, prefix, families, "advertised")
                if prefix not in allowed:
                    raise InvalidInput(
                        origin, where, f"{prefix} is not advertised to this neighbor (toAdvertise.allowed)"
                    )
    for version, address in ((4, advertise.next_hop.ipv4), (6, advertise.next_hop.ipv6)):
        if address is not None and version not in families:
            raise InvalidInput(
                origin,
                f"{path}.toAdvertise.nextHop.ipv{version}",
                f"an IPv{version} next hop needs a session that carries IPv{version}: this one carries only "
                f"IPv{families[0]} unless dualStackAddressFamily is true",
            )
    if neighbor.address is not None and parse_address(neighbor.address).is_link_local:
        # FRR reaches a link-local neighbor only through an interface: that is an unnumbered session.
        raise InvalidInput(origin, f"{path}.address", "a link-local address needs `interface` (unnumbered) instead")
