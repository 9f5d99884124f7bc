"""nftables on a router, decided without reaching it: the set and map elements that changed between rulesets.

Pure (no I/O): two rendered rulesets in, an nft script and its rollback out (`delta.py`). Any backend that
runs nftables uses it; it never imports a transport.
"""
