# SPDX-License-Identifier: BSD-3-Clause
# Which board and scenario this build directory is for.
#
# A build directory belongs to one BOARD/SCENARIO pair, recorded in $(O)/.target. Naming
# a different pair for an existing directory is an error rather than a silent mix of
# objects from two configurations. When BOARD/SCENARIO are not given, the recorded pair
# (or the default) is used.

TARGET_FILE := $(O)/.target
RECORDED_BOARD := $(shell sed -n 's/^BOARD=//p' $(TARGET_FILE) 2>/dev/null)
RECORDED_SCENARIO := $(shell sed -n 's/^SCENARIO=//p' $(TARGET_FILE) 2>/dev/null)

DEFAULT_BOARD := builtin
DEFAULT_SCENARIO := builtin

ifeq ($(filter command line environment,$(origin BOARD)),)
BOARD := $(or $(RECORDED_BOARD),$(DEFAULT_BOARD))
endif
ifeq ($(filter command line environment,$(origin SCENARIO)),)
SCENARIO := $(or $(RECORDED_SCENARIO),$(DEFAULT_SCENARIO))
endif

# A name resolves to board_xmls/<name>.xml (scenario_xmls/<name>.xml); anything with a
# slash or an .xml suffix is a path.
resolve_xml = $(if $(or $(findstring /,$(1)),$(filter %.xml,$(1))),$(abspath $(1)),$(ROOT)/$(2)/$(1).xml)

ifneq ($(filter-out $(NO_SETUP_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(RECORDED_BOARD)$(RECORDED_SCENARIO),)
ifneq ($(BOARD) $(SCENARIO),$(RECORDED_BOARD) $(RECORDED_SCENARIO))
$(error $(O) was configured for BOARD=$(RECORDED_BOARD) SCENARIO=$(RECORDED_SCENARIO), not BOARD=$(BOARD) SCENARIO=$(SCENARIO): use another build directory (O=...) or run 'make clean O=$(O)' first)
endif
endif

ifeq ($(BOARD) $(SCENARIO),builtin builtin)
# The built-in configuration: no XML, tables from hypervisor/config/builtin/.
CONFIG_TABLE_DIR := $(ROOT)/hypervisor/config/builtin
CONFIG_TABLE_SRCS := $(sort $(wildcard $(CONFIG_TABLE_DIR)/*.c))
SCENARIO_CONFIG :=
MODULES_LIST :=
else
BOARD_XML := $(call resolve_xml,$(BOARD),board_xmls)
SCENARIO_XML := $(call resolve_xml,$(SCENARIO),scenario_xmls)
ifeq ($(wildcard $(BOARD_XML)),)
$(error BOARD=$(BOARD): no board file $(BOARD_XML); known boards: $(basename $(notdir $(wildcard $(ROOT)/board_xmls/*.xml))))
endif
ifeq ($(wildcard $(SCENARIO_XML)),)
$(error SCENARIO=$(SCENARIO): no scenario file $(SCENARIO_XML); known scenarios: $(basename $(notdir $(wildcard $(ROOT)/scenario_xmls/*.xml))))
endif
# bulkhead-config validates both files and generates the tables; on any problem it
# writes nothing and the build stops with its messages.
CONFIG_TABLE_DIR := $(O)/generated
CONFIG_TABLE_SRCS := $(CONFIG_TABLE_DIR)/vm_configs.c
SCENARIO_CONFIG := $(CONFIG_TABLE_DIR)/scenario.config
MODULES_LIST := $(CONFIG_TABLE_DIR)/modules.list
CONFIG_TOOL_SRCS := $(shell find $(ROOT)/config_tools -name '*.py' -o -name '*.xsd')
$(CONFIG_TABLE_DIR)/.generated: $(BOARD_XML) $(SCENARIO_XML) $(CONFIG_TOOL_SRCS) | setup
	@echo "  GEN     $(patsubst $(ROOT)/%,%,$(BOARD_XML)) + $(patsubst $(ROOT)/%,%,$(SCENARIO_XML))"
	$(Q)$(ROOT)/config_tools/bulkhead-config generate --board $(BOARD_XML) \
		--scenario $(SCENARIO_XML) --out $(CONFIG_TABLE_DIR)
	$(Q)touch $@
$(CONFIG_TABLE_SRCS) $(SCENARIO_CONFIG) $(MODULES_LIST): $(CONFIG_TABLE_DIR)/.generated ;
endif

$(shell mkdir -p $(O) && [ -f $(TARGET_FILE) ] || printf 'BOARD=%s\nSCENARIO=%s\n' '$(BOARD)' '$(SCENARIO)' > $(TARGET_FILE))
endif
