"""A Linux router running FRR and nftables, reached over SSH: frr-edge's one kind of router (`SshBackend`).

Composes the pure planners (`controller.router.frr`, `controller.router.nftables`) and the SSH transport
(`controller.router.ssh`): `apply.py` applies and rolls back, `transaction.py` records an FRR apply's intent,
`observe.py` reads what runs, `preview.py` shows what an apply would change, `tool_errors.py` reduces what
the router's tools refused to what is safe to show. Another kind of router is a package beside this one.
"""
