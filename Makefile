# Two commands do everything on a fresh machine:
#   make book   - create .venv if needed, execute every notebook, build the Jupyter Book to _build/html
#   make test   - create .venv if needed, run the unit tests and a smoke run of every notebook
# Variables: PROFILE=smoke|quick|paper (default quick), PAPERS="p1 p3", DEVICE=auto|cpu|cuda|mps, JOBS=N

PROFILE ?= quick
PAPERS  ?= p1 p2 p3 p4 p5
DEVICE  ?= auto
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
# notebooks executed at once: one more than the cores, so a kernel starting or reading data leaves no core idle
NB_JOBS ?= $(shell echo $$(( $(JOBS) + 1 )))
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# Sphinx warnings (unresolved citations, broken links) fail the build when every chapter is built;
# with a subset of PAPERS the other chapters' notebook links are legitimately missing.
STRICT  := $(if $(filter-out $(PAPERS),p1 p2 p3 p4 p5),,-W)

.PHONY: book test lab data clean notebooks html benchmark browser-test help rehearsal

help:
	@sed -n '1,6p' Makefile

$(STAMP): requirements.txt pyproject.toml workflow/install_env.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) workflow/install_env.py
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (omicslib)" >/dev/null
	touch $(STAMP)

# Snakemake runs one job per notebook (workflow/Snakefile), then the generated pages; tqdm bars go to the terminal only
notebooks: $(STAMP)
	OMICSLIB_PROGRESS=$${OMICSLIB_PROGRESS-$$(test -t 2 && echo /dev/tty)} $(VENV)/bin/snakemake all -s workflow/Snakefile \
	  --workflow-profile workflow/profiles/local --cores $(NB_JOBS) --config profile=$(PROFILE) device=$(DEVICE) papers="$(PAPERS)"

# Every notebook's paper configuration on CPU, each fit() capped at 2 optimiser steps (real widths, K, folds; epochs
# counted, not run; tuned baselines, k-means restarts, forests and tiles cut to a token size), random weights
# allowed; grids run inside the notebooks (through the same unit functions as the grid jobs, without a process per
# unit). Results in _build/rehearsal/ (the book is not touched); then the measured and projected cost per notebook
# (CPU hours, and GPU hours from each fit's counted FLOPs) in book/performance/rehearsal.csv, which the
# performance page shows.
rehearsal: $(STAMP)
	OMICSLIB_COUNT_FLOPS=1 $(VENV)/bin/snakemake all -s workflow/Snakefile --workflow-profile workflow/profiles/local \
	  --cores $(JOBS) --config profile=paper device=cpu papers="$(PAPERS)" max_steps=2 allow_random_weights=true \
	  grid_profiles=none outroot=_build/rehearsal logdir=_build/rehearsal/logs
	$(PY) -m omicslib.book.rehearsal _build/rehearsal/logs --csv book/performance/rehearsal.csv

html: $(STAMP)
	$(PY) -m omicslib.book.pages
	$(VENV)/bin/jupyter-book build . $(STRICT) --keep-going

book: notebooks
	@$(MAKE) --no-print-directory html
	@echo "Book: $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n $(JOBS) --durations=15

# The numerically sensitive tests (marker `numerics`: fused, grouped, chunked, vectorised paths against their
# oracles) again under other torch CPU kernels than this machine's best, so that a result that holds only for
# one summation order fails here rather than on a contributor's CPU. NUMERICS_CPU: ATen capabilities to run
# (default: the scalar kernels; e.g. "default avx2" for both).
NUMERICS_CPU ?= default
.PHONY: test-numerics
test-numerics: $(STAMP)
	@for cap in $(NUMERICS_CPU); do echo "test-numerics: ATEN_CPU_CAPABILITY=$$cap"; \
	  ATEN_CPU_CAPABILITY=$$cap $(PY) -m pytest -n $(JOBS) -m numerics -q || exit 1; done

# The slurm profile on a one-node SLURM cluster on 127.0.0.1 that the test installs (Debian packages), starts and
# stops (workflow/cluster/): p3's smoke notebooks and grid jobs through sbatch. Without root or the Debian mirror it
# prints why it skipped and succeeds.
.PHONY: cluster-test
cluster-test: $(STAMP)
	@bash workflow/cluster/install.sh; rc=$$?; [ $$rc -eq 3 ] && exit 0; [ $$rc -eq 0 ] || exit $$rc; \
	mkdir -p _build/cluster && echo 'cluster-test: pip install -e ".[cluster]"' && \
	{ $(PY) -m pip install -q -e ".[cluster]" > _build/cluster/pip.log 2>&1 || { cat _build/cluster/pip.log; exit 1; }; } && \
	OMICSLIB_OFFLINE=1 nice $(PY) workflow/cluster/run.py

data: $(STAMP)
	$(PY) -m omicslib.data.cli

LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

# The Jupytext .py sources open as notebooks (default viewer set in this venv only, not in ~/.jupyter)
$(LAB_OVERRIDES): $(STAMP)
	mkdir -p $(dir $@)
	printf '%s\n' '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}' > $@

lab: $(LAB_OVERRIDES)
	$(VENV)/bin/jupyter lab notebooks/

browser-test: $(STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	$(PY) -m pip install -q playwright==1.65.2 axe-playwright-python==0.1.8
	$(PY) tests/browser/check_book.py

benchmark: $(STAMP)   ## every trained step vs its shape floor and the matmul ceiling -> book/performance/benchmark.csv (P1_BEFORE=REV: p1's model code at REV timed beside the current one)
	$(PY) -m omicslib.benchmarks --device $(DEVICE) $(if $(P1_BEFORE),--p1-before $(P1_BEFORE))
	$(PY) -m omicslib.book.performance

clean:
	rm -rf _build .pytest_cache book/*/results book/*/*.ipynb book/data.md book/scoreboard.md book/*/*_scoreboard.md book/*/*_claims.md book/*/*_claims_forest.png book/verdict_summary.md book/verdict_chart.png book/*/answer.md book/performance.md book/performance/scaling.png
	find . -name __pycache__ -prune -exec rm -rf {} +

# ---- Launch links, publishing, offline checks of the published files ----
# REPO_URL=https://github.com/<org>/<repo> is the repository address: launch links (Binder, Colab), repository
# button, Colab mirror. It overrides repository.url of _config.yml; REPO_BRANCH the branch (default main).
REPO_URL    ?=
REPO_BRANCH ?= main
TOOLS       := _build/tools-venv
export REPO_URL REPO_BRANCH

.PHONY: colab site publish launch-check check-ci check-citation

# The Colab mirror: notebooks/*/*.py as .ipynb, each with an install cell pinned to this version and commit
colab: $(STAMP)
	$(PY) -m omicslib.book.launch colab --out _build/colab

# Every notebook page carries launch links, and each opens a tracked file or a notebook of the mirror
launch-check: $(STAMP)
	$(PY) tests/browser/check_launch.py _build/html --colab _build/colab

# What CI publishes (.github/workflows/pages.yml): the book of PROFILE (default quick) and the Colab mirror
site: book colab
	touch _build/html/.nojekyll
	$(MAKE) --no-print-directory launch-check

# Publish from this machine: _build/html to the gh-pages branch, the mirror to the colab branch of REPO_URL
publish: site
	test -n "$(REPO_URL)" || (echo "publish needs REPO_URL=https://github.com/<org>/<repo>" >&2; exit 2)
	for pair in html:gh-pages colab:colab; do \
	  dir=_build/$${pair%%:*}; branch=$${pair##*:}; \
	  rm -rf $$dir/.git && git -C $$dir init -q -b $$branch && git -C $$dir add -A && \
	  git -C $$dir -c user.name="$$(git config user.name || echo omicslib)" -c user.email="$$(git config user.email || echo omicslib@localhost)" \
	    commit -q -m "Publish $$(git rev-parse --short HEAD)" && \
	  git -C $$dir push -q -f $(REPO_URL) $$branch && rm -rf $$dir/.git || exit 1; \
	done

# Offline checks of the published files: the workflow against GitHub's workflow schema, CITATION.cff with
# cffconvert (in its own venv: it pins an old jsonschema that would break Jupyter in .venv)
check-ci: $(STAMP)
	$(PY) -m pip install -q check-jsonschema==0.39.0
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

check-citation:
	test -x $(TOOLS)/bin/cffconvert || ($(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q cffconvert==2.0.0)
	$(TOOLS)/bin/cffconvert --validate -i CITATION.cff
