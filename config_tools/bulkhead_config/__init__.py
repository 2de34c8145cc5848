# SPDX-License-Identifier: BSD-3-Clause
"""Bulkhead configuration tooling: board inspection, scenario validation, code generation."""
