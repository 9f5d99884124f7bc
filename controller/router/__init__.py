"""The router edge: SSH transport, apply (delta, frr-reload.py fallback, rollback), observe, RouterState."""
