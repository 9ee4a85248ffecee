"""Building Google API clients the same way for every live call (asset scan, role sync).

Application Default Credentials against the public endpoint or a named one (Private Service Connect);
anonymous credentials over plaintext gRPC only for a loopback endpoint or an explicit ``http://`` URL (an
emulator, the tests), so credentials never travel unencrypted.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any
from urllib.parse import urlsplit

from iamlint.errors import UsageError

# A DNS name or an IPv4 address, or an IPv6 address in brackets.
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$")


def check_endpoint(endpoint: str) -> str:
    """``endpoint`` as ``--endpoint`` takes it (HOST, HOST:PORT or http://HOST:PORT), else a UsageError."""
    expected = (
        f"--endpoint {endpoint!r}: expected HOST[:PORT] (e.g. private.googleapis.com:443) or http://HOST:PORT"
    )
    target = endpoint.removeprefix("http://").rstrip("/")
    if "://" in target:
        raise UsageError(f"{expected}; a gRPC endpoint has no scheme other than http:// (plaintext)")
    try:
        parts = urlsplit("//" + target)
        port = parts.port
    except ValueError:
        raise UsageError(f"{expected}; the port is not a number from 1 to 65535") from None
    host = target.rsplit(":", 1)[0] if port is not None or target.endswith(":") else target
    if parts.path or parts.query or parts.fragment or "@" in target or not _HOST.match(host):
        raise UsageError(expected)
    if target.endswith(":") or port == 0:
        raise UsageError(f"{expected}; the port is not a number from 1 to 65535")
    return endpoint


def insecure_endpoint(endpoint: str) -> tuple[str, bool]:
    """(host:port, whether to use a plaintext channel): only for loopback or an explicit http:// URL."""
    if endpoint.startswith("http://"):
        return endpoint.removeprefix("http://").rstrip("/"), True
    host = urlsplit("//" + endpoint).hostname or ""
    if host == "localhost":
        return endpoint, True
    try:
        return endpoint, ipaddress.ip_address(host).is_loopback
    except ValueError:
        return endpoint, False


def make_client(client_class: Any, transport_class: Any, endpoint: str | None, endpoint_env: str) -> Any:
    """``client_class`` for ``endpoint`` (else the ``endpoint_env`` variable, else Google's endpoint).

    Raises ``google.auth.exceptions.DefaultCredentialsError`` when ADC are needed and missing; callers
    turn it into their own one-line error.
    """
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials

    endpoint = endpoint or os.environ.get(endpoint_env) or None
    if endpoint is None:
        return client_class()
    target, insecure = insecure_endpoint(endpoint)
    if insecure:
        import grpc

        transport = transport_class(
            channel=grpc.insecure_channel(target),
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        )
        return client_class(transport=transport)
    return client_class(client_options=ClientOptions(api_endpoint=target))
