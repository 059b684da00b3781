"""Run profiles: ``smoke`` (seconds, for tests), ``quick`` (default book build on 2 CPU cores),
``paper`` (the papers' own epochs, folds and seeds; GPU recommended)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace

PROFILES = ("smoke", "quick", "paper")


def check(profile: str) -> str:
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    return profile


def choose(profile: str, *, smoke, quick, paper):
    """Pick the value for a profile: ``choose(profile, smoke=2, quick=20, paper=300)``."""
    return {"smoke": smoke, "quick": quick, "paper": paper}[check(profile)]


def configure(base, profile: str, overrides: dict | None = None, **per_profile: dict):
    """A config dataclass for a profile: ``base`` updated with ``per_profile[profile]`` then ``overrides``.

    Unknown keys raise, so a misspelt notebook parameter fails loudly.
    """
    if not is_dataclass(base):
        raise TypeError("base must be a dataclass instance")
    names = {f.name for f in fields(base)}
    cfg = base
    for upd in (per_profile.get(check(profile), {}), overrides or {}):
        unknown = set(upd) - names
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)} for {type(base).__name__}; known: {sorted(names)}")
        cfg = replace(cfg, **upd)
    return cfg
