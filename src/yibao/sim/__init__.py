"""Synthetic but realistic data: the demo world's import files (``world``) and resident ID
numbers (``idnumbers``)."""

from __future__ import annotations

from yibao.sim.world import REGIONS, generate_world

__all__ = ["REGIONS", "generate_world"]
