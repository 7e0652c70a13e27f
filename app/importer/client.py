"""The OAI-PMH client: Sickle, made polite.

One ``requests`` session per source, so there is never more than one request in flight to
it; a User-Agent naming the service; 503 answered by waiting the ``Retry-After`` the source
asks for; network errors and other 5xx answers retried with exponential backoff. Sickle does
the protocol (parameters, OAI errors, resumption tokens); pages are read one at a time so
that the harvest can keep its place after each.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from lxml import etree
from sickle import Sickle
from sickle.iterator import OAIResponseIterator
from sickle.response import OAIResponse

log = logging.getLogger(__name__)

OAI = "http://www.openarchives.org/OAI/2.0/"
USER_AGENT = "jats-oai-importer/0.1 (OAI-PMH harvester of the jats-oai service)"
#: Strict and closed: a damaged page is an error, never "recovered" into fewer records, and
#: blank text is kept because JATS mixed content needs its spaces.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
#: Longest wait a Retry-After may impose; a source asking for more is retried after this.
MAX_RETRY_AFTER = 3600.0


class HarvestFailed(RuntimeError):
    """The source could not be reached or kept failing after every retry."""


@dataclass(frozen=True)
class Page:
    """One ListRecords response: its records, the token to the next page, its responseDate,
    and, when the source says (``completeListSize``, ``cursor``), how long the whole list is
    and how many records came before this page."""

    records: list[etree._Element]
    token: str | None
    response_date: str
    size: int | None = None
    cursor: int = 0


def retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)


class PoliteSickle(Sickle):
    """Sickle with retries for every transient failure, not only 503."""

    def __init__(self, endpoint: str, *, retries: int = 5, backoff: float = 2.0,
                 timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(endpoint, iterator=OAIResponseIterator, max_retries=retries,
                         timeout=timeout)
        self.backoff, self.sleep = backoff, sleep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.requests_made = 0

    def _request(self, kwargs: dict) -> requests.Response:
        self.requests_made += 1
        return self.session.get(self.endpoint, params=kwargs, **self.request_args)

    def harvest(self, **kwargs: str) -> OAIResponse:
        delay = self.backoff
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self._request(kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise HarvestFailed(f"{self.endpoint}: {exc}") from exc
                log.warning("%s: %s; retrying in %.0f s", self.endpoint, exc, delay)
                self.sleep(delay)
                delay *= 2
                continue
            if response.status_code == 503 or response.status_code >= 500:
                if last:
                    raise HarvestFailed(
                        f"{self.endpoint}: HTTP {response.status_code} after "
                        f"{self.max_retries + 1} attempts")
                wait = (retry_after(response.headers.get("Retry-After"), delay)
                        if response.status_code == 503 else delay)
                log.warning("%s: HTTP %d; retrying in %.0f s", self.endpoint,
                            response.status_code, wait)
                self.sleep(wait)
                delay *= 2
                continue
            if response.status_code >= 400:
                raise HarvestFailed(f"{self.endpoint}: HTTP {response.status_code}")
            return OAIResponse(response, params=kwargs)
        raise HarvestFailed(f"{self.endpoint}: no answer")  # pragma: no cover

    def pages(self, **params: str) -> Iterator[Page]:
        """ListRecords page by page (``resumptionToken`` alone, or the list arguments);
        an empty list (``noRecordsMatch``) is no page at all."""
        token = params.get("resumptionToken")
        request = {"resumptionToken": token} if token else dict(params)
        while True:
            root = parse(self.harvest(verb="ListRecords", **request))
            error = root.find(f"{{{OAI}}}error")
            if error is not None and error.get("code") == "noRecordsMatch":
                return
            _raise_oai_error(root)
            records = root.findall(f".//{{{OAI}}}ListRecords/{{{OAI}}}record")
            token_el = root.find(f".//{{{OAI}}}resumptionToken")
            token = (token_el.text or "").strip() if token_el is not None else ""
            date = (root.findtext(f"{{{OAI}}}responseDate") or "").strip()
            yield Page(records, token or None, date, *_list_size(token_el))
            if not token:
                return
            request = {"resumptionToken": token}

    def formats(self) -> dict[str, str]:
        """metadataPrefix -> namespace, as ListMetadataFormats states them."""
        response = self.harvest(verb="ListMetadataFormats")
        _raise_oai_error(parse(response))
        found = {}
        for fmt in parse(response).iter(f"{{{OAI}}}metadataFormat"):
            prefix = (fmt.findtext(f"{{{OAI}}}metadataPrefix") or "").strip()
            if prefix:
                found[prefix] = (fmt.findtext(f"{{{OAI}}}metadataNamespace") or "").strip()
        return found

    def granularity(self) -> str:
        response = self.harvest(verb="Identify")
        _raise_oai_error(parse(response))
        return (parse(response).findtext(f".//{{{OAI}}}granularity") or "YYYY-MM-DD").strip()


def _list_size(token: etree._Element | None) -> tuple[int | None, int]:
    """A resumptionToken's ``completeListSize`` and ``cursor`` (both optional, OAI-PMH 2.0
    section 3.5); a malformed one counts as not given."""
    if token is None:
        return None, 0
    try:
        size = int(token.get("completeListSize", ""))
    except ValueError:
        return None, 0
    try:
        cursor = int(token.get("cursor", "0"))
    except ValueError:
        cursor = 0
    return size, cursor


def parse(response: OAIResponse) -> etree._Element:
    try:
        return etree.fromstring(response.http_response.content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise HarvestFailed(f"the source sent a response that is not XML: {exc}") from exc


def _raise_oai_error(root: etree._Element) -> None:
    error = root.find(f"{{{OAI}}}error")
    if error is not None and error.get("code") != "noRecordsMatch":
        raise HarvestFailed(f"OAI-PMH error {error.get('code')}: {(error.text or '').strip()}")
