# SPDX-License-Identifier: BSD-3-Clause
"""Which control-register bits and MSRs a VM may own: the ownership policy table.

validate.py applies it to each VM's <ownership>; the scenario schema points
here. Every bit of CR0/CR4 is listed with its default (guest- or host-owned) and whether
a scenario may hand it to the guest; MSRs are listed with the policies allowed.
"""
from __future__ import annotations

from dataclasses import dataclass

#
# A guest-owned bit is changed by the guest without a VM exit. Policy per bit:
#   "guest"  owned by the guest by default (DEFAULT_CR*_GUEST_OWNED in scenario.py);
#   "either" host-owned by default, may be given to the guest;
#   "host"   must stay host-owned: giving it away is an error (reason given).
# Bits not in a table are reserved and must not be guest-owned either.

CR0_POLICY: dict[int, tuple[str, str, str]] = {
    0: ("PE", "host", "protected-mode switches must be emulated (VM-entry controls, "
        "unrestricted guest state)"),
    1: ("MP", "guest", ""),
    2: ("EM", "guest", ""),
    3: ("TS", "guest", ""),
    4: ("ET", "guest", ""),
    5: ("NE", "host", "it is fixed to 1 in VMX operation; the hypervisor virtualizes it"),
    16: ("WP", "guest", ""),
    18: ("AM", "guest", ""),
    29: ("NW", "host", "cache control affects memory shared with other VMs"),
    30: ("CD", "host", "cache control affects memory shared with other VMs"),
    31: ("PG", "host", "paging-mode switches must be emulated (IA-32e mode, EFER.LMA)"),
}

CR4_POLICY: dict[int, tuple[str, str, str]] = {
    0: ("VME", "guest", ""),
    1: ("PVI", "guest", ""),
    2: ("TSD", "guest", ""),
    3: ("DE", "guest", ""),
    4: ("PSE", "either", ""),
    5: ("PAE", "host", "paging-mode switches must be emulated (PDPTE loading, IA-32e)"),
    6: ("MCE", "host", "with MCE clear a machine check shuts the physical CPU down"),
    7: ("PGE", "either", ""),
    8: ("PCE", "guest", ""),
    9: ("OSFXSR", "guest", ""),
    10: ("OSXMMEXCPT", "guest", ""),
    11: ("UMIP", "either", ""),
    12: ("LA57", "host", "the paging mode is fixed by the hypervisor"),
    13: ("VMXE", "host", "VMX belongs to the hypervisor; nested VMX is not supported"),
    14: ("SMXE", "host", "GETSEC/TXT would let the guest act on the whole platform"),
    16: ("FSGSBASE", "guest", ""),
    17: ("PCIDE", "host", "enabling PCIDs must be checked against CR3 by the hypervisor"),
    18: ("OSXSAVE", "either", ""),
    19: ("KL", "host", "Key Locker state is not virtualized"),
    20: ("SMEP", "either", ""),
    21: ("SMAP", "either", ""),
    22: ("PKE", "either", ""),
    23: ("CET", "host", "CET state is not virtualized"),
    24: ("PKS", "either", ""),
}


@dataclass(frozen=True)
class MsrRule:
    """MSRs first..last that the hypervisor controls.

    passthrough: may the MSR be passed through; ownable: bits a trap entry may give the
    guest (guest-owned); deny_ok: may the guest be denied the MSR (no: every x86-64
    guest needs it emulated).
    """

    first: int
    last: int
    name: str
    reason: str
    ownable: int = 0
    passthrough: bool = False
    deny_ok: bool = True


MSR_POLICY: tuple[MsrRule, ...] = (
    MsrRule(0x10, 0x10, "IA32_TIME_STAMP_COUNTER", "writes would move the host's TSC"),
    MsrRule(0x1B, 0x1B, "IA32_APIC_BASE", "the local APIC's mode and address are "
            "virtualized", deny_ok=False),
    MsrRule(0x3A, 0x3A, "IA32_FEATURE_CONTROL", "it enables and locks VMX for the "
            "hypervisor"),
    MsrRule(0x3B, 0x3B, "IA32_TSC_ADJUST", "writes would move the host's TSC"),
    MsrRule(0x79, 0x79, "IA32_BIOS_UPDT_TRIG", "microcode updates act on the whole "
            "processor"),
    MsrRule(0x9B, 0x9B, "IA32_SMM_MONITOR_CTL", "SMM belongs to the platform"),
    MsrRule(0x9E, 0x9E, "IA32_SMBASE", "SMM belongs to the platform"),
    MsrRule(0xFE, 0xFE, "IA32_MTRRCAP", "memory types are set by the hypervisor"),
    MsrRule(0x179, 0x17B, "IA32_MCG_CAP/STATUS/CTL", "machine checks are handled by "
            "the hypervisor"),
    MsrRule(0x1A0, 0x1A0, "IA32_MISC_ENABLE", "it switches processor features for the "
            "whole core"),
    MsrRule(0x200, 0x2FF, "IA32_MTRR_*", "memory types are set by the hypervisor"),
    MsrRule(0x400, 0x47F, "IA32_MCi_* (machine-check banks)", "machine checks are "
            "handled by the hypervisor"),
    MsrRule(0x480, 0x491, "IA32_VMX_* (VMX capabilities)", "VMX belongs to the "
            "hypervisor; nested VMX is not supported"),
    MsrRule(0xDA0, 0xDA0, "IA32_XSS", "supervisor state components are managed by the "
            "hypervisor"),
    MsrRule(0xC0000080, 0xC0000080, "IA32_EFER", "LME/LMA must match the VM-entry "
            "controls (only SCE and NXE may be guest-owned)", ownable=(1 << 0) | (1 << 11),
            deny_ok=False),
)
X2APIC_MSRS = (0x800, 0x8FF)  # passthrough only with lapic-passthrough
# Trapped even with lapic-passthrough (hypervisor/arch/x86/vmx/vmx_lapic_pt.c): the APIC
# ID and LDR (the guest sees its vCPU index) and the ICR (IPIs reach only the VM's CPUs).
X2APIC_ALWAYS_TRAPPED = frozenset({0x802, 0x80D, 0x830})
