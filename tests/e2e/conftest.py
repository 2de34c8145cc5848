"""pytest configuration of the end-to-end tests (see harness.py).

Options (also settable in pytest.ini):
  --bulkhead-elf PATH       hypervisor image (default: $BULKHEAD_ELF or build/bulkhead.elf)
  --e2e-budget-scale X      multiply every boot budget (slow machines)
  --e2e-hard-timeout S      per-test watchdog (SIGALRM) in seconds, 0 = off
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Iterator

import pytest

import harness


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bulkhead", "Bulkhead end-to-end tests")
    group.addoption("--bulkhead-elf", default=None, metavar="PATH",
                    help="hypervisor ELF (default: $BULKHEAD_ELF or <repo>/build/bulkhead.elf)")
    group.addoption("--e2e-budget-scale", type=float, default=None, metavar="X",
                    help="multiply the per-boot wall-clock budgets (default: ini "
                         "e2e_budget_scale, 1.0)")
    group.addoption("--e2e-hard-timeout", type=float, default=None, metavar="SECONDS",
                    help="per-test watchdog; 0 disables (default: ini e2e_hard_timeout)")
    parser.addini("e2e_budget_scale", "multiply the per-boot wall-clock budgets",
                  default="1.0")
    parser.addini("e2e_hard_timeout", "per-test watchdog in seconds (0: off)",
                  default="300")


def pytest_configure(config: pytest.Config) -> None:
    # SIGTERM/SIGHUP unwind like Ctrl-C, so fixtures kill the emulators.
    harness.emulator.install_signal_handlers()


def _budget_scale(config: pytest.Config) -> float:
    value = config.getoption("--e2e-budget-scale")
    return float(value if value is not None else config.getini("e2e_budget_scale"))


@pytest.fixture(scope="session")
def hypervisor_elf(pytestconfig: pytest.Config) -> Path:
    option = pytestconfig.getoption("--bulkhead-elf")
    elf = Path(option) if option else harness.default_elf()
    if not elf.is_file():
        pytest.fail(f"hypervisor image {elf} not found: build it first (make) or set "
                    "BULKHEAD_ELF", pytrace=False)
    return elf


@pytest.fixture(scope="session")
def default_iso(hypervisor_elf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ISO of the hypervisor with an empty command line (one per worker)."""
    out = tmp_path_factory.mktemp("iso") / "bulkhead.iso"
    try:
        return harness.mkiso.build_iso(out, hypervisor_elf, "")
    except harness.mkiso.MkisoError as err:
        pytest.fail(f"cannot build the ISO: {err}", pytrace=False)
        raise  # unreachable


@pytest.fixture
def hv(request: pytest.FixtureRequest, tmp_path: Path, hypervisor_elf: Path,
       default_iso: Path) -> Iterator[harness.E2EHarness]:
    """Boots emulators for one test; kills them all when the test ends."""
    h = harness.E2EHarness(tmp_path, hypervisor_elf, default_iso,
                           _budget_scale(request.config))
    request.node._e2e_boots = h.boots
    try:
        yield h
    finally:
        h.stop_all()
    for boot in h.boots:
        boot.assert_gone()


@pytest.fixture(autouse=True)
def _watchdog(request: pytest.FixtureRequest) -> Iterator[None]:
    """Abort a test that runs longer than the hard timeout (main thread only)."""
    option = request.config.getoption("--e2e-hard-timeout")
    seconds = float(option if option is not None else request.config.getini("e2e_hard_timeout"))
    seconds *= _budget_scale(request.config)
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise harness.BootFailure(f"test exceeded the hard timeout of {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for boot in getattr(item, "_e2e_boots", []):
        boot.stop()  # the emulator flushes its log when it quits
        report.sections.append(
            (f"{boot.name}: serial log, last {harness.SERIAL_TAIL_LINES} lines",
             boot.serial_tail()))
        report.sections.append(
            (f"{boot.name}: emulator log, last {harness.EMULATOR_TAIL_LINES} lines",
             boot.emulator_tail()))
