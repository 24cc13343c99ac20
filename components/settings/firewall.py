"""The rule for the vault firewall's allow-list (``allowedIpRanges``).

Key Vault's firewall takes public IPv4 addresses and ranges only: Azure refuses the private ones
(a private network reaches a vault through a private endpoint, not an IP rule), and the other
special-purpose ranges below are never the source address of a request arriving from the
internet. A range admitting every address is refused too: it is the open network an empty list
already gives, dressed as a firewall. The documentation ranges (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24, RFC 5737) are public-shaped, admit nobody, and are what examples use: accepted.
"""

from __future__ import annotations

from ipaddress import IPv4Network, collapse_addresses

from components.settings.reader import ConfigReader

#: IPv4 special-purpose ranges (IANA's registry, RFC 6890) that no public request comes from.
NOT_PUBLIC: dict[IPv4Network, str] = {
    IPv4Network("0.0.0.0/8"): "'this network'",
    IPv4Network("10.0.0.0/8"): "private (RFC 1918)",
    IPv4Network("100.64.0.0/10"): "carrier-grade NAT (RFC 6598)",
    IPv4Network("127.0.0.0/8"): "loopback",
    IPv4Network("169.254.0.0/16"): "link-local",
    IPv4Network("172.16.0.0/12"): "private (RFC 1918)",
    IPv4Network("192.0.0.0/24"): "IETF protocol assignments",
    IPv4Network("192.168.0.0/16"): "private (RFC 1918)",
    IPv4Network("198.18.0.0/15"): "benchmarking (RFC 2544)",
    IPv4Network("224.0.0.0/4"): "multicast",
    IPv4Network("240.0.0.0/4"): "reserved",
}
#: How many addresses could ever reach the vault: everything outside :data:`NOT_PUBLIC`.
PUBLIC_ADDRESSES = 2**32 - sum(network.num_addresses for network in NOT_PUBLIC)


def allowed_ip_ranges(r: ConfigReader) -> tuple[str, ...]:
    """The user's ranges in CIDR form (``/32`` for one address, the form Azure reports back, so
    refresh stays quiet), without duplicates. Adobe's address is added by the vault component."""
    networks: list[IPv4Network] = []
    for entry in r.strings("allowedIpRanges"):
        try:
            network = IPv4Network(entry, strict=True)
        except ValueError:
            raise r.fail(
                "allowedIpRanges",
                f"has {entry!r}: each entry is an IPv4 address or CIDR range with no host bits, "
                "e.g. 203.0.113.7 or 203.0.113.0/24",
            ) from None
        if network.prefixlen == 0:
            raise r.fail(
                "allowedIpRanges",
                f"has {entry!r}, which admits every address: that is the open network an empty "
                "list gives, not a firewall; list only the addresses that need the vault",
            )
        for special, kind in NOT_PUBLIC.items():
            if network.overlaps(special):
                raise r.fail(
                    "allowedIpRanges",
                    f"has {entry!r}, which includes {kind} addresses ({special}): Key Vault's "
                    "firewall takes public addresses only; list the public address your network "
                    "reaches Azure from (its NAT or proxy)",
                )
        if network not in networks:
            networks.append(network)
    admitted = sum(network.num_addresses for network in collapse_addresses(networks))
    if networks and admitted >= PUBLIC_ADDRESSES:
        raise r.fail(
            "allowedIpRanges",
            "admits every public address between its entries: that is the open network an "
            "empty list gives, not a firewall; list only the addresses that need the vault",
        )
    return tuple(str(network) for network in networks)
