"""The SSH transport: the only code that talks to a router, and everything that runs there.

`transport.py` (asyncssh, pinned host keys, SFTP uploads), `commands.py` (every command frr-edge runs on a
router, and the sudo rules that allow exactly those), `lock.py` (one writer per router). It knows nothing of
FRR planning or nftables deltas: those are `controller.router.frr` and `controller.router.nftables`.
"""
