# Quick start (see README): `make study` and `make test`. Both create .venv with
# Python >= 3.12 (found by bin/find-python) and install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
# extra pytest arguments, e.g. `make test PYTEST_ARGS=--browser` (what .ci/run does)
PYTEST_ARGS ?=

.PHONY: study test calibration venv clean-venv screenshot sweep-figures

$(VENV)/.installed-%: pyproject.toml
	@test -x $(PY) || "$$(bin/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$*]"
	@touch $@

study: $(VENV)/.installed-cluster
	$(VENV)/bin/govsim run

# the page's tests need the viz extra (the browser test itself runs with --browser)
test: $(VENV)/.installed-dev,cluster,viz,calibration
	$(PY) -m pytest -q $(PYTEST_ARGS)

# the README's screenshot of the page (needs Chromium: apt-get install chromium)
screenshot: $(VENV)/.installed-dev,cluster,viz
	$(PY) bin/page-screenshot

# the shipped calibration (README, "The shipped calibration"): a few minutes on 2 idle cores
calibration: $(VENV)/.installed-calibration
	$(VENV)/bin/govsim calibrate scenarios/calibration/behaviour-sichuan.toml --out results/calibrate-behaviour-sichuan --overwrite

# the README's sweep figures, from the shipped experiments (docs/make_sweep_figures.py)
sweep-figures: $(VENV)/.installed-cluster
	$(PY) docs/make_sweep_figures.py

clean-venv:
	rm -rf $(VENV)
