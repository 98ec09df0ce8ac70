# Quick start (see README): `make study` and `make test`. Both create .venv with
# Python >= 3.12 (found by bin/find-python) and install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: study test venv clean-venv

$(VENV)/.installed-%: pyproject.toml
	@test -x $(PY) || "$$(bin/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$*]"
	@touch $@

study: $(VENV)/.installed-cluster
	$(VENV)/bin/govsim run

test: $(VENV)/.installed-dev,cluster
	$(PY) -m pytest -q

clean-venv:
	rm -rf $(VENV)
