"""Property-based tests (Hypothesis) of the parts that read what strangers send (issue 14):
the OAI-PMH argument parser (section 3.6), the resumption-token decoder (section 3.5), the
URL sanitiser, and the JATS reader on arbitrary trees of JATS element names. Each may refuse
its input only with its own error type, never crash."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from app.config import load_settings
from app.jats.article import ArticleError, read_article
from app.oai import tokens
from app.oai.request import VERBS, OAIException, OAIRequest, parse_request
from app.store.base import Window
from app.urls import safe_url

SECRET = "a secret only this test knows"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
ARGUMENT_NAMES = sorted({"verb", "from", "until", "set", "identifier", "metadataPrefix",
                         "resumptionToken", "", "Verb", "verb[]"})
XLINK = "http://www.w3.org/1999/xlink"


@lru_cache(maxsize=1)
def jats_element_names() -> list[str]:
    """Every element the JATS 1.4 publishing schema declares, read from the schema itself."""
    xsd = (load_settings().schema_dir / "jats-1.4" / "publishing"
           / "JATS-journalpublishing1-4-mathml3-elements.xsd").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r'<xs[d]?:element\s+name="([A-Za-z][\w.-]*)"', xsd)))
    assert len(names) > 200, "the JATS element declarations were not found"
    return names


# --- section 3.6: arguments --------------------------------------------------------------------

pairs = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(ARGUMENT_NAMES), st.text(max_size=12)),
        st.one_of(st.sampled_from([*VERBS, "oai_dc", "2024-01-01", "2024-01-01T00:00:00Z",
                                   "oai:journals.bsu.by:history/5763", ""]),
                  st.text(max_size=40)),
    ),
    max_size=8,
)


@given(pairs)
def test_the_argument_parser_answers_every_request_or_names_its_oai_error(
    arguments: list[tuple[str, str]],
) -> None:
    try:
        parsed = parse_request(arguments)
    except OAIException as exc:
        assert exc.errors and all(e.code for e in exc.errors)
        return
    assert isinstance(parsed, OAIRequest)
    assert [v for k, v in arguments if k == "verb"] == [parsed.verb]


# --- section 3.5: resumption tokens ------------------------------------------------------------

def _decode(token: str) -> tokens.HarvestState | None:
    try:
        return tokens.decode(token, SECRET, now=NOW, lifetime=timedelta(days=7))
    except tokens.BadToken:
        return None


@given(st.text(max_size=200))
def test_any_text_is_a_token_or_a_bad_resumption_token(token: str) -> None:
    assert _decode(token) is None or isinstance(_decode(token), tokens.HarvestState)


@given(st.binary(max_size=200))
def test_a_correctly_signed_body_of_any_bytes_never_crashes_the_decoder(body: bytes) -> None:
    """Even a forger who had the key could only make the decoder say "damaged"."""
    text = base64.urlsafe_b64encode(body).rstrip(b"=")
    signed = tokens._signer(SECRET).sign(text).decode("ascii")
    state = _decode(signed)
    assert state is None or isinstance(state, tokens.HarvestState)


stamps = st.integers(min_value=0, max_value=4_000_000_000).map(
    lambda s: datetime.fromtimestamp(s, UTC))


@given(
    verb=st.sampled_from(["ListRecords", "ListIdentifiers"]),
    prefix=st.text(min_size=1, max_size=20),
    set_spec=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
    from_=st.one_of(st.none(), stamps),
    identifier=st.text(max_size=60),
    cursor=st.integers(min_value=0, max_value=2**40),
    size=st.integers(min_value=0, max_value=2**40),
    max_seq=st.integers(min_value=0, max_value=2**50),
    after=stamps,
)
def test_every_state_survives_its_token(
    verb: str, prefix: str, set_spec: str | None, from_: datetime | None,
    identifier: str, cursor: int, size: int, max_seq: int, after: datetime,
) -> None:
    state = tokens.HarvestState(verb, Window(prefix, set_spec, from_, None, max_seq),
                                (after, identifier), cursor, size, NOW - timedelta(hours=1))
    assert _decode(tokens.encode(state, SECRET)) == state


# --- the URL sanitiser -------------------------------------------------------------------------

@given(st.text(max_size=80))
def test_only_web_doi_and_relative_addresses_pass(value: str) -> None:
    result = safe_url(value)
    if result is None:
        return
    assert not re.search(r"[\x00-\x20\x7f-\x9f\\]", result)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", result)
    if scheme:
        assert scheme.group(1).lower() in ("http", "https")
    else:
        assert not result.startswith("//")


@given(
    st.sampled_from(["javascript", "JavaScript", "JAVASCRIPT", "vbscript", "data", "file"]),
    st.sampled_from(["", " ", "\t", "\n", "\x00"]),
    st.text(max_size=20),
)
def test_script_and_data_schemes_never_pass_however_disguised(
    scheme: str, noise: str, rest: str,
) -> None:
    for value in (f"{noise}{scheme}:{rest}", f"{scheme[:2]}{noise}{scheme[2:]}:{rest}"):
        assert safe_url(value) is None or not re.match(r"(?i)\s*(java|vb)script|data|file",
                                                       safe_url(value) or "")


@given(st.from_regex(r"https?://[a-z0-9-]{1,20}(\.[a-z]{2,6}){1,2}(/[A-Za-z0-9._~%-]{0,10}){0,3}",
                     fullmatch=True))
def test_web_addresses_pass_unchanged(url: str) -> None:
    assert safe_url(url) == url


def test_a_doi_becomes_its_resolver_address() -> None:
    assert safe_url("doi:10.33581/2520-6338-2023-4-63-72") == (
        "https://doi.org/10.33581/2520-6338-2023-4-63-72")
    assert safe_url("doi:not-a-doi") is None


# --- the JATS reader ---------------------------------------------------------------------------

#: Characters XML 1.0 cannot hold: lxml refuses them before the reader sees a tree.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["{http://www.w3.org/XML/1998/namespace}lang", f"{{{XLINK}}}href",
                     "pub-id-type", "contrib-type", "date-type", "pub-type", "article-type",
                     "content-type", "license-type", "journal-id-type", "id", "rid",
                     "ref-type", "specific-use", "iso-8601-date", "calendar"]),
    st.text(max_size=20).filter(lambda t: not NOT_XML.search(t)),
    max_size=3,
)
TEXT = st.text(max_size=15).filter(lambda t: not NOT_XML.search(t))


@st.composite
def jats_trees(draw: st.DrawFn, depth: int = 4) -> etree._Element:
    """An ``article`` whose front, article-meta and back are random trees of JATS names."""
    names = st.sampled_from(jats_element_names())

    def node(level: int) -> etree._Element:
        el = etree.Element(draw(names))
        for key, value in draw(ATTRIBUTES).items():
            el.set(key, value)
        el.text = draw(TEXT)
        if level < depth:
            for _ in range(draw(st.integers(0, 3))):
                child = node(level + 1)
                child.tail = draw(TEXT)
                el.append(child)
        return el

    article = etree.Element("article")
    if draw(st.booleans()):
        front = etree.SubElement(article, "front")
        for _ in range(draw(st.integers(0, 2))):
            front.append(node(1))
        if draw(st.booleans()):
            meta = etree.SubElement(front, "article-meta")
            for _ in range(draw(st.integers(0, 6))):
                meta.append(node(2))
    for _ in range(draw(st.integers(0, 2))):
        article.append(node(1))
    return article


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jats_trees())
def test_the_reader_reads_any_tree_of_jats_names_or_says_it_is_no_article(
    root: etree._Element,
) -> None:
    try:
        article = read_article(root, today=NOW.date())
    except ArticleError:
        return
    for url in (article.license_url, *article.self_uris):
        assert url is None or safe_url(url) == url
