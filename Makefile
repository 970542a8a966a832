# Shortcuts for the quick start (README "Quick start"); scripts/dev.py does the work.
PYTHON ?= python3

.PHONY: run test bench

run:
	$(PYTHON) scripts/dev.py run

test:
	$(PYTHON) scripts/dev.py test

bench:
	$(PYTHON) scripts/dev.py bench
