# RiskCensus. The README's test command is `make test`: it installs what is missing, builds,
# runs the whole test suite, runs it again under LeakSanitizer, and checks that the dataset
# generators reproduce the committed datasets byte for byte.

SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
# Debian packages the build needs; installed only when pkg-config cannot find the libraries
# (or GLPK's header, which has no pkg-config file, is missing).
APT_PACKAGES := pkg-config libgdal-dev libproj-dev libgeos-dev libsqlite3-dev libglpk-dev libcairo2-dev libssl-dev libxxhash-dev fonts-dejavu-core libjs-leaflet
PKG_CONFIG_NAMES := gdal proj geos sqlite3 cairo libcrypto libxxhash
ASAN_BUILD := .build-asan
# The dataset generators run on Debian's own Python, whose python3-gdal matches the system GDAL.
SYSTEM_PYTHON := /usr/bin/python3
PY_APT_PACKAGES := python3-gdal python3-numpy python3-scipy python3-venv
DATASETS := changzhou olinda
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: test-gis bench-viewer reportdeps deps testdeps pydeps notebooks build census bench bench-coverage bench-census test unit-test leakcheck datasets datasets-check fuzz clean test-slurm bench-slurm test-service bench-serve docs

deps:
	@if command -v pkg-config >/dev/null && pkg-config --exists $(PKG_CONFIG_NAMES) && [ -f /usr/include/glpk.h ] \
	    && [ -f /usr/share/javascript/leaflet/leaflet.js ] && [ -d /usr/share/fonts/truetype/dejavu ]; then :; else \
	  echo "make: installing $(APT_PACKAGES)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(APT_PACKAGES); \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "make: Swift 6 toolchain not found (expected swift on PATH or /opt/swift)"; exit 1; }

build: deps
	$(SWIFT) build -c release

# The census benchmark (benchmarks/census/): riskcensus end to end against numpy + GDAL and the I/O floor.
bench: bench-census

# Coverage benchmark against scipy and the access package (see benchmarks/coverage_bench.py),
# in a venv over Debian's Python (its python3-gdal and scipy) with access pinned.
BENCH_VENV := .venv-bench
BENCH_PINS := access==1.1.9 pandas==2.1.4 geopandas==0.14.4 shapely==2.0.6 pyproj==3.6.1 fiona==1.9.6 requests==2.34.2
bench-coverage: build pydeps
	@[ -x $(BENCH_VENV)/bin/python ] || $(SYSTEM_PYTHON) -m venv --system-site-packages $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -c "import access" 2>/dev/null || $(BENCH_VENV)/bin/pip install -q $(BENCH_PINS)
	$(BENCH_VENV)/bin/python benchmarks/coverage_bench.py 1000

# End-to-end census benchmark on a synthetic 9 M-cell province against numpy + GDAL and the I/O
# floor (see benchmarks/census/README.md), on Debian's Python.
bench-census: build pydeps
	$(SYSTEM_PYTHON) benchmarks/census/bench.py

# Scale-out on the one-node Slurm cluster: the 9 M-cell province in 4 shards plus the merge
# against one process (benchmarks/slurm/scale.py).
# The service under wrk (Debian's package, installed when missing): benchmarks/serve/bench.py.
bench-serve: build pydeps
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends wrk; }
	$(SYSTEM_PYTHON) benchmarks/serve/bench.py "$$($(SWIFT) build -c release --show-bin-path)/riskcensus"

# How fast the viewer opens in headless Chromium: Changzhou at 100 m and the 9 M-cell province
# (benchmarks/viewer/bench.py) against an empty Leaflet page.
bench-viewer: build pydeps reportdeps
	$(SYSTEM_PYTHON) benchmarks/viewer/bench.py

bench-slurm: build pydeps
	@deploy/slurm/local-cluster.sh install
	@deploy/slurm/local-cluster.sh start || { deploy/slurm/local-cluster.sh stop; exit 1; }; \
	  SLURM_CONF=$${RISKCENSUS_SLURM_STATE:-/var/tmp/riskcensus-slurm}/slurm.conf $(SYSTEM_PYTHON) benchmarks/slurm/scale.py; rc=$$?; \
	  deploy/slurm/local-cluster.sh stop; exit $$rc

# The main job: the bundled censuses, written to maps/<dataset>/, then their printed maps
# (PNG and SVG) and browser viewer (index.html).
CENSUSES := changzhou olinda
census: build reportdeps
	@bin=$$($(SWIFT) build -c release --show-bin-path) && \
	for d in $(CENSUSES); do "$$bin/riskcensus" run datasets/$$d/census.yaml --out maps/$$d && \
	  "$$bin/riskcensus" render maps/$$d --pdf || exit 1; done

# render prints report.pdf with headless Chromium (Debian's chromium); the report and the viewer
# show Chinese names with WenQuanYi Micro Hei.
REPORT_APT_PACKAGES := chromium fonts-wqy-microhei
reportdeps:
	@if command -v chromium >/dev/null && [ -d /usr/share/fonts/truetype/wqy ]; then :; else echo "make: installing $(REPORT_APT_PACKAGES)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(REPORT_APT_PACKAGES); fi

pydeps:
	@if $(SYSTEM_PYTHON) -c "import osgeo.gdal, numpy, scipy.ndimage, ensurepip" 2>/dev/null; then :; else \
	  echo "make: installing $(PY_APT_PACKAGES)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(PY_APT_PACKAGES); \
	fi

test: unit-test leakcheck datasets-check notebooks test-slurm test-service test-gis docs

# The library's DocC documentation (Sources/RiskCensus/RiskCensus.docc), built with
# swift-docc-plugin into .build/docs/RiskCensus; a warning (a broken symbol link) fails it.
docs: deps
	@mkdir -p .build/docs
	$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target RiskCensus \
	  --output-path .build/docs/RiskCensus --warnings-as-errors

# schemathesis (PyPI), pinned, in its own virtual environment: it checks the service against its
# OpenAPI document. hypothesis is pinned with it: newer releases break schemathesis 3.39.
SCHEMATHESIS_VENV := .venv-schemathesis
SCHEMATHESIS := $(SCHEMATHESIS_VENV)/bin/schemathesis

# riskcensus serve on a free loopback port, driven by real clients (GDAL's OAPIF driver, ogr2ogr,
# HTTP): Tests/Service/test_service.py with the debug build; it stops the service it started.
test-service: deps testdeps pydeps $(SCHEMATHESIS)
	$(SWIFT) build
	$(SYSTEM_PYTHON) Tests/Service/test_service.py "$$($(SWIFT) build --show-bin-path)/riskcensus" $(CURDIR)/$(SCHEMATHESIS)

$(SCHEMATHESIS):
	python3 -m venv $(SCHEMATHESIS_VENV)
	$(SCHEMATHESIS_VENV)/bin/pip install -q "schemathesis==3.39.16" "hypothesis==6.112.0"

# The Slurm path on a real one-node cluster: Debian's slurm-wlm and munge, installed when missing
# and started by deploy/slurm/local-cluster.sh (no systemd needed); Tests/Slurm/test_cluster.sh
# submits the Changzhou census through deploy/slurm/ with the debug build; the daemons this
# target started are stopped whatever the outcome.
test-slurm: deps
	$(SWIFT) build
	@deploy/slurm/local-cluster.sh install
	@deploy/slurm/local-cluster.sh start || { deploy/slurm/local-cluster.sh stop; exit 1; }; \
	  Tests/Slurm/test_cluster.sh "$$($(SWIFT) build --show-bin-path)/riskcensus"; rc=$$?; \
	  deploy/slurm/local-cluster.sh stop; exit $$rc

# The notebooks run top to bottom against the committed maps/ (executed copies go to a
# temporary folder; the committed notebooks stay without outputs). Their Python is a venv over
# Debian's (python3-gdal, numpy) with notebooks/requirements.txt, pinned.
NB_VENV := .venv-nb
notebooks: pydeps
	@[ -x $(NB_VENV)/bin/python ] || $(SYSTEM_PYTHON) -m venv --system-site-packages $(NB_VENV)
	@$(NB_VENV)/bin/python -c "import geopandas, nbconvert, ipykernel, matplotlib" 2>/dev/null || \
	  $(NB_VENV)/bin/pip install -q --disable-pip-version-check -r notebooks/requirements.txt
	@out=$$(mktemp -d) && cd notebooks && for n in *.ipynb; do \
	  ../$(NB_VENV)/bin/jupyter nbconvert --to notebook --execute "$$n" --output-dir "$$out" \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 || { rm -rf "$$out"; exit 1; }; \
	done; rm -rf "$$out"

# What only the tests need: headless Chromium for the viewer test, strace (and util-linux's
# unshare) for the hostile corpus, which runs every case in an empty network namespace, and
# GDAL's command-line tools (gdaldem), which the terrain tests compare against.
TEST_APT_PACKAGES := chromium strace util-linux gdal-bin
testdeps: deps pydeps reportdeps
	@if command -v chromium >/dev/null && command -v strace >/dev/null && command -v unshare >/dev/null \
	    && command -v gdaldem >/dev/null; then :; else \
	  echo "make: installing $(TEST_APT_PACKAGES)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(TEST_APT_PACKAGES); \
	fi

# The census's GIS outputs in real GIS software: the Changzhou census (debug build) into a
# scratch folder, then Tests/GIS/test_outputs.py (GDAL's COG validator, ogrinfo on every layer
# of census.gpkg and its style row) and Tests/GIS/test_qgis.py (Debian's QGIS, headless:
# renders risk_level.tif and the GeoPackage's zones, checks the palette and the legend).
QGIS_APT_PACKAGES := python3-qgis
test-gis: deps testdeps
	@$(SYSTEM_PYTHON) -c "import qgis.core" 2>/dev/null || { echo "make: installing $(QGIS_APT_PACKAGES)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(QGIS_APT_PACKAGES); }
	$(SWIFT) build
	@out=$$(mktemp -d) && bin=$$($(SWIFT) build --show-bin-path)/riskcensus && \
	  "$$bin" run datasets/changzhou/census.yaml --out "$$out/changzhou" --quiet && \
	  $(SYSTEM_PYTHON) Tests/GIS/test_outputs.py "$$out/changzhou" && \
	  QT_QPA_PLATFORM=offscreen $(SYSTEM_PYTHON) Tests/GIS/test_qgis.py "$$out/changzhou"; rc=$$?; rm -rf "$$out"; exit $$rc

# Re-creates every modelled dataset file in place.
datasets: pydeps
	for d in $(DATASETS); do $(SYSTEM_PYTHON) datasets/$$d/generate.py || exit 1; done

# Runs the generators into empty folders and requires byte-identical output.
datasets-check: pydeps
	$(SYSTEM_PYTHON) datasets/tools/check_reproducible.py $(DATASETS)

unit-test: deps testdeps
	$(SWIFT) build --build-tests
	$(SWIFT) test

# The whole suite under AddressSanitizer with leak detection; any leak fails the target.
# .lsan-suppressions lists the one known leak outside this project (Foundation's Process).
leakcheck: deps testdeps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/.lsan-suppressions \
	  $(SWIFT) test --sanitize=address --scratch-path $(ASAN_BUILD) --skip-build --disable-xctest

# libFuzzer targets (Fuzz/README.md): the Fuzz/ package, built with --sanitize=fuzzer,address into
# Fuzz/.build, runs each target for FUZZ_SECONDS against Fuzz/corpus/<target>/, merges new
# entries back, keeps crashes in Fuzz/crashes/<target>/ and writes exec/s, cov and ft to
# Fuzz/report.txt. The main package's builds never see Fuzz/.
FUZZ_SECONDS ?= 600
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

clean:
	rm -rf .build $(ASAN_BUILD)
