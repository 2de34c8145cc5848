# SPDX-License-Identifier: BSD-3-Clause
"""Where a passed-through PCI function's INTx pin goes, on the host and in its VM.

Host side: the GSI is the board's irq for the function (the IRQ Linux reported when the
board was captured, which is the I/O APIC input on these boards). PCI INTx is
level-triggered; its polarity is active low on inputs 16 and up (the PCI standard's
wiring to the I/O APIC) and active high below 16, where the chipset steers PCI interrupts
onto ISA lines (the firmware of QEMU and Bochs declares those active high).

VM side: the vIOAPIC has 24 inputs. The guest GSI is the host GSI when that is below 24
and no emulated device of the VM uses it (PIT on 2, RTC 8, SCI 9, its vUARTs' IRQs; 0 is
left alone), otherwise the lowest free input from 16 up. Functions of one VM on one host
GSI share one guest GSI. The hypervisor presents the wire level-triggered, active low.
"""
from __future__ import annotations

from dataclasses import dataclass

from .board import Board, PciDevice, normalize_bdf

VIOAPIC_PINS = 24
PLATFORM_PINS = frozenset({0, 2, 8, 9})  # ISA IRQ 0 (via pin 2), PIT, RTC, SCI
FIRST_PCI_PIN = 16


@dataclass(frozen=True)
class IntxRoute:
    pin: int  # 1-4: INTA-INTD
    host_gsi: int
    active_low: bool
    guest_gsi: int | None  # None: no vIOAPIC input left


def intx_pin(dev: PciDevice) -> int:
    """1-4 for INTA-INTD, 0 without INTx."""
    pin = (dev.interrupt_pin or "").upper()
    return "ABCD".index(pin) + 1 if pin in ("A", "B", "C", "D") else 0


def intx_routes(vm, board: Board) -> dict[str, IntxRoute]:
    """Normalized BDF -> route, for the VM's functions that have an INTx pin and a GSI
    on the board. Functions missing from the board or without a GSI are left out (the
    validator reports them)."""
    taken = set(PLATFORM_PINS) | {u.irq for u in vm.vuarts}
    by_host: dict[int, int | None] = {}
    routes: dict[str, IntxRoute] = {}
    for dev in sorted(vm.pci_devices, key=lambda d: normalize_bdf(d.bdf) or ""):
        bdf = normalize_bdf(dev.bdf)
        info = board.pci_device(bdf) if bdf else None
        if info is None or not intx_pin(info) or info.irq is None:
            continue
        gsi = info.irq
        if gsi not in by_host:
            if gsi < VIOAPIC_PINS and gsi not in taken:
                guest = gsi
            else:
                free = [p for p in range(FIRST_PCI_PIN, VIOAPIC_PINS) if p not in taken]
                guest = free[0] if free else None
            if guest is not None:
                taken.add(guest)
            by_host[gsi] = guest
        routes[bdf] = IntxRoute(intx_pin(info), gsi, gsi >= 16, by_host[gsi])
    return routes
