"""The plugin manager: built-in providers and external ones from the `bookctl` entry-point group.

Loaded once per process and only by commands that need a provider, so the calendar commands never
pay for entry-point scanning. `BOOKCTL_LOAD_PLUGINS` limits external plugins to a comma-separated
list of distribution names ("" loads none); unset, every installed bookctl plugin loads.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pluggy

from bookctl.errors import NotFoundError, StoreError, UsageError
from bookctl.providers import hookspecs
from bookctl.providers.base import Provider

BUILTIN_PLUGINS = (
    "bookctl.providers.builtin.manual",
    "bookctl.providers.builtin.invoice",
    "bookctl.providers.builtin.sandbox",
    "bookctl.providers.builtin.stripe",
)
ENTRY_POINT_GROUP = "bookctl"


@dataclass(frozen=True)
class RegisteredProvider:
    """A provider and where it came from: `builtin` or the distribution that installed it."""

    provider: Provider
    origin: str


_manager: pluggy.PluginManager | None = None
_origins: dict[str, str] = {}
_providers: dict[str, RegisteredProvider] | None = None


def plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager, with built-in and external plugins registered."""
    global _manager
    if _manager is None:
        manager = pluggy.PluginManager("bookctl")
        manager.add_hookspecs(hookspecs)
        for name in BUILTIN_PLUGINS:
            manager.register(importlib.import_module(name), name)
            _origins[name] = "builtin"
        _load_external(manager)
        _manager = manager
    return _manager


def _wanted_distributions() -> set[str] | None:
    wanted = os.environ.get("BOOKCTL_LOAD_PLUGINS")
    if wanted is None:
        return None
    return {_normalize(n) for n in wanted.split(",") if n.strip()}


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _load_external(manager: pluggy.PluginManager) -> None:
    """Register every `bookctl` entry point (of the distributions BOOKCTL_LOAD_PLUGINS allows)."""
    from importlib import metadata

    wanted = _wanted_distributions()
    seen: set[str] = set()
    for distribution in metadata.distributions():
        dist_name = distribution.metadata["Name"] or "?"
        if wanted is not None and _normalize(dist_name) not in wanted:
            continue
        for entry_point in distribution.entry_points:
            if entry_point.group != ENTRY_POINT_GROUP:
                continue
            plugin_name = f"{dist_name}:{entry_point.name}"
            if plugin_name in seen:  # the same distribution on sys.path twice
                continue
            seen.add(plugin_name)
            try:
                plugin = entry_point.load()
            except Exception as exc:  # a broken plugin must not take every command down with a traceback
                raise StoreError(f"bookctl plugin {entry_point.name!r} from {dist_name} failed to load: {exc}") from None
            manager.register(plugin, name=plugin_name)
            _origins[plugin_name] = dist_name
    if wanted:
        installed = {_normalize(o) for o in _origins.values()}
        missing = sorted(wanted - installed)
        if missing:
            raise UsageError(f"BOOKCTL_LOAD_PLUGINS names {', '.join(missing)}, which provides no bookctl plugin")


def providers() -> dict[str, RegisteredProvider]:
    """Every provider by name, built-ins first, each from the plugin that registered it."""
    global _providers
    if _providers is None:
        manager = plugin_manager()
        found: dict[str, RegisteredProvider] = {}
        # Each implementation gets its own `register`, so a provider knows which plugin offered it.
        for impl in manager.hook.bookctl_register_providers.get_hookimpls():
            origin = _origins.get(impl.plugin_name, "builtin")

            def register(provider: Provider, origin: str = origin, plugin: str = impl.plugin_name) -> None:
                if not isinstance(provider, Provider):
                    raise StoreError(f"bookctl plugin {plugin!r} registered {provider!r}, which is not a Provider")
                if provider.name in found:
                    raise StoreError(f"two plugins register a payment provider named {provider.name!r}")
                found[provider.name] = RegisteredProvider(provider, origin)

            impl.function(register=register)
        _providers = dict(sorted(found.items(), key=lambda kv: (kv[1].origin != "builtin", kv[0])))
    return _providers


def provider_options() -> dict[str, Callable[[str, str], str]]:
    """Every `[providers.NAME]` option the installed plugins declare, by name, with its check."""
    found: dict[str, Callable[[str, str], str]] = {}
    for declared in plugin_manager().hook.bookctl_provider_options():
        found.update(declared or {})
    return dict(sorted(found.items()))


def get_provider(name: str, options: dict | None = None, state_dir: Path | None = None) -> Provider:
    """The provider called `name`, configured with the store's `[providers.NAME]` settings; `state_dir`
    is the store's directory for its files (the provider's `state_dir`)."""
    registered = providers().get(name)
    if registered is None:
        known = ", ".join(providers())
        raise NotFoundError(f"no payment provider {name!r}; installed: {known}")
    registered.provider.state_dir = state_dir
    registered.provider.configure(options or {})
    return registered.provider


def register_plugin(plugin: object, name: str) -> None:
    """Register an extra plugin object (tests use it for inline plugins; pair with reset())."""
    global _providers
    plugin_manager().register(plugin, name=name)
    _origins[name] = name
    _providers = None


def reset() -> None:
    """Forget loaded plugins (tests register inline plugins and call this in `finally`)."""
    global _manager, _providers
    _manager = None
    _providers = None
    _origins.clear()
