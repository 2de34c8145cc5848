# SPDX-License-Identifier: BSD-3-Clause
# The MMIO instruction decoder and emulator: one binary, four groups (decode, flags,
# every form against the host CPU, emulate).
UNIT_TESTS += instr_emul
instr_emul_SRCS := tests/unit/test_instr_emul.c tests/unit/test_instr_decode.c \
	tests/unit/test_instr_alu.c tests/unit/test_instr_forms.c \
	hypervisor/arch/x86/guest/instr_decode.c \
	hypervisor/arch/x86/guest/instr_emul.c
