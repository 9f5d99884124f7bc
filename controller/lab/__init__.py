"""Labs: real components on this machine for tests and demos (`frr-edge lab ...`)."""
