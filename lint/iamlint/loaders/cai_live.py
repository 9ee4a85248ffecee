"""Live scan: read an organisation's, folder's or project's assets with the Cloud Asset API.

The real ``google-cloud-asset`` client (``AssetServiceClient``) lists the resources the rules model
(``list_assets``, content type RESOURCE) and every IAM policy under the scope (``list_assets`` with
IAM_POLICY, or ``search_all_iam_policies``), following pages. Credentials are Application Default
Credentials, as for any Google client: on Cloud Run or in CI with workload identity federation no key file
is needed. Transient errors (UNAVAILABLE, DEADLINE_EXCEEDED) are retried with backoff by the client, with
the API's own retry settings, and each retry is shown (progress on a terminal, else a notice).

Each message is turned into the dict an export file holds (``gcloud asset export`` NDJSON for assets, the
``search-all-iam-policies`` JSON for search results), so the file loader's mapping reads both, and
``--save`` writes exactly those dicts: ``iamlint check`` lints the saved file the same way later.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iamlint import google_clients
from iamlint.atomic import atomic_writer
from iamlint.errors import IamlintError
from iamlint.loaders.cai import MODELLED_TYPES
from iamlint.loaders.documents import Document

ENDPOINT_ENV = "IAMLINT_CAI_ENDPOINT"
VIEWER_ROLE = "roles/cloudasset.viewer"
SCOPE = re.compile(r"^(organizations/\d+|folders/\d+|projects/[a-z0-9][a-z0-9.:-]*[a-z0-9])$")
POLICY_SOURCES = ("list", "search")


class ScanError(IamlintError):
    """The API refused or failed a request: one line naming what to fix (a role, a flag, a quota)."""


@dataclass(frozen=True)
class ScanOptions:
    scope: str  # organizations/N | folders/N | projects/ID-or-NUMBER
    # Narrows both listings; by default the resources the rules model and the policies of every type.
    asset_types: Sequence[str] = ()
    read_time: datetime | None = None
    page_size: int | None = None
    # HOST[:PORT]; a loopback host (or http://HOST:PORT) gets a plaintext channel and no credentials.
    endpoint: str | None = None
    # "list": list_assets with IAM_POLICY (ancestors included); "search": search_all_iam_policies.
    policies: str = "list"


@dataclass
class ScanStats:
    assets: int = 0
    pages: int = 0


def check_options(options: ScanOptions) -> None:
    """Everything about the request that can be wrong, refused before the first call."""
    check_scope(options.scope)
    if options.policies not in POLICY_SOURCES:
        raise ScanError(f"policies from {options.policies!r}: expected one of {', '.join(POLICY_SOURCES)}")
    if options.page_size is not None and options.page_size <= 0:
        raise ScanError(f"--page-size {options.page_size}: expected a number of assets greater than 0")
    if options.endpoint is not None:
        google_clients.check_endpoint(options.endpoint)


def check_scope(scope: str) -> str:
    if not SCOPE.match(scope):
        raise ScanError(
            f"--scope {scope!r}: expected organizations/NUMBER, folders/NUMBER or projects/PROJECT_ID_OR_NUMBER"
        )
    return scope


def make_client(endpoint: str | None = None) -> Any:
    """An ``AssetServiceClient``: ADC against the public endpoint or ``endpoint`` (e.g. Private Service
    Connect), or anonymous over plaintext gRPC for a loopback endpoint (an emulator, the tests)."""
    import google.auth.exceptions
    from google.cloud.asset_v1 import AssetServiceClient
    from google.cloud.asset_v1.services.asset_service.transports import AssetServiceGrpcTransport

    try:
        return google_clients.make_client(
            AssetServiceClient, AssetServiceGrpcTransport, endpoint, ENDPOINT_ENV
        )
    except google.auth.exceptions.DefaultCredentialsError as error:
        raise ScanError(
            "no Application Default Credentials: run `gcloud auth application-default login`, or run where "
            f"a service account is attached (Cloud Run, CI with workload identity federation) ({error})"
        ) from None


def asset_to_dict(asset: Any) -> dict[str, Any]:
    """An ``Asset`` message as one line of ``gcloud asset export``: snake_case, enum numbers, no empties."""
    from google.cloud.asset_v1 import Asset

    data: dict[str, Any] = Asset.to_dict(
        asset,
        use_integers_for_enums=True,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=False,
    )
    return data


def search_result_to_dict(result: Any) -> dict[str, Any]:
    """An ``IamPolicySearchResult`` as ``gcloud asset search-all-iam-policies --format=json`` prints it."""
    from google.cloud.asset_v1 import IamPolicySearchResult

    data: dict[str, Any] = IamPolicySearchResult.to_dict(
        result,
        use_integers_for_enums=False,
        preserving_proto_field_name=False,
        always_print_fields_with_no_presence=False,
    )
    return data


def _api_error(error: Exception, options: ScanOptions, call: str) -> ScanError:
    from google.api_core import exceptions

    detail = getattr(error, "message", None) or str(error)
    scope = options.scope
    if isinstance(error, exceptions.PermissionDenied):
        return ScanError(
            f"permission denied for {call} on {scope}: the account iamlint runs as needs {VIEWER_ROLE} "
            f"on {scope} (permissions cloudasset.assets.listResource, listIamPolicy, "
            f"searchAllIamPolicies), and the Cloud Asset API enabled in its project ({detail})"
        )
    if isinstance(error, exceptions.Unauthenticated):
        return ScanError(
            f"not authenticated for {call}: refresh Application Default Credentials "
            f"(`gcloud auth application-default login`) ({detail})"
        )
    if isinstance(error, exceptions.ResourceExhausted):
        return ScanError(
            f"Cloud Asset API quota exhausted during {call} on {scope}: wait and run again, or narrow the scan "
            f"with --asset-types ({detail})"
        )
    if isinstance(error, exceptions.InvalidArgument):
        return ScanError(
            f"the Cloud Asset API rejected {call} on {scope}: check --scope, --asset-types and --read-time "
            f"(within the last 35 days) ({detail})"
        )
    if isinstance(error, exceptions.NotFound):
        return ScanError(f"{scope} was not found by {call}: check --scope ({detail})")
    return ScanError(f"{call} on {scope} failed: {detail}")


def _show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI") and not os.environ.get("PRE_COMMIT")


READING = "reading assets"


class _Progress:
    """Assets read, pages and rate on stderr, only on a terminal outside CI and pre-commit. A retry is
    shown there too, and elsewhere as a notice line (unless ``quiet``): a scan that waits on the API
    must not look hung."""

    def __init__(self, stats: ScanStats, quiet: bool = False) -> None:
        from tqdm import tqdm

        self.stats = stats
        self.quiet = quiet
        self.retries = 0
        self.bar = tqdm(
            unit=" assets", file=sys.stderr, disable=not _show_progress(), desc=READING, leave=False
        )

    def page(self, count: int) -> None:
        self.stats.pages += 1
        self.stats.assets += count
        if self.retries:
            self.retries = 0
            self.bar.set_description(READING, refresh=False)
        self.bar.update(count)
        self.bar.set_postfix(pages=self.stats.pages, refresh=False)

    def retrying(self, call: str, error: Exception) -> None:
        """Called by the client's retry before it waits to try ``call`` again."""
        self.retries += 1
        reason = getattr(error, "message", None) or type(error).__name__
        text = f"the Cloud Asset API did not answer {call} ({reason}); retrying (attempt {self.retries + 1})"
        if not self.bar.disable:
            self.bar.set_description(f"{READING}: {text}")
        elif not self.quiet:
            print(f"iamlint: notice: {text}", file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def _retry(progress: _Progress, call: str) -> Any:
    """The Cloud Asset API's own retry settings for listing (its service config: UNAVAILABLE and
    DEADLINE_EXCEEDED, 0.1 s growing 1.3-fold to 60 s, for 60 s), with the retries shown."""
    from google.api_core import exceptions, retry

    return retry.Retry(
        initial=0.1,
        maximum=60.0,
        multiplier=1.3,
        predicate=retry.if_exception_type(exceptions.DeadlineExceeded, exceptions.ServiceUnavailable),
        timeout=60.0,
        on_error=lambda error: progress.retrying(call, error),
    )


def read_assets(
    options: ScanOptions,
    client: Any | None = None,
    stats: ScanStats | None = None,
    *,
    quiet: bool = False,
) -> Iterator[dict[str, Any]]:
    """Export-shaped dicts of every asset under the scope: modelled resources first, then policies."""
    from google.api_core import exceptions
    from google.cloud.asset_v1 import ContentType, ListAssetsRequest, SearchAllIamPoliciesRequest

    check_options(options)
    client = client or make_client(options.endpoint)
    stats = stats or ScanStats()
    progress = _Progress(stats, quiet)
    resource_types = list(options.asset_types) or list(MODELLED_TYPES)
    calls: list[tuple[str, Any]] = [
        (
            "list_assets (RESOURCE)",
            ListAssetsRequest(
                parent=options.scope,
                content_type=ContentType.RESOURCE,
                asset_types=resource_types,
                read_time=options.read_time,
                page_size=options.page_size or 0,
            ),
        )
    ]
    if options.policies == "list":
        request = ListAssetsRequest(
            parent=options.scope,
            content_type=ContentType.IAM_POLICY,
            asset_types=list(options.asset_types),
            read_time=options.read_time,
            page_size=options.page_size or 0,
        )
        calls.append(("list_assets (IAM_POLICY)", request))
    else:
        search = SearchAllIamPoliciesRequest(
            scope=options.scope, asset_types=list(options.asset_types), page_size=options.page_size or 0
        )
        calls.append(("search_all_iam_policies", search))
    try:
        for call, request in calls:
            try:
                retry = _retry(progress, call)
                if isinstance(request, ListAssetsRequest):
                    for page in client.list_assets(request=request, retry=retry).pages:
                        progress.page(len(page.assets))
                        for asset in page.assets:
                            yield asset_to_dict(asset)
                else:
                    for page in client.search_all_iam_policies(request=request, retry=retry).pages:
                        progress.page(len(page.results))
                        for result in page.results:
                            yield search_result_to_dict(result)
            except exceptions.GoogleAPICallError as error:
                raise _api_error(error, options, call) from None
            except exceptions.RetryError as error:
                cause = error.cause if isinstance(error.cause, Exception) else error
                raise ScanError(
                    f"{call} on {options.scope}: the Cloud Asset API stayed unavailable after retries "
                    f"({getattr(cause, 'message', None) or cause})"
                ) from None
    finally:
        progress.close()


def scan_documents(
    options: ScanOptions,
    *,
    save: str | None = None,
    client: Any | None = None,
    stats: ScanStats | None = None,
    quiet: bool = False,
) -> Iterator[Document]:
    """The scan as documents for the loaders. With ``save``, each is also written as one NDJSON line and
    its location is that file and line, so findings point into the saved export."""
    assets = read_assets(options, client, stats, quiet=quiet)
    if not save:
        for data in assets:
            yield Document("", data, None, "ndjson")
        return
    # The export takes the place of an earlier one only once the scan is complete: a failed or
    # interrupted scan leaves the previous file, never a partial one that would be linted as whole.
    with atomic_writer(save) as handle:
        for number, data in enumerate(assets, start=1):
            handle.write(json.dumps(data, separators=(",", ":")) + "\n")
            yield Document(save, data, number, "ndjson")


def parse_read_time(text: str) -> datetime:
    """RFC 3339 (``2026-11-28T00:00:00Z``) as the API's read_time."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ScanError(
            f"--read-time {text!r}: expected an RFC 3339 time such as 2026-11-28T00:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise ScanError(f"--read-time {text!r}: add a time zone, e.g. Z for UTC")
    return value
