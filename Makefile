# The two commands a person needs: `make demo` and `make test`.
# Both create .venv when it is missing and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# Prefect's temporary server needs more than its default start-up time on a cold 2-core machine.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 180
# No Prefect telemetry: nothing here talks to the internet but the research itself.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: demo test lint bench mutation clean help wheel-venv chromium

help:
	@echo "make demo   run the research flow on the demo world and print the card"
	@echo "make test   run the whole test suite"
	@echo "make bench  run the benchmarks"
	@echo "make lint   ruff"
	@echo "make mutation  mutation testing of the pure core (mutmut; minutes, cached in mutants/)"

# uv (a maintained installer from PyPI) installs the dependencies in seconds instead of a
# minute; when it cannot be installed (or NO_UV=1), pip does the same job, more slowly.
# With uv, the venv is made without pip (seeding pip into it takes 3-4 s of a first
# `make demo`): this Python's own pip puts uv in, and uv adds pip with the dependencies.
$(BIN)/python:
	@if [ -z "$(NO_UV)" ] && $(PYTHON) -m venv --without-pip $(VENV) \
		&& $(PYTHON) -m pip --python $(BIN)/python install -q --disable-pip-version-check uv >/dev/null 2>&1; then \
		echo "Installing with uv."; \
	else \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
		if [ -z "$(NO_UV)" ] && $(BIN)/python -m pip install -q --disable-pip-version-check uv >/dev/null 2>&1; then \
			echo "Installing with uv."; \
		else \
			echo "uv could not be installed (or NO_UV is set): installing with pip, which takes about a minute."; \
			$(BIN)/python -m pip install -q --upgrade pip; \
		fi; \
	fi

# $(call install,SPEC): uv when the venv has it (and pip with it, for `.venv/bin/pip`), else pip.
install = if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install -q --python $(BIN)/python $(1) pip; \
	else $(BIN)/python -m pip install -q $(1); fi

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@$(call install,-e .)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	@$(call install,-e '.[test]')
	touch $@

# `lookup demo` (flows/cli/operations.py, flows/demo.py): `lookup research "Dana Okafor"
# --company "Brightwater Analytics" --role ... --notes ... --smtp --world data/demo`, then the card.
demo: $(VENV)/.installed
	$(BIN)/lookup demo

# The wheel as a user installs it, built from a clean copy of the checkout into a fresh venv
# outside it (tests/test_install.py runs `lookup demo` with it from an empty folder). One
# folder per checkout, so checkouts side by side do not share it.
WHEEL_HOME ?= $(or $(TMPDIR),/tmp)/interviewer-lookup-wheel-$(shell printf %s "$(CURDIR)" | cksum | cut -d' ' -f1)

wheel-venv: $(VENV)/.installed
	@.ci/wheel-venv "$(WHEEL_HOME)" $(BIN)

# The browser test of the Prefect UI needs Chromium: installed with apt-get where this runs
# as root and apt works (as on CI); elsewhere that test skips and says why.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium (apt-get) for the browser test of the Prefect UI."; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 \
			&& apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; } \
		|| echo "Chromium could not be installed; the browser test will skip."; \
	fi

# Where the machine allows it (root, unshare and ip), the suite runs in a network
# namespace with nothing but loopback: proof that no test reaches the internet.
test: $(VENV)/.installed-test wheel-venv chromium
	@export LOOKUP_TEST_WHEEL_HOME="$(WHEEL_HOME)"; \
	if [ "$$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null \
		&& unshare -n true 2>/dev/null; then \
		echo "Running the tests with no network but loopback (unshare -n)."; \
		unshare -n sh -c 'ip link set lo up && exec $(BIN)/python -m pytest'; \
	else \
		$(BIN)/python -m pytest; \
	fi

bench: $(VENV)/.installed-test
	$(BIN)/python bench/accuracy.py ../shared/data/email_pairs_dev.tsv
	$(BIN)/python bench/ceiling.py ../shared/data/email_pairs_dev.tsv
	$(BIN)/python bench/extract.py data/demo/sites
	$(BIN)/python bench/research.py --world data/demo
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/end_to_end.py --world data/demo

mutation: $(VENV)/.installed-test
	@$(call install,mutmut)
	$(BIN)/python bench/mutation.py

lint: $(VENV)/.installed-test
	@$(call install,ruff)
	$(BIN)/ruff check lookup flows tests bench

clean:
	-@[ -x $(BIN)/lookup ] && $(BIN)/lookup server stop >/dev/null 2>&1; true
	rm -rf $(VENV) mutants data/briefings data/cache data/prefect data/lookup.db "$(WHEEL_HOME)"
