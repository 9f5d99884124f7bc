# The two commands: `make demo` (the main job) and `make test`; `make render` renders samples/ offline.
# Both install what they need first; .ci/run calls `make test`.
PYTHON ?= python3

.PHONY: setup demo demo-stop render test lint crds

setup:
	@scripts/setup.sh

# The lab demo: real API server, router lab (FRR, sshd, nftables in namespaces) and the controller.
demo:
	@scripts/setup.sh --test
	$(PYTHON) -m controller lab demo start --dir /tmp/frr-edge-demo

demo-stop:
	$(PYTHON) -m controller lab demo stop --dir /tmp/frr-edge-demo

render: setup
	$(PYTHON) -m controller render -f samples/

test:
	@scripts/setup.sh --test
	$(PYTHON) -m pytest

lint: setup
	$(PYTHON) -m ruff check controller tests bench
	$(PYTHON) -m mypy controller

crds: setup
	$(PYTHON) -m controller crds --write crds/
