# i2i-book: `make book` renders the book, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Exact torch for this project's machines. On Linux PyPI serves the CUDA build (about 3 GB of
# nvidia and triton wheels); a CPU-only laptop can take PyTorch's CPU wheels instead with
#   make TORCH_INDEX=https://download.pytorch.org/whl/cpu book
# Machines that already have torch (Colab, conda) keep theirs with `make TORCH_PIN= book`: the
# venv is then created with --system-site-packages so that it sees it.
TORCH_PIN ?= torch==2.14.1 torchvision==0.29.1
TORCH_INDEX ?=
EXTRAS ?= book,dev,metrics,faces
CHAPTER ?=
RUN ?=

export PYTHONHASHSEED ?= 0

.PHONY: help venv book book-student assignment test test-unit test-notebooks lab reproduce assets benchmark benchmark-gpu lint clean

help:
	@echo "make book        install into $(VENV), run the notebooks at book scale, render _build/html"
	@echo "make test        unit tests + every notebook at smoke scale (what CI runs)"
	@echo "make lab         JupyterLab on the notebooks"
	@echo "make reproduce   retrain every stored book-scale run (CHAPTER=02 for one chapter; RUN=05_ablations/paired-l1-seed1 for one run; MISSING=1: only the runs not stored yet; KEEP_WEIGHTS=1: keep the weights of runs the book does not show; JOBS=N processes, default one per core)"
	@echo "make book-student  the book with every exercise solution hidden"
	@echo "make assignment CHAPTER=NN  chapter NN as an nbgrader assignment in _build/assignments"
	@echo "make assets      retrain the metric networks shipped in i2ilib/assets (features, segmenter, identity, attributes, digits)"
	@echo "make benchmark   training-step benchmark (CPU, and CUDA when present)"
	@echo "make benchmark-gpu  on a CUDA machine: grid training throughput and FD features (benchmarks/gpu.sh, ~6 min, installs nothing)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(if $(strip $(TORCH_PIN)),,--system-site-packages) $(VENV)
	$(if $(strip $(TORCH_PIN)),$(PY) -m pip install -q $(if $(strip $(TORCH_INDEX)),--index-url $(TORCH_INDEX)) $(TORCH_PIN))
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

venv: $(STAMP)

book: $(STAMP)
	I2I_PROGRESS=off I2I_SCALE=$${I2I_SCALE:-book} $(VENV)/bin/jupyter-book build . --builder html
	@echo "Open _build/html/index.html"

book-student: $(STAMP)
	$(PY) tools/student_config.py _build/student_config.yml
	I2I_PROGRESS=off I2I_SCALE=$${I2I_SCALE:-book} $(VENV)/bin/jupyter-book build . --builder html \
		--config _build/student_config.yml --path-output _build/student
	@echo "Open _build/student/_build/html/index.html"

assignment: $(STAMP)
	@test -n "$(CHAPTER)" || { echo "usage: make assignment CHAPTER=NN"; exit 2; }
	$(PY) tools/export_assignment.py $(CHAPTER) --out _build/assignments

test: $(STAMP)
	I2I_SCALE=smoke $(PY) -m pytest -p no:cacheprovider tests notebooks --nbval-lax \
		--nbval-cell-timeout=120

test-unit: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider tests

test-notebooks: $(STAMP)
	I2I_SCALE=smoke $(PY) -m pytest -p no:cacheprovider notebooks --nbval-lax

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks

reproduce: $(STAMP)
	$(PY) -m i2ibook reproduce $(if $(CHAPTER),--chapter $(CHAPTER)) $(foreach r,$(RUN),--run $(r)) $(if $(MISSING),--missing) $(if $(KEEP_WEIGHTS),--keep-weights) $(if $(JOBS),--jobs $(JOBS))

assets: $(STAMP)
	$(PY) -m i2ilib.metrics.retrain all

benchmark: $(STAMP)
	$(PY) benchmarks/train_step.py --quick

benchmark-gpu:
	bash benchmarks/gpu.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check i2ilib i2ibook tests benchmarks tools

clean:
	rm -rf _build
