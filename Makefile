# The two commands: `make render` (the main job until the lab demo exists) and `make test`.
# Both install what they need first; .ci/run calls `make test`.
PYTHON ?= python3

.PHONY: setup render test lint crds

setup:
	@scripts/setup.sh

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
