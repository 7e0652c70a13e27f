"""Language tags as records write them, and the codes and names each format wants.

JATS states languages as ``xml:lang`` tags (BCP 47) of any case and form ("EN", "uk-UA",
"ru-Latn", "ua"). A tag is kept whole wherever a format carries ``xml:lang``: "ru-Latn" (a
transliteration) is not "ru". Only the language of the content is reduced to a bare code:
ISO 639-3 for oai_dc and OpenAIRE, ISO 639-2/B and English names for MARC 21. The tables live
here once, for the reader and every crosswalk.
"""

from __future__ import annotations

import re

# ISO 639-1 -> ISO 639-3 (the alpha-3 code ISO 639-3 and 639-2/T share).
_ISO639_TABLE = """
aa:aar ab:abk ae:ave af:afr ak:aka am:amh an:arg ar:ara as:asm av:ava ay:aym az:aze ba:bak
be:bel bg:bul bi:bis bm:bam bn:ben bo:bod br:bre bs:bos ca:cat ce:che ch:cha co:cos cr:cre
cs:ces cu:chu cv:chv cy:cym da:dan de:deu dv:div dz:dzo ee:ewe el:ell en:eng eo:epo es:spa
et:est eu:eus fa:fas ff:ful fi:fin fj:fij fo:fao fr:fra fy:fry ga:gle gd:gla gl:glg gn:grn
gu:guj gv:glv ha:hau he:heb hi:hin ho:hmo hr:hrv ht:hat hu:hun hy:hye hz:her ia:ina id:ind
ie:ile ig:ibo ii:iii ik:ipk io:ido is:isl it:ita iu:iku ja:jpn jv:jav ka:kat kg:kon ki:kik
kj:kua kk:kaz kl:kal km:khm kn:kan ko:kor kr:kau ks:kas ku:kur kv:kom kw:cor ky:kir la:lat
lb:ltz lg:lug li:lim ln:lin lo:lao lt:lit lu:lub lv:lav mg:mlg mh:mah mi:mri mk:mkd ml:mal
mn:mon mr:mar ms:msa mt:mlt my:mya na:nau nb:nob nd:nde ne:nep ng:ndo nl:nld nn:nno no:nor
nr:nbl nv:nav ny:nya oc:oci oj:oji om:orm or:ori os:oss pa:pan pi:pli pl:pol ps:pus pt:por
qu:que rm:roh rn:run ro:ron ru:rus rw:kin sa:san sc:srd sd:snd se:sme sg:sag sh:hbs si:sin
sk:slk sl:slv sm:smo sn:sna so:som sq:sqi sr:srp ss:ssw st:sot su:sun sv:swe sw:swa ta:tam
te:tel tg:tgk th:tha ti:tir tk:tuk tl:tgl tn:tsn to:ton tr:tur ts:tso tt:tat tw:twi ty:tah
ug:uig uk:ukr ur:urd uz:uzb ve:ven vi:vie vo:vol wa:wln wo:wol xh:xho yi:yid yo:yor za:zha
zh:zho zu:zul"""
_ISO639_3 = dict(pair.split(":") for pair in _ISO639_TABLE.split())
# ISO 639-2/B codes where they differ from 639-2/T (MARC 21 uses the bibliographic ones).
_ISO639_2B = {
    "bod": "tib", "ces": "cze", "cym": "wel", "deu": "ger", "ell": "gre", "eus": "baq",
    "fas": "per", "fra": "fre", "hye": "arm", "isl": "ice", "kat": "geo", "mkd": "mac",
    "mri": "mao", "msa": "may", "mya": "bur", "nld": "dut", "ron": "rum", "slk": "slo",
    "sqi": "alb", "zho": "chi",
}
# Codes seen in real records that are not ISO 639-1 but whose meaning is clear.
_ALIASES = {"cn": "zh", "iw": "he", "in": "id", "ji": "yi", "jp": "ja", "ua": "uk", "gr": "el"}
_ISO639_T_FROM_B = {b: t for t, b in _ISO639_2B.items()}


_SUBTAG = re.compile(r"^[A-Za-z0-9]{1,8}$")


def language_tag(value: str | None) -> str | None:
    """The whole BCP 47 tag in its canonical case ("RU-latn" -> "ru-Latn", "uk-ua" -> "uk-UA"),
    the primary subtag's known aliases resolved ("ua" -> "uk"); None for an empty one. A value
    that is not a tag at all keeps only its primary subtag, as :func:`normalise_lang` reads it."""
    if not value or not value.strip():
        return None
    parts = re.split(r"[-_]", value.strip())
    primary = normalise_lang(value)
    if primary is None or not all(_SUBTAG.match(p) for p in parts) or not parts[0].isalpha():
        return primary
    out = [primary]
    for i, part in enumerate(parts[1:], start=1):
        if len(parts[i - 1]) == 1:  # after a singleton ("x-", "u-") everything is private
            out.extend(p.lower() for p in parts[i:])
            break
        if len(part) == 4 and part.isalpha():
            out.append(part.title())  # script
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())  # region
        else:
            out.append(part.lower())
    return "-".join(out)


def script_of(tag: str | None) -> str | None:
    """The script subtag a tag states ("ru-Latn" -> "Latn"), else None."""
    for part in re.split(r"[-_]", tag or "")[1:]:
        if len(part) == 4 and part.isalpha():
            return part.title()
        if len(part) == 1:
            break
    return None


def normalise_lang(value: str | None) -> str | None:
    """The primary language subtag of a tag, lower case ("EN" -> "en", "uk-UA" -> "uk"): what
    codes and names are looked up by; None for an empty one. Unknown codes are kept as given,
    lower-cased."""
    if not value or not value.strip():
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if not primary:
        return None
    return _ALIASES.get(primary, primary)


def iso639_3(value: str | None) -> str | None:
    """The ISO 639-3 code (what oai_dc ``dc:language`` wants) for a tag, or None if unknown."""
    lang = normalise_lang(value)
    if lang is None:
        return None
    if len(lang) == 2:
        return _ISO639_3.get(lang)
    if len(lang) == 3 and lang.isascii() and lang.isalpha():
        return _ISO639_T_FROM_B.get(lang, lang)
    return None


def iso639_2b(value: str | None) -> str | None:
    """The MARC 21 (ISO 639-2/B) code for a tag, or None if unknown."""
    code = iso639_3(value)
    return _ISO639_2B.get(code, code) if code else None


# Languages written in Cyrillic, and the Latin-script languages records most often state.
_CYRILLIC_LANGS = frozenset({"ru", "uk", "be", "bg", "mk", "kk", "ky", "tg", "mn", "sr"})
_LATIN_LANGS = frozenset(
    {"en", "pt", "es", "fr", "de", "it", "nl", "pl", "cs", "sk", "sl", "hr", "ro", "hu", "fi",
     "sv", "da", "no", "nb", "nn", "et", "lv", "lt", "tr", "id", "ms", "ca", "gl", "eu", "la"}
)


def script_agrees(text: str, lang: str | None) -> bool:
    """False when a text plainly is not in the script of the language it inherited, as when a
    Ukrainian article carries an English abstract without saying so."""
    if not lang:
        return True
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters)
    script = script_of(lang)
    if script == "Cyrl":
        return cyrillic >= 0.2
    if script == "Latn":
        return cyrillic <= 0.5
    lang = normalise_lang(lang)
    if lang in _CYRILLIC_LANGS:
        return cyrillic >= 0.2
    if lang in _LATIN_LANGS:
        return cyrillic <= 0.5
    return True


# English names of the languages journals commonly publish in, for MARC's 546 note (by ISO 639-3).
_ENGLISH_NAMES = {
    "ara": "Arabic", "aze": "Azerbaijani", "bel": "Belarusian", "bul": "Bulgarian",
    "cat": "Catalan", "ces": "Czech", "deu": "German", "ell": "Greek", "eng": "English",
    "est": "Estonian", "fas": "Persian", "fin": "Finnish", "fra": "French", "heb": "Hebrew",
    "hrv": "Croatian", "hun": "Hungarian", "hye": "Armenian", "ind": "Indonesian",
    "ita": "Italian", "jpn": "Japanese", "kat": "Georgian", "kaz": "Kazakh", "kor": "Korean",
    "lat": "Latin", "lav": "Latvian", "lit": "Lithuanian", "nld": "Dutch", "nor": "Norwegian",
    "pol": "Polish", "por": "Portuguese", "ron": "Romanian", "rus": "Russian", "slk": "Slovak",
    "slv": "Slovenian", "spa": "Spanish", "srp": "Serbian", "swe": "Swedish", "tur": "Turkish",
    "ukr": "Ukrainian", "uzb": "Uzbek", "zho": "Chinese",
}


def english_name(value: str | None) -> str | None:
    """The English name of a tag's language ("Russian"), else its ISO 639-3 code, else None."""
    code = iso639_3(value)
    return _ENGLISH_NAMES.get(code, code) if code else None
