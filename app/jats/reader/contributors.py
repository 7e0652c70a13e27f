"""Contributors: names, ORCID iDs, affiliations resolved with their institution ids."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from app.jats.languages import language_tag
from app.jats.model import (
    Affiliation,
    Contributor,
)
from app.jats.pids import orcid_id
from app.jats.reader.tree import children_named, first_text, href_of
from app.jats.text import (
    BLOCK,
    XML_LANG,
    local,
    text_of,
)

# The parts of an affiliation that never share a word with their neighbours.
AFF_PARTS = frozenset(
    {"institution", "institution-wrap", "addr-line", "city", "state", "country", "postal-code",
     "named-content", "email", "uri", "ext-link"}
)
def read_contributors(meta: etree._Element, lang: str | None) -> tuple[Contributor, ...]:
    affs = _affiliation_index(meta, lang)
    linked = {
        rid
        for x in meta.iter()
        if local(x.tag) == "xref" and (x.get("ref-type") or "") == "aff"
        for rid in (x.get("rid") or "").split()
    }
    out: list[Contributor] = []
    for group in _contrib_groups(meta):
        shared = [
            a
            for el in children_named(group, "aff")
            if (a := _affiliation(el, lang)) and a.id not in linked
        ]
        for contrib in children_named(group, "contrib"):
            person = _contributor(contrib, group, affs, lang, shared)
            if person is not None:
                out.append(person)
    return tuple(out)


def _contrib_groups(meta: etree._Element) -> Iterator[etree._Element]:
    """Contributor groups of the article itself (not those listing a collaboration's members)."""
    stack = children_named(meta, "contrib-group")
    while stack:
        group = stack.pop(0)
        yield group
        stack.extend(children_named(group, "contrib-group"))


def _contributor(
    contrib: etree._Element,
    group: etree._Element,
    affs: dict[str, Affiliation],
    lang: str | None,
    shared: list[Affiliation],
) -> Contributor | None:
    role = (contrib.get("contrib-type") or group.get("content-type") or "author").strip().lower()
    if role in ("authors",):
        role = "author"
    surname, given = _name(contrib, lang)
    collab_el = next((c for c in contrib if local(c.tag) == "collab"), None)
    if collab_el is None:
        collab_el = next(
            (c for alt in children_named(contrib, "collab-alternatives") for c in alt
             if local(c.tag) == "collab"),
            None,
        )
    collab = (
        text_of(collab_el, drop={"contrib-group", "xref", "fn", "address", "aff", "email"})
        if collab_el is not None
        else None
    ) or None
    if not (surname or given or collab):
        return None
    own: list[Affiliation] = []
    for el in contrib.iter():
        name = local(el.tag)
        if name == "xref" and (el.get("ref-type") or "") == "aff":
            own.extend(affs[r] for r in (el.get("rid") or "").split() if r in affs)
        elif name == "aff" and el.getparent() is contrib:
            aff = _affiliation(el, lang)
            if aff:
                own.append(aff)
    if not own:
        own = shared
    unique = tuple(a for i, a in enumerate(own) if a not in own[:i])
    email = next((text_of(e) for e in contrib.iter() if local(e.tag) == "email"), None)
    corresponding = (contrib.get("corresp") or "").lower() == "yes" or any(
        local(x.tag) == "xref" and x.get("ref-type") == "corresp" for x in contrib
    )
    degrees = "; ".join(text_of(d) for d in children_named(contrib, "degrees")) or None
    bio = "; ".join(text_of(b) for b in children_named(contrib, "bio")) or None
    return Contributor(
        role=role,
        surname=surname,
        given_names=given,
        collab=collab,
        orcid=_orcid(contrib),
        email=email or None,
        affiliations=unique,
        degrees=degrees,
        bio=bio,
        corresponding=corresponding,
    )


def _name(contrib: etree._Element, lang: str | None) -> tuple[str | None, str | None]:
    """Surname and given names; from ``name-alternatives`` the one in the article's language."""
    candidates = children_named(contrib, "name") + children_named(contrib, "string-name")
    for alt in children_named(contrib, "name-alternatives"):
        names = [n for n in alt if local(n.tag) in ("name", "string-name")]
        same = [n for n in names if language_tag(n.get(XML_LANG)) == lang]
        candidates.extend(same + [n for n in names if n not in same])
    for name in candidates:
        surname = first_text(name, "surname")
        given = first_text(name, "given-names")
        if local(name.tag) == "string-name" and not (surname or given):
            return text_of(name) or None, None
        if surname or given:
            suffix = first_text(name, "suffix")
            if suffix and surname:
                surname = f"{surname} {suffix}"
            return surname, given
    return None, None


def _orcid(contrib: etree._Element) -> str | None:
    """The bare ORCID iD (0000-0002-1825-0097), from contrib-id, uri or ext-link."""
    for el in contrib:
        name = local(el.tag)
        kind = (el.get("contrib-id-type") or "").lower()
        value = f"{href_of(el) or ''} {text_of(el)}"
        if (name == "contrib-id" and (kind == "orcid" or "orcid.org" in value)) or (
            name in ("uri", "ext-link") and "orcid.org" in value
        ):
            found = orcid_id(value)
            if found:
                return found
    return None


def _affiliation_index(meta: etree._Element, lang: str | None) -> dict[str, Affiliation]:
    """Every ``aff`` with an id, wherever the record put it; ``aff-alternatives`` resolved to the
    article's language."""
    index: dict[str, Affiliation] = {}
    for el in meta.iter():
        name = local(el.tag)
        if name == "aff-alternatives" and el.get("id"):
            options = children_named(el, "aff")
            chosen = next(
                (a for a in options if language_tag(a.get(XML_LANG)) == lang),
                options[0] if options else None,
            )
            aff = _affiliation(chosen, lang) if chosen is not None else None
            if aff:
                index[el.get("id")] = Affiliation(**{**aff.__dict__, "id": el.get("id")})
        elif name == "aff" and el.get("id") and el.get("id") not in index:
            aff = _affiliation(el, lang)
            if aff:
                index[el.get("id")] = aff
    return index


def _affiliation(aff: etree._Element, lang: str | None) -> Affiliation | None:
    institutions = [
        i for i in aff.iter() if local(i.tag) == "institution"
    ]
    original = next(
        (text_of(i) for i in institutions if (i.get("content-type") or "") == "original"), None
    )
    tagged = [i for i in institutions if (i.get("content-type") or "") != "original"]
    main = next((i for i in tagged if (i.get("content-type") or "") in ("", "orgname")), None)
    dept = next(
        (i for i in tagged if (i.get("content-type") or "").startswith(("orgdiv", "dept"))), None
    )
    country_el = next((c for c in aff.iter() if local(c.tag) == "country"), None)
    city = next(
        (text_of(c) for c in aff.iter()
         if local(c.tag) == "city" or (local(c.tag) == "named-content"
                                       and c.get("content-type") == "city")),
        None,
    )
    postal = next(
        (text_of(c) for c in aff.iter()
         if local(c.tag) == "postal-code" or (local(c.tag) == "named-content"
                                              and c.get("content-type") == "postal-code")),
        None,
    )
    ids = _institution_ids(aff)
    text = original or _aff_line(aff)
    if not text:
        return None
    address = " ".join(text_of(a) for a in aff.iter() if local(a.tag) == "addr-line") or None
    return Affiliation(
        text=text,
        id=aff.get("id"),
        institution=text_of(main) if main is not None else None,
        department=text_of(dept) if dept is not None else None,
        address=address,
        city=city,
        postal_code=postal,
        country=text_of(country_el).rstrip(".") if country_el is not None else None,
        country_code=(country_el.get("country") if country_el is not None else None) or None,
        ror=ids.get("ror"),
        isni=ids.get("isni"),
        ringgold=ids.get("ringgold"),
    )


_BARE_ROR = re.compile(r"^0[a-z0-9]{6}[0-9]{2}$")


def _institution_ids(aff: etree._Element) -> dict[str, str]:
    """The first ``institution-id`` of each known type (ror, isni, ringgold), as tagged."""
    out: dict[str, str] = {}
    for el in aff.iter():
        if local(el.tag) != "institution-id":
            continue
        kind = (el.get("institution-id-type") or "").strip().lower()
        value = text_of(el)
        if kind == "ror" and _BARE_ROR.match(value):
            value = f"https://ror.org/{value}"  # the form ROR and DataCite give an identifier
        if kind in ("ror", "isni", "ringgold") and value and kind not in out:
            out[kind] = value
    return out


def _aff_line(aff: etree._Element) -> str:
    """The affiliation on one line. When the record puts punctuation between the parts it is
    kept; when it only tags them, the parts are joined with commas."""
    skip = {"label", "sup", "institution-id", "email", "fn", "xref"}
    loose = (aff.text or "") + "".join(c.tail or "" for c in aff)
    if re.search(r"[^\s]", loose):
        return text_of(aff, drop=skip | {"object-id"}, blocks=BLOCK | AFF_PARTS)
    parts: list[str] = []
    for child in aff:
        name = local(child.tag)
        if name in skip or not name:
            continue
        if name in ("addr-line", "institution-wrap") and len(child):
            parts.extend(t for t in (text_of(c, drop=skip) for c in child
                                     if local(c.tag) not in skip) if t)
            continue
        t = text_of(child, drop=skip)
        if t:
            parts.append(t)
    return ", ".join(parts)
