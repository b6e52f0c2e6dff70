"""The plugin manager: built-in providers and external ones from the `bookctl` entry-point group.

Loaded once per process and only by commands that need a provider, so the calendar commands never
pay for entry-point scanning. `BOOKCTL_LOAD_PLUGINS` limits external plugins to a comma-separated
list of distribution names ("" loads none); unset, every installed bookctl plugin loads.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

import pluggy

from bookctl.errors import NotFoundError, StoreError
from bookctl.providers import hookspecs
from bookctl.providers.base import Provider

BUILTIN_PLUGINS = (
    "bookctl.providers.builtin.manual",
    "bookctl.providers.builtin.invoice",
    "bookctl.providers.builtin.sandbox",
    "bookctl.providers.builtin.stripe",
)


@dataclass(frozen=True)
class RegisteredProvider:
    """A provider and where it came from: `builtin` or the distribution that installed it."""

    provider: Provider
    origin: str


_manager: pluggy.PluginManager | None = None
_providers: dict[str, RegisteredProvider] | None = None


def plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager, with built-in and external plugins registered."""
    global _manager
    if _manager is None:
        manager = pluggy.PluginManager("bookctl")
        manager.add_hookspecs(hookspecs)
        _load_external(manager)
        for name in BUILTIN_PLUGINS:
            manager.register(importlib.import_module(name), name)
        _manager = manager
    return _manager


def _load_external(manager: pluggy.PluginManager) -> None:
    wanted = os.environ.get("BOOKCTL_LOAD_PLUGINS")
    if wanted is None:
        manager.load_setuptools_entrypoints("bookctl")
        return
    from importlib import metadata

    for dist_name in (n.strip() for n in wanted.split(",") if n.strip()):
        try:
            distribution = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise StoreError(f"BOOKCTL_LOAD_PLUGINS names {dist_name!r}, which is not installed") from None
        for entry_point in distribution.entry_points:
            if entry_point.group == "bookctl":
                plugin = entry_point.load()
                manager.register(plugin, name=entry_point.name)
                manager._plugin_distinfo.append((plugin, distribution))  # so origin() can name it


def _origin(manager: pluggy.PluginManager, plugin: object) -> str:
    for registered, distribution in manager.list_plugin_distinfo():
        if registered is plugin:
            return distribution.metadata["name"] or distribution.project_name
    return "builtin"


def providers() -> dict[str, RegisteredProvider]:
    """Every provider by name, built-ins first."""
    global _providers
    if _providers is None:
        manager = plugin_manager()
        found: dict[str, RegisteredProvider] = {}
        for plugin in manager.get_plugins():
            impl = getattr(plugin, "bookctl_register_providers", None)
            if impl is None:
                continue
            origin = _origin(manager, plugin)

            def register(provider: Provider, origin: str = origin) -> None:
                if provider.name in found:
                    raise StoreError(f"two plugins register a payment provider named {provider.name!r}")
                found[provider.name] = RegisteredProvider(provider, origin)

            impl(register=register)
        _providers = dict(sorted(found.items(), key=lambda kv: (kv[1].origin != "builtin", kv[0])))
    return _providers


def get_provider(name: str, options: dict | None = None) -> Provider:
    """The provider called `name`, configured with the store's `[providers.NAME]` settings."""
    registered = providers().get(name)
    if registered is None:
        known = ", ".join(providers())
        raise NotFoundError(f"no payment provider {name!r}; installed: {known}")
    registered.provider.configure(options or {})
    return registered.provider


def reset() -> None:
    """Forget loaded plugins (tests register inline plugins and call this in `finally`)."""
    global _manager, _providers
    _manager = None
    _providers = None
