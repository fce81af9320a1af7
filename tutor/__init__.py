"""Listening tutor: an offline station for practising active listening."""

from __future__ import annotations

__version__ = "0.1.0"
