"""frr-edge: the controller for the FRR + nftables router in front of a MetalLB cluster."""
