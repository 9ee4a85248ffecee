"""Building Google API clients the same way for every live call (asset scan, role sync).

Application Default Credentials against the public endpoint or a named one (Private Service Connect);
anonymous credentials over plaintext gRPC only for a loopback endpoint or an explicit ``http://`` URL (an
emulator, the tests), so credentials never travel unencrypted.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit


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
