# SPDX-License-Identifier: BSD-3-Clause
# Bulkhead top-level build.
#
#   make [BOARD=<name|path>] [SCENARIO=<name|path>] [O=<build dir>]   build image + ISO
#   make run [EMU=bochs|qemu] [CPUS=4]     boot it with the console on this terminal
#   make test                              unit tests, image build, end-to-end tests
#   make menuconfig | defconfig | savedefconfig
#   make coverage                          unit-test line coverage
#   make fuzz [FUZZ_TIME=60]               fuzz the MMIO instruction emulator (libFuzzer)
#   make bench [BENCH_ARGS=--update-doc]   exit, interrupt and boot costs (doc/performance.md)
#   make linux [JOBS=2]                    Linux guest bzImage + busybox initramfs (misc/linux/)
#   make help                              everything else
#
# Everything generated goes under $(O) (default build/); the source tree is never written.

MAKEFLAGS += --no-builtin-rules --no-print-directory
.SUFFIXES:
.DELETE_ON_ERROR:

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
O ?= build
override O := $(abspath $(O))
PYTHON := /usr/bin/python3
# Python tools must not leave __pycache__ in the source tree.
export PYTHONDONTWRITEBYTECODE := 1
EMU ?= bochs
CPUS ?= 4
BOCHS_MODEL ?= corei7_haswell_4770

ifeq ($(V),1)
Q :=
else
Q := @
endif

NO_SETUP_GOALS := clean distclean help
ifneq ($(filter-out $(NO_SETUP_GOALS),$(or $(MAKECMDGOALS),all)),)
NEED_SETUP := 1
endif

.PHONY: all
all: image

include $(ROOT)/misc/make/target.mk
include $(ROOT)/misc/make/kconfig.mk
include $(ROOT)/hypervisor/build.mk

# ---------------------------------------------------------------------------
# Set-up: installs the Debian packages the project needs when any is missing. The
# check is one dpkg-query (tens of milliseconds), so it runs on every invocation and
# notices a package removed since the last build. Order-only: it never forces a rebuild.
.PHONY: setup
setup:
	$(Q)$(ROOT)/misc/setup.sh

# ---------------------------------------------------------------------------
# Boot image: GRUB BIOS ISO with the hypervisor and the scenario's guest images.
ISO := $(O)/bulkhead.iso
.PHONY: image iso
image: $(ISO)
iso: $(ISO)

# Scenario builds also build the test guest (tests/guests/), which scenarios can boot as
# kernel-file="@build/guests/testguest.elf", and the Linux guest (make linux, cached) when
# a scenario boots "@build/linux/..." (scenario_xmls/linux.xml).
GUEST_ELF := $(O)/guests/testguest.elf
$(GUEST_ELF): $(shell find $(ROOT)/tests/guests/testguest -type f) $(ROOT)/tests/guests/Makefile
	$(Q)$(MAKE) -C $(ROOT)/tests/guests O=$(O)/guests

$(ISO): $(HV_ELF) $(ROOT)/misc/mkiso.py $(KCONFIG_AUTOCONF) $(MODULES_LIST) \
		$(if $(MODULES_LIST),$(GUEST_ELF)) | setup
	$(Q)if [ -n "$(MODULES_LIST)" ] && grep -q '@build/linux/' "$(MODULES_LIST)"; then \
		$(MAKE) -f $(ROOT)/Makefile O=$(O) linux; fi
	@echo "  ISO     $(patsubst $(ROOT)/%,%,$@)"
	$(Q)$(PYTHON) $(ROOT)/misc/mkiso.py --out $@ --hypervisor $(HV_ELF) --build-dir $(O) \
		--cmdline "$(CONFIG_HV_CMDLINE)" $(if $(MODULES_LIST),--modules-from $(MODULES_LIST))

# ---------------------------------------------------------------------------
# Without a board and scenario, `make run` shows what Bulkhead is for: the demo scenario
# (two isolated VMs running the test guest) on the Bochs board, built in $(O)/demo.
.PHONY: run
ifeq ($(BOARD) $(SCENARIO) $(EMU),builtin builtin bochs)
run: | setup
	$(Q)$(MAKE) -f $(ROOT)/Makefile O=$(O)/demo BOARD=bochs SCENARIO=demo CPUS=4 run
else
run: $(ISO)
	$(Q)$(PYTHON) $(ROOT)/misc/emulator.py run --emu $(EMU) --iso $(ISO) --cpus $(CPUS) \
		--model $(BOCHS_MODEL)
endif

# ---------------------------------------------------------------------------
# Tests. Unit tests run on the host; e2e tests boot the real image in emulators.
UNIT_O := $(O)/unit
E2E_ARGS ?=
E2E_JOBS ?= 2

.PHONY: test unit-test tools-test guest-test e2e-test coverage format-check
test: | setup
	$(Q)$(MAKE) -f $(ROOT)/Makefile O=$(O) format-check
	$(Q)$(MAKE) -f $(ROOT)/Makefile O=$(O) unit-test
	$(Q)$(MAKE) -f $(ROOT)/Makefile O=$(O) tools-test
	$(Q)$(MAKE) -f $(ROOT)/Makefile O=$(O) guest-test
	$(Q)$(MAKE) -f $(ROOT)/Makefile O=$(O) image
	$(Q)$(MAKE) -f $(ROOT)/Makefile O=$(O) e2e-test

unit-test: | setup
	$(Q)$(MAKE) -C $(ROOT)/tests/unit ROOT=$(ROOT) O=$(UNIT_O) run

# The configuration tooling (config_tools/) and the board collector.
tools-test: | setup
	$(Q)cd $(ROOT) && $(PYTHON) -m pytest -p no:cacheprovider tests/config_tools misc/bench

# The test guest (tests/guests/) on its own in QEMU: its probes and output format.
guest-test: | setup
	$(Q)cd $(ROOT) && $(PYTHON) -m pytest -p no:cacheprovider tests/guests

# The Linux guest (make linux, cached) is part of the e2e tests (tests/e2e/test_linux.py).
e2e-test: $(ISO) linux
	$(Q)cd $(ROOT)/tests/e2e && BULKHEAD_ELF=$(HV_ELF) BULKHEAD_BUILD=$(O) \
		$(PYTHON) -m pytest -n $(E2E_JOBS) $(E2E_ARGS)

# Benchmark (misc/bench/run_bench.py, doc/performance.md): builds the test guest and an
# image of its own (scenario_xmls/partitioned.xml, VM 0 running the guest's bench=1) under
# $(O)/bench, boots it in Bochs (three times: default, noapicv, LAPIC passthrough) and
# reports hypervisor instructions per exit round trip, per interrupt and the boot latency;
# fails when a target is missed. Results: $(O)/bench/results.json.
BENCH_ARGS ?=

.PHONY: bench
bench: | setup
	$(Q)$(PYTHON) $(ROOT)/misc/bench/run_bench.py --out $(O)/bench --model $(BOCHS_MODEL) \
		$(BENCH_ARGS)

# C sources follow the root .clang-format (Linux kernel style); this fails on any drift.
format-check: | setup
	$(Q)cd $(ROOT) && files=$$(git ls-files '*.c' '*.h' 2>/dev/null || find hypervisor tests -name '*.[ch]'); \
		clang-format --dry-run --Werror $$files && echo "format check: $$(echo $$files | wc -w) files ok"

coverage: | setup
	$(Q)rm -rf $(O)/coverage && mkdir -p $(O)/coverage
	$(Q)$(MAKE) -C $(ROOT)/tests/unit ROOT=$(ROOT) O=$(O)/coverage/unit COVERAGE=1 run
	$(Q)cd $(ROOT) && gcovr --root $(ROOT) --filter '$(ROOT)/hypervisor/' \
		--txt $(O)/coverage/coverage.txt --html-details $(O)/coverage/index.html \
		--print-summary $(O)/coverage/unit
	$(Q)cat $(O)/coverage/coverage.txt
	@echo "coverage report: $(O)/coverage/index.html"

# ---------------------------------------------------------------------------
# Fuzzing (tests/fuzz/): the MMIO instruction decoder/emulator and the guest page-table
# walker under libFuzzer with ASan and UBSan for FUZZ_TIME seconds. Binary, corpus and
# any crash reproducers go to $(O)/fuzz.
FUZZ_TIME ?= 60

.PHONY: fuzz
fuzz: | setup
	$(Q)$(MAKE) -C $(ROOT)/tests/fuzz ROOT=$(ROOT) O=$(O)/fuzz FUZZ_TIME=$(FUZZ_TIME) run

# ---------------------------------------------------------------------------
# Linux guest (misc/linux/): a small bzImage from Debian's linux-source-6.1 (tinyconfig +
# misc/linux/bulkhead.config: serial console, ACRN guest + HSM, virtio built in) and a
# busybox initramfs, in $(O)/linux. Several minutes the first time, cached afterwards.
JOBS ?= 2

.PHONY: linux
linux: | setup
	$(Q)$(ROOT)/misc/setup.sh --with-linux
	$(Q)O=$(O)/linux JOBS=$(JOBS) $(ROOT)/misc/linux/build.sh

# ---------------------------------------------------------------------------
.PHONY: clean distclean help
clean:
	$(Q)rm -rf $(O)

distclean: clean

help:
	@sed -n '2,13p' $(ROOT)/Makefile | sed 's/^# \{0,1\}//'
	@echo "Variables: BOARD SCENARIO O EMU CPUS BOCHS_MODEL V=1 E2E_ARGS E2E_JOBS"
