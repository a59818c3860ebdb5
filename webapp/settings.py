"""The one typed settings object of an app, grouped by domain, and the one way code reads it.

`create_app` builds a `Settings` from the validated values (config/settings.py parses and checks
every row of config/spec.py once, at start) and stores it on the app; code reads
`current().<group>.<NAME>` (`current(app)` where no app context is active), never
a string key of `app.config`. Groups are the table's: platform, transactions, dialogs, prices, assets; the
names stay the environment variables' own, so a setting is found by one grep. The object is frozen:
`replace(app, NAME=value, ...)` installs a new one (a test goes through `tests.support.override_settings`,
which restores it). Flask's own keys (SECRET_KEY, MAX_CONTENT_LENGTH, TESTING, OPENAPI_*) stay in
`app.config` as well, because Flask and flask-smorest read them there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from config.spec import BY_NAME, SETTINGS

EXTENSION = "fido_settings"
GROUPS = tuple(dict.fromkeys(spec.group for spec in SETTINGS))

# One frozen dataclass per group, its fields the group's settings (values already parsed and typed).
_GROUP_CLASSES = {
    group: dataclasses.make_dataclass(
        f"{group.capitalize()}Settings",
        [(spec.name, Any) for spec in SETTINGS if spec.group == group],
        frozen=True,
    )
    for group in GROUPS
}
Settings = dataclasses.make_dataclass("Settings", [(group, Any) for group in GROUPS], frozen=True)


def build(values: Mapping[str, Any]) -> Settings:
    """The settings object of `values` (every name of config/spec.py; missing ones are None)."""
    return Settings(
        **{
            group: cls(**{f.name: values.get(f.name) for f in dataclasses.fields(cls)})
            for group, cls in _GROUP_CLASSES.items()
        }
    )


def changed(settings: Settings, **values: Any) -> Settings:
    """A copy of `settings` with `values` (NAME=value) replaced; an unknown name is a TypeError."""
    updates: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        if name not in BY_NAME:
            raise TypeError(f"unknown setting {name}")
        updates.setdefault(BY_NAME[name].group, {})[name] = value
    return dataclasses.replace(
        settings, **{group: dataclasses.replace(getattr(settings, group), **u) for group, u in updates.items()}
    )


def install(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION] = settings


def replace(app: Flask, **values: Any) -> Settings:
    """Install a copy of `app`'s settings with `values` replaced (Flask's keys follow in app.config)."""
    settings = changed(current(app), **values)
    install(app, settings)
    app.config.update(values)
    return settings


def current(app: Flask | None = None) -> Settings:
    """The settings of `app` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def value(name: str, app: Flask | None = None) -> Any:
    """One setting by its name, for code that holds the name as data (a view's rate-limit setting)."""
    return getattr(getattr(current(app), BY_NAME[name].group), name)


def as_mapping(settings: Settings) -> dict[str, Any]:
    """Every setting by its name (for config/celery.py, which builds Celery's configuration from it)."""
    groups = [getattr(settings, name) for name in GROUPS]
    return {f.name: getattr(group, f.name) for group in groups for f in dataclasses.fields(group)}
