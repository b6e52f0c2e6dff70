"""The hooks a bookctl plugin can implement. Every hook name starts with `bookctl_`.

A plugin is a module (or object) with functions marked `@hookimpl`; external plugins are found
through the `bookctl` entry-point group, built-ins are registered by the same manager.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from bookctl.providers.base import Provider

hookspec = HookspecMarker("bookctl")
hookimpl = HookimplMarker("bookctl")


@hookspec
def bookctl_register_providers(register: Callable[[Provider], None]) -> None:
    """Register payment providers.

    Called once per process, the first time a command needs a provider (collecting, refunding,
    listing providers); commands that move no money never call it. Call `register(provider)` for
    each `bookctl.providers.base.Provider` instance the plugin offers. Returns nothing; every
    implementation is called (not firstresult). Two providers with the same name are an error.

    A provider's `charge` and `refund` receive the request's idempotency key, minted once per
    movement of money and stored in the ledger before the call. They must treat a repeated key as a
    replay (the first answer again, no money moved twice): bookctl repeats it on retries and in
    `payment reconcile`. They raise `CardDeclined` or `ProviderUnavailable` when the provider
    definitely moved nothing, and `OutcomeUnknown` for a timeout, a connection dropped after the
    request was sent, or a 5xx, when the money may have moved (bookctl keeps the entry pending).
    See `bookctl.providers.base`.
    """


@hookspec
def bookctl_provider_options() -> dict[str, Callable[[str, str], str]]:
    """The `[providers.NAME]` options the plugin's providers take, for `bookctl config set
    providers.NAME.OPTION VALUE`: {option: check}, where `check(value, key)` returns the text to keep
    or raises `bookctl.errors.UsageError` naming `key`. bookctl core knows no provider's options; the
    options of every plugin are offered for every provider, and a provider's `configure` refuses
    one it does not take. Every implementation is called.
    """
