"""The router edge: the flow's one seam to a router (`backend.py`), and RouterState from what it returns.

`backend.py` (the Backend protocol), `state.py` (RouterState status, a pure function), and one package per
part behind the seam: `frr/` and `nftables/` plan (pure), `ssh/` reaches the router, `linux/` is the kind
of router frr-edge drives today (FRR and nftables on Linux over SSH). docs/changes.md: adding a backend.
"""
