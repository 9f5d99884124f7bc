"""FRR on a router, decided without reaching it: the running config and the rendered one in, a plan out.

Pure (no I/O): what of the running configuration frr-edge owns, the desired whole configuration, and the
vtysh delta between them (`plan.py`). Any backend that runs FRR uses it; it never imports a transport.
"""
