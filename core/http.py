"""Small request/URL helpers every app uses: absolute links for emails and the client's IP address."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def absolute_url(viewname: str, *args, query: str = "", fragment: str = "", **kwargs) -> str:
    """`SITE_URL` + reverse(...): links in emails and tasks, which have no request to ask for the host."""
    url = settings.SITE_URL + reverse(viewname, args=args or None, kwargs=kwargs or None)
    if query:
        url += "?" + query.lstrip("?")
    if fragment:
        url += "#" + fragment.lstrip("#")
    return url


def site_url(path: str) -> str:
    """`SITE_URL` + an already-built path (e.g. one carrying a freshly minted token)."""
    return settings.SITE_URL + path


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_proxies() -> tuple[IPNetwork, ...]:
    """`TRUSTED_PROXIES` (addresses or CIDRs) as networks; parsed once per distinct setting value."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _parse_ip(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234" (IPv4 with a port)
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: what custody records, signatures, sessions and rate-limit keys use.

    `X-Forwarded-For` is a list that every proxy appends to, so only its right end can be trusted, and
    only as far as hops we run ourselves. It is read only when the peer (REMOTE_ADDR) is one of
    `TRUSTED_PROXIES`; then the list is walked right to left, skipping trusted proxies, and the first
    address that is not one of ours is the client. Anything a client wrote further left is ignored, and
    an entry that is not an address stops the walk at the last good hop (never a 500).
    """
    peer = _parse_ip(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        # A unix-socket peer has no address: one shared bucket, never a crash (not a bind address).
        return "0.0.0.0"  # noqa: S104
    networks = trusted_proxies()
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for entry in reversed(forwarded.split(",")[:64] if forwarded else []):
        hop = _parse_ip(entry)
        if hop is None:
            break  # a malformed hop: nothing to its left can be trusted either
        client = hop
        if not _is_trusted(hop, networks):
            break
    return str(client)


# The largest id we parse: 18 ASCII digits always fit a bigint (`str.isdigit()` would also take "١٢" or
# "²", which `int()` then turns into a number or an exception: junk from a form must be neither).
_MAX_ID_DIGITS = 18


def is_id(value) -> bool:
    """Whether `value` is a database id as a client may post it: 1 to 18 ASCII digits, nothing else."""
    return isinstance(value, str) and 0 < len(value) <= _MAX_ID_DIGITS and value.isascii() and value.isdigit()
