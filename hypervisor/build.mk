# SPDX-License-Identifier: BSD-3-Clause
# Builds the hypervisor ELF ($(HV_ELF)) from hypervisor/ into $(O)/hypervisor/.
# Included by the top-level Makefile, which provides ROOT, O, Q, the Kconfig values and
# CONFIG_TABLE_DIR (where the VM configuration tables come from).

HV_SRC := $(ROOT)/hypervisor
HV_OBJDIR := $(O)/hypervisor
HV_ELF := $(O)/bulkhead.elf
HV_LDS := $(O)/bulkhead.ld

# Every subsystem folder; a new folder is added here, nowhere else.
HV_DIRS := arch/x86/boot arch/x86 arch/x86/vmx arch/x86/guest core mm boot acpi drivers dm lib
HV_C_SRCS := $(foreach d,$(HV_DIRS),$(sort $(wildcard $(HV_SRC)/$(d)/*.c)))
HV_S_SRCS := $(foreach d,$(HV_DIRS),$(sort $(wildcard $(HV_SRC)/$(d)/*.S)))
HV_CONFIG_SRCS := $(CONFIG_TABLE_SRCS)

HV_OBJS := $(patsubst $(HV_SRC)/%.c,$(HV_OBJDIR)/%.o,$(HV_C_SRCS)) \
	$(patsubst $(HV_SRC)/%.S,$(HV_OBJDIR)/%.o,$(HV_S_SRCS)) \
	$(patsubst $(CONFIG_TABLE_DIR)/%.c,$(HV_OBJDIR)/config/%.o,$(HV_CONFIG_SRCS))

CC := gcc
LD := ld
NM := nm
OBJDUMP := objdump

HV_CPPFLAGS := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-I$(HV_SRC)/include -I$(HV_SRC)/arch/x86/include -I$(O)/include \
	-include $(KCONFIG_AUTOCONF)
# Freestanding, no FPU/SSE/AVX state (the hypervisor never saves its own vector
# registers), no red zone (interrupts arrive on the same stack), frame pointers for
# stack traces.
HV_CFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -mcmodel=small -mno-red-zone \
	-mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 -mno-avx -fno-common \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fno-delete-null-pointer-checks -fcf-protection=none -O2 -g \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wvla \
	-Wno-unused-parameter -MMD -MP
ifeq ($(CONFIG_STACK_PROTECTOR),y)
HV_CFLAGS += -fstack-protector-strong -mstack-protector-guard=global
else
HV_CFLAGS += -fno-stack-protector
endif
HV_ASFLAGS := -D__ASSEMBLY__ -MMD -MP -g
HV_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=4096 -z noexecstack \
	--build-id=none --no-relax -T $(HV_LDS)

# Nothing compiles before the configuration tables have passed config_check.
$(HV_OBJDIR)/%.o: $(HV_SRC)/%.c $(KCONFIG_AUTOCONF) | $(O)/config-check.ok
	@mkdir -p $(dir $@)
	@echo "  CC      $(patsubst $(ROOT)/%,%,$<)"
	$(Q)$(CC) $(HV_CPPFLAGS) $(HV_CFLAGS) -c $< -o $@

$(HV_OBJDIR)/%.o: $(HV_SRC)/%.S $(KCONFIG_AUTOCONF)
	@mkdir -p $(dir $@)
	@echo "  AS      $(patsubst $(ROOT)/%,%,$<)"
	$(Q)$(CC) $(HV_CPPFLAGS) $(HV_ASFLAGS) -c $< -o $@

$(HV_OBJDIR)/config/%.o: $(CONFIG_TABLE_DIR)/%.c $(KCONFIG_AUTOCONF)
	@mkdir -p $(dir $@)
	@echo "  CC      $(patsubst $(ROOT)/%,%,$<)"
	$(Q)$(CC) $(HV_CPPFLAGS) $(HV_CFLAGS) -c $< -o $@

$(HV_LDS): $(HV_SRC)/arch/x86/bulkhead.lds $(KCONFIG_AUTOCONF)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c $(HV_CPPFLAGS) -D__ASSEMBLY__ $< -o $@

# The panic path prints function names, so the image carries its own symbol table. The
# table sits in the last section: stage 1 is linked with an empty table, its symbols are
# written out, and stage 2 links them in without moving anything else (checked).
GENSYMS := $(PYTHON) $(ROOT)/misc/tools/gensyms.py
$(HV_OBJDIR)/symbols-empty.S: $(ROOT)/misc/tools/gensyms.py
	@mkdir -p $(dir $@)
	$(Q)$(GENSYMS) --empty --out $@

$(HV_OBJDIR)/symbols-%.o: $(HV_OBJDIR)/symbols-%.S
	$(Q)$(CC) $(HV_CPPFLAGS) $(HV_ASFLAGS) -c $< -o $@

# The configuration tables, compiled for the host with the same headers and Kconfig
# values, must pass config_check before anything links them into the hypervisor.
CONFIG_CHECK := $(O)/config-check
$(O)/config-check.ok: $(HV_CONFIG_SRCS) $(HV_SRC)/config/check/config_check.c \
		$(HV_SRC)/core/vm_config.c $(HV_SRC)/include/bulkhead/vm_config.h $(KCONFIG_AUTOCONF)
	@echo "  CHECK   configuration tables ($(patsubst $(ROOT)/%,%,$(CONFIG_TABLE_DIR)))"
	$(Q)$(CC) -std=c11 -Wall -Wextra -Werror -O1 -I$(HV_SRC)/include -I$(HV_SRC)/arch/x86/include \
		-include $(KCONFIG_AUTOCONF) -o $(CONFIG_CHECK) $(HV_SRC)/config/check/config_check.c \
		$(HV_SRC)/core/vm_config.c $(HV_CONFIG_SRCS)
	$(Q)$(CONFIG_CHECK) > $@.tmp && mv $@.tmp $@

$(O)/bulkhead.stage1.elf: $(HV_OBJS) $(HV_OBJDIR)/symbols-empty.o $(HV_LDS) $(O)/config-check.ok
	@echo "  LD      $(patsubst $(ROOT)/%,%,$@)"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(HV_OBJDIR)/symbols-empty.o

$(HV_OBJDIR)/symbols-final.S: $(O)/bulkhead.stage1.elf $(ROOT)/misc/tools/gensyms.py
	$(Q)$(NM) -n $< | $(GENSYMS) --out $@

$(HV_ELF): $(O)/bulkhead.stage1.elf $(HV_OBJDIR)/symbols-final.o
	@echo "  LD      $(patsubst $(ROOT)/%,%,$@)"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@.tmp $(HV_OBJS) $(HV_OBJDIR)/symbols-final.o
	$(Q)$(NM) -n $(O)/bulkhead.stage1.elf > $(O)/bulkhead.stage1.nm
	$(Q)$(NM) -n $@.tmp > $(O)/bulkhead.nm
	$(Q)$(GENSYMS) --check-same $(O)/bulkhead.stage1.nm $(O)/bulkhead.nm
	$(Q)if $(OBJDUMP) -d $@.tmp | grep -qE '%[xyz]mm[0-9]'; then \
		echo "error: vector (SSE/AVX) register use in the hypervisor image" >&2; exit 1; fi
	$(Q)mv $@.tmp $@

.PHONY: hypervisor
hypervisor: $(HV_ELF)

-include $(HV_OBJS:.o=.d)
