# SPDX-License-Identifier: BSD-3-Clause
# Kconfig through kconfiglib (Debian python3-kconfiglib). The configuration lives in
# $(O)/.config; the C header and the Make fragment are generated from it.

KCONFIG := $(ROOT)/Kconfig
KCONFIG_DOTCONFIG := $(O)/.config
KCONFIG_AUTOCONF := $(O)/include/generated/autoconf.h
KCONFIG_AUTOMK := $(O)/include/config/auto.conf
DEFCONFIG := $(ROOT)/hypervisor/defconfig
KCONFIG_ENV := KCONFIG_CONFIG=$(KCONFIG_DOTCONFIG) srctree=$(ROOT)

# The generated values (CONFIG_HV_LOAD_ADDR, CONFIG_STACK_PROTECTOR, ...) drive the build.
# A plain include when building, so that a failure making it (a scenario that does not
# validate, say) stops make with that failure instead of being swallowed by -include.
# clean and help need no configuration, and must not make one.
ifeq ($(NEED_SETUP),1)
include $(KCONFIG_AUTOMK)
endif

# .config is made once from the defconfig; with a scenario, the scenario's hypervisor
# settings (its Kconfig fragment) are applied on top, again whenever they change, so the
# scenario stays the source of truth for the symbols it sets.
$(KCONFIG_DOTCONFIG): $(SCENARIO_CONFIG) | setup
	@mkdir -p $(O)
	@echo "  DEFCONFIG $(patsubst $(ROOT)/%,%,$(DEFCONFIG))$(if $(SCENARIO_CONFIG), + scenario settings)"
	$(Q)cat $(DEFCONFIG) $(SCENARIO_CONFIG) > $(O)/defconfig.in
	$(Q)$(KCONFIG_ENV) $(PYTHON) -m defconfig --kconfig $(KCONFIG) $(O)/defconfig.in >/dev/null

$(KCONFIG_AUTOCONF) $(KCONFIG_AUTOMK) &: $(KCONFIG_DOTCONFIG) $(KCONFIG)
	@mkdir -p $(dir $(KCONFIG_AUTOCONF)) $(dir $(KCONFIG_AUTOMK))
	$(Q)$(KCONFIG_ENV) $(PYTHON) -m olddefconfig $(KCONFIG) >/dev/null
	$(Q)$(KCONFIG_ENV) $(PYTHON) -m genconfig --header-path $(KCONFIG_AUTOCONF).tmp \
		--config-out $(KCONFIG_AUTOMK).tmp $(KCONFIG)
	$(Q)mv $(KCONFIG_AUTOCONF).tmp $(KCONFIG_AUTOCONF) && mv $(KCONFIG_AUTOMK).tmp $(KCONFIG_AUTOMK)

.PHONY: menuconfig defconfig savedefconfig olddefconfig
menuconfig: $(KCONFIG_DOTCONFIG)
	$(Q)$(KCONFIG_ENV) MENUCONFIG_STYLE=aquatic $(PYTHON) -m menuconfig $(KCONFIG)

defconfig: | setup
	@mkdir -p $(O)
	$(Q)$(KCONFIG_ENV) $(PYTHON) -m defconfig --kconfig $(KCONFIG) $(DEFCONFIG)

olddefconfig: $(KCONFIG_DOTCONFIG)
	$(Q)$(KCONFIG_ENV) $(PYTHON) -m olddefconfig $(KCONFIG)

# Writes the minimal configuration to $(O)/defconfig; copy it over hypervisor/defconfig to
# make it the default.
savedefconfig: $(KCONFIG_DOTCONFIG)
	$(Q)$(KCONFIG_ENV) $(PYTHON) -m savedefconfig --kconfig $(KCONFIG) --out $(O)/defconfig
	@echo "minimal configuration written to $(O)/defconfig"
