"""Which subscription each Azure lookup and resource goes to.

azure-native's default provider works in one subscription, the deploying one (its
``subscriptionId``: the stack config, ``ARM_SUBSCRIPTION_ID`` or the Azure CLI's default, as its
client configuration reports it). A lookup (``get_vault``, ``get_key``, ``get_managed_hsm``,
``get_workspace``) sends only a group and a name, so a resource brought from another subscription
is read there and not found. :class:`Subscriptions` gives each other subscription an explicit
provider, ``<name>-subscription-<subscription id>``, configured as the default one is but for its
subscription, and gives the deploying subscription **none**: everything there keeps the default
provider and so exactly the registrations it always had (a change of provider could plan a
replacement of what holds Adobe's access). Resources addressed by a scope (Adobe's role
assignment on a vault, a diagnostic setting) need no provider of their own: their subscription is
in the id they are made on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from components.masked import masked_reason

#: The provider package whose default configuration an explicit provider copies.
PACKAGE = "azure-native"
#: azure-native's configuration keys besides ``subscriptionId``, each with how it is read from
#: the stack config: secrets stay secrets, flags and lists keep their types (as in
#: ``pulumi_azure_native.config``).
_INHERITED: dict[str, Callable[[pulumi.Config, str], Any]] = {
    "auxiliaryTenantIds": pulumi.Config.get_object,
    "clientCertificatePassword": pulumi.Config.get_secret,
    "clientCertificatePath": pulumi.Config.get,
    "clientId": pulumi.Config.get,
    "clientSecret": pulumi.Config.get_secret,
    "disableInstanceDiscovery": pulumi.Config.get_bool,
    "disablePulumiPartnerId": pulumi.Config.get_bool,
    "environment": pulumi.Config.get,
    "location": pulumi.Config.get,
    "metadataHost": pulumi.Config.get,
    "msiEndpoint": pulumi.Config.get,
    "oidcRequestToken": pulumi.Config.get_secret,
    "oidcRequestUrl": pulumi.Config.get,
    "oidcToken": pulumi.Config.get_secret,
    "oidcTokenFilePath": pulumi.Config.get,
    "partnerId": pulumi.Config.get,
    "tenantId": pulumi.Config.get,
    "useDefaultAzureCredential": pulumi.Config.get_bool,
    "useMsi": pulumi.Config.get_bool,
    "useOidc": pulumi.Config.get_bool,
}
_SUBSCRIPTION = re.compile(r"/subscriptions/([^/]+)", re.IGNORECASE)


def subscription_of(resource_id: str) -> str | None:
    """The subscription an ARM id names, in lower case; ``None`` for anything else (an HSM's
    address, say)."""
    match = _SUBSCRIPTION.match(resource_id)
    return match[1].lower() if match else None


def inherited_provider_args() -> dict[str, Any]:
    """The default provider's configuration from the stack (``azure-native:*``), as the
    :class:`pulumi_azure_native.Provider` keyword arguments, without ``subscription_id``: what an
    explicit provider takes so that it authenticates as the default one does. (Settings from the
    environment, ``ARM_*`` and the Azure CLI login, reach every provider alike.)"""
    config = pulumi.Config(PACKAGE)
    found = {_snake(key): read(config, key) for key, read in _INHERITED.items()}
    return {key: value for key, value in found.items() if value is not None}


class Subscriptions:
    """The deploying subscription, and an explicit provider for each other one asked for."""

    deploying: str
    """The deploying subscription, in lower case (azure-native's client configuration)."""

    def __init__(self, name: str, deploying: str, parent: pulumi.Resource) -> None:
        self.deploying = deploying.lower()
        self._name = name
        self._parent = parent
        self._providers: dict[str, azure_native.Provider] = {}

    def provider(self, subscription_id: str | None) -> azure_native.Provider | None:
        """``None`` for the deploying subscription (or none named): the default provider, as
        before. For another, its provider, declared the first time (a child of ``parent``)."""
        if subscription_id is None or subscription_id.lower() == self.deploying:
            return None
        subscription = subscription_id.lower()
        if subscription not in self._providers:
            self._providers[subscription] = azure_native.Provider(
                f"{self._name}-subscription-{subscription}",
                subscription_id=subscription,
                **inherited_provider_args(),
                opts=pulumi.ResourceOptions(parent=self._parent),
            )
        return self._providers[subscription]

    def invoke_options(
        self, subscription_id: str | None, parent: pulumi.Resource
    ) -> pulumi.InvokeOptions:
        """Options for a lookup of something in ``subscription_id``, made for ``parent``."""
        return pulumi.InvokeOptions(parent=parent, provider=self.provider(subscription_id))


def lookup_failure(setting: str, what: str, subscription_id: str, error: Exception) -> str:
    """One line for a lookup the deploying identity could not make: the setting, what it names,
    the subscription, Azure's reason (one line, secrets masked, cut after masking)."""
    return (
        f"{setting} names {what} in subscription {subscription_id}, which the deploying identity "
        f"cannot read there ({masked_reason(error)}): grant it Reader on it (or its group), or "
        "check the id"
    )


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
