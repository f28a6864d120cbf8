# RiskCensus. The README's test command is `make test`: it installs what is missing, builds,
# runs the whole test suite, and runs it again under LeakSanitizer.

SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
# Debian packages the build needs; installed only when pkg-config cannot find the libraries.
APT_PACKAGES := pkg-config libgdal-dev libproj-dev libgeos-dev libsqlite3-dev
PKG_CONFIG_NAMES := gdal proj geos sqlite3
ASAN_BUILD := .build-asan

.PHONY: deps build test unit-test leakcheck clean

deps:
	@if command -v pkg-config >/dev/null && pkg-config --exists $(PKG_CONFIG_NAMES); then :; else \
	  echo "make: installing $(APT_PACKAGES)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(APT_PACKAGES); \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "make: Swift 6 toolchain not found (expected swift on PATH or /opt/swift)"; exit 1; }

build: deps
	$(SWIFT) build -c release

test: unit-test leakcheck

unit-test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

# The whole suite under AddressSanitizer with leak detection; any leak fails the target.
# .lsan-suppressions lists the one known leak outside this project (Foundation's Process).
leakcheck: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/.lsan-suppressions \
	  $(SWIFT) test --sanitize=address --scratch-path $(ASAN_BUILD) --skip-build --disable-xctest

clean:
	rm -rf .build $(ASAN_BUILD)
