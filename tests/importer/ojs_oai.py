"""A small OAI-PMH server on 127.0.0.1 that answers the way OJS 3.3/3.4 does.

Its records are written like OJS's ``oai_dc`` (the Dublin Core adapter: ``xml:lang`` per
locale, "Family, Given" creators, ``dc:source`` as "journal; issue identification; pages"
plus one ``dc:source`` per ISSN) and ``marcxml`` (the plugin's ``record.tpl``, with its 773
field written with ``id``/``label`` attributes). Identifiers are ``oai:<host>:article/<id>``,
deletions persistent, datestamps in seconds, and lists paged with opaque resumption tokens.
The test can change or delete a record between harvests, make the next answers 503 with a
``Retry-After``, and read every request it got (with its User-Agent and how many were in
flight at once).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

REPOSITORY = "journals.bsu.by"


@dataclass
class Author:
    family: str
    given: str
    affiliation: str = ""
    orcid: str = ""


@dataclass
class OjsArticle:
    """One OJS submission as the OAI templates see it; ``titles`` etc. are locale -> text."""

    id: int
    datestamp: str
    titles: dict[str, str]
    authors: list[Author]
    abstracts: dict[str, str] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    journal: dict[str, str] = field(default_factory=dict)
    issue: dict[str, str] = field(default_factory=dict)
    pages: str = ""
    date: str = "2023-12-20"
    doi: str = ""
    language: str = "eng"
    issns: tuple[str, ...] = ()
    publisher: str = ""
    rights: dict[str, str] = field(default_factory=dict)
    license_url: str = ""
    set_spec: str = "history:ART"
    deleted: bool = False


def oai_dc(a: OjsArticle, base: str) -> str:
    """The Dublin Core OJS writes for an article (OAIMetadataFormat_DC)."""
    out = ['<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
           'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">']

    def add(name: str, text: str, lang: str | None = None) -> None:
        attr = f' xml:lang="{lang}"' if lang else ""
        out.append(f"\t<dc:{name}{attr}>{escape(text)}</dc:{name}>")

    for lang, title in a.titles.items():
        add("title", title, lang)
    for author in a.authors:
        add("creator", f"{author.family}, {author.given}" if author.family else author.given)
    for lang, words in a.keywords.items():
        for word in words:
            add("subject", word, lang)
    for lang, text in a.abstracts.items():
        add("description", text, lang)
    if a.publisher:
        add("publisher", a.publisher, "en-US")
    add("date", a.date)
    add("type", "info:eu-repo/semantics/article")
    add("type", "info:eu-repo/semantics/publishedVersion")
    add("type", "Peer-reviewed Article", "en-US")
    add("format", "application/pdf")
    journal_path = base.rstrip("/").rsplit("/", 2)[-2]
    landing = f"https://{REPOSITORY}/index.php/{journal_path}/article/view/{a.id}"
    add("identifier", landing)
    if a.doi:
        add("identifier", a.doi)
    for lang, title in a.journal.items():
        source = f"{title}; {a.issue.get(lang, '')}" + (f"; {a.pages}" if a.pages else "")
        add("source", source, lang)
    for issn in a.issns:
        add("source", issn)
    add("language", a.language)
    add("relation", f"{landing}/{a.id + 1000}")
    for lang, text in a.rights.items():
        add("rights", text, lang)
    if a.license_url:
        add("rights", a.license_url)
    out.append("</oai_dc:dc>")
    return "\n".join(out)


def marcxml(a: OjsArticle, base: str) -> str:
    """The MARC 21 slim record of OJS's ``marcxml/templates/record.tpl``."""
    primary = next(iter(a.titles))
    sub = '<subfield code="{}">{}</subfield>'
    out = ['<record xmlns="http://www.loc.gov/MARC21/slim" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.loc.gov/MARC21/slim '
           'https://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd">',
           "<leader>     nmb a2200000Iu 4500</leader>"]
    for issn in a.issns:
        out.append(f'<datafield tag="022" ind1="#" ind2="#">{sub.format("a", issn)}</datafield>')
    if a.doi:
        out.append(f'<datafield tag="024" ind1="7" ind2="#">{sub.format("a", escape(a.doi))}'
                   f'{sub.format("2", "doi")}</datafield>')
    out.append(f'<datafield tag="245" ind1="0" ind2="0">'
               f'{sub.format("a", escape(a.titles[primary]))}</datafield>')
    tag = "100" if len(a.authors) == 1 else "720"
    for author in a.authors:
        parts = sub.format("a", escape(f"{author.family}, {author.given}"))
        if author.affiliation:
            parts += sub.format("u", escape(author.affiliation))
        if author.orcid:
            parts += sub.format("0", escape(author.orcid))
        out.append(f'<datafield tag="{tag}" ind1="1" ind2=" ">{parts}</datafield>')
    for word in a.keywords.get(primary, []):
        out.append(f'<datafield tag="653" ind1=" " ind2=" ">{sub.format("a", escape(word))}'
                   "</datafield>")
    if primary in a.abstracts:
        out.append(f'<datafield tag="520" ind1=" " ind2=" ">'
                   f'{sub.format("a", escape(a.abstracts[primary]))}</datafield>')
    out.append(f'<datafield tag="260" ind1=" " ind2=" ">{sub.format("b", a.publisher)}'
               "</datafield>")
    out.append(f'<dataField tag="260" ind1=" " ind2=" ">{sub.format("c", a.date)}</dataField>')
    journal_path = base.rstrip("/").rsplit("/", 2)[-2]
    landing = f"https://{REPOSITORY}/index.php/{journal_path}/article/view/{a.id}"
    out.append(f'<datafield tag="856" ind1="4" ind2="0">{sub.format("u", landing)}</datafield>')
    out.append(f'<datafield id="773" i1="0" i2=" "><subfield label="t">'
               f'{escape(a.journal.get(primary, ""))};</subfield>'
               f'<subfield label="g">{escape(a.issue.get(primary, ""))}</subfield></datafield>')
    out.append(f'<datafield tag="546" ind1=" " ind2=" ">{sub.format("a", a.language)}'
               "</datafield>")
    if primary in a.rights:
        out.append(f'<datafield tag="540" ind1=" " ind2=" ">'
                   f'{sub.format("a", escape(a.rights[primary]))}</datafield>')
    out.append("</record>")
    return "\n".join(out)


FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
               "http://www.openarchives.org/OAI/2.0/oai_dc/", oai_dc),
    "marcxml": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                "http://www.loc.gov/MARC21/slim", marcxml),
}


@dataclass
class Seen:
    params: dict[str, str]
    user_agent: str
    in_flight: int


class OjsOaiServer:
    """``server.base_url`` is ``http://127.0.0.1:<port>/index.php/<journal>/oai``."""

    def __init__(self, journal: str = "history", page_size: int = 2) -> None:
        self.articles: dict[int, OjsArticle] = {}
        self.page_size = page_size
        self.requests: list[Seen] = []
        self.unavailable: list[int] = []  # Retry-After seconds of the next 503 answers
        self.failures: list[int] = []  # statuses of the next answers (500, 502...), no header
        self.tokens: dict[str, tuple[dict[str, str], int]] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self.journal = journal
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                server._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = (f"http://127.0.0.1:{self.httpd.server_address[1]}/index.php/"
                         f"{journal}/oai")
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> OjsOaiServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def put(self, article: OjsArticle) -> None:
        self.articles[article.id] = article

    # -- the protocol ---------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight += 1
            in_flight = self._in_flight
        try:
            query = {k: v[0] for k, v in parse_qs(urlparse(handler.path).query).items()}
            self.requests.append(Seen(query, handler.headers.get("User-Agent", ""), in_flight))
            if self.failures:
                handler.send_response(self.failures.pop(0))
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            if self.unavailable:
                wait = self.unavailable.pop(0)
                handler.send_response(503)
                handler.send_header("Retry-After", str(wait))
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            body = self._answer(query).encode("utf-8")
            handler.send_response(200)
            handler.send_header("Content-Type", "text/xml; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _envelope(self, query: dict[str, str], inner: str) -> str:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        attrs = "".join(f' {k}="{escape(v)}"' for k, v in query.items())
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
                'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
                f"\t<responseDate>{now}</responseDate>\n"
                f"\t<request{attrs}>{escape(self.base_url)}</request>\n{inner}\n</OAI-PMH>\n")

    def _error(self, query: dict[str, str], code: str, text: str) -> str:
        return self._envelope(query, f'\t<error code="{code}">{escape(text)}</error>')

    def _answer(self, query: dict[str, str]) -> str:
        verb = query.get("verb")
        if verb == "Identify":
            return self._envelope(query, (
                "\t<Identify><repositoryName>Journal of the Belarusian State University. "
                f"History</repositoryName><baseURL>{escape(self.base_url)}</baseURL>"
                "<protocolVersion>2.0</protocolVersion><adminEmail>admin@example.org"
                "</adminEmail><earliestDatestamp>2017-01-01T00:00:00Z</earliestDatestamp>"
                "<deletedRecord>persistent</deletedRecord>"
                "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>"))
        if verb == "ListMetadataFormats":
            inner = "".join(
                f"<metadataFormat><metadataPrefix>{p}</metadataPrefix><schema>{s}</schema>"
                f"<metadataNamespace>{n}</metadataNamespace></metadataFormat>"
                for p, (s, n, _) in FORMATS.items())
            return self._envelope(query, f"\t<ListMetadataFormats>{inner}</ListMetadataFormats>")
        if verb == "ListRecords":
            return self._list_records(query)
        return self._error(query, "badVerb", "Illegal OAI verb")

    def _list_records(self, query: dict[str, str]) -> str:
        if "resumptionToken" in query:
            found = self.tokens.get(query["resumptionToken"])
            if found is None:
                return self._error(query, "badResumptionToken", "The token is invalid")
            params, offset = found
        else:
            params, offset = query, 0
        prefix = params.get("metadataPrefix", "")
        if prefix not in FORMATS:
            return self._error(query, "cannotDisseminateFormat", "Unknown format")
        chosen = sorted(
            (a for a in self.articles.values()
             if (not params.get("from") or a.datestamp >= params["from"])
             and (not params.get("set") or a.set_spec.startswith(params["set"]))),
            key=lambda a: (a.datestamp, a.id))
        if not chosen:
            return self._error(query, "noRecordsMatch", "No matching records")
        page = chosen[offset:offset + self.page_size]
        render = FORMATS[prefix][2]
        items = []
        for a in page:
            status = ' status="deleted"' if a.deleted else ""
            header = (f"<header{status}><identifier>oai:{REPOSITORY}:article/{a.id}</identifier>"
                      f"<datestamp>{a.datestamp}</datestamp><setSpec>{a.set_spec}</setSpec>"
                      "</header>")
            meta = "" if a.deleted else f"<metadata>\n{render(a, self.base_url)}\n</metadata>"
            items.append(f"\t\t<record>{header}{meta}</record>")
        next_offset = offset + len(page)
        token = ""
        if next_offset < len(chosen):
            key = f"{len(self.tokens):08x}{next_offset:04x}"
            self.tokens[key] = (params, next_offset)
            token = (f'<resumptionToken completeListSize="{len(chosen)}" cursor="{offset}">'
                     f"{key}</resumptionToken>")
        elif offset:
            token = f'<resumptionToken completeListSize="{len(chosen)}" cursor="{offset}"/>'
        return self._envelope(query, "\t<ListRecords>\n" + "\n".join(items) + token
                              + "\n\t</ListRecords>")
