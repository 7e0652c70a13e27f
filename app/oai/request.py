"""OAI-PMH request arguments: parsed and checked before anything touches the store.

The checks follow section 3.6 of the protocol (errors and exceptions) and the argument
tables of section 4. Whatever fails here is a ``badVerb`` or ``badArgument`` error, and
then the ``request`` element of the answer carries no attributes (section 3.2). Whatever
passes is safe to echo: every value is free of characters XML 1.0 forbids and matches
the type the OAI-PMH schema gives the attribute, so the echo can never make a response
invalid or malformed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

IDENTIFY = "Identify"
GET_RECORD = "GetRecord"
LIST_IDENTIFIERS = "ListIdentifiers"
LIST_METADATA_FORMATS = "ListMetadataFormats"
LIST_RECORDS = "ListRecords"
LIST_SETS = "ListSets"


@dataclass(frozen=True)
class VerbArguments:
    """Section 4: which arguments a verb takes; an exclusive argument admits no other."""

    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    exclusive: str | None = None

    @property
    def allowed(self) -> frozenset[str]:
        extra = {self.exclusive} if self.exclusive else set()
        return self.required | self.optional | extra


VERBS: dict[str, VerbArguments] = {
    IDENTIFY: VerbArguments(),
    GET_RECORD: VerbArguments(required=frozenset({"identifier", "metadataPrefix"})),
    LIST_IDENTIFIERS: VerbArguments(
        required=frozenset({"metadataPrefix"}),
        optional=frozenset({"from", "until", "set"}),
        exclusive="resumptionToken",
    ),
    LIST_METADATA_FORMATS: VerbArguments(optional=frozenset({"identifier"})),
    LIST_RECORDS: VerbArguments(
        required=frozenset({"metadataPrefix"}),
        optional=frozenset({"from", "until", "set"}),
        exclusive="resumptionToken",
    ),
    LIST_SETS: VerbArguments(exclusive="resumptionToken"),
}

# Patterns of metadataPrefixType and setSpecType in OAI-PMH.xsd.
PREFIX_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
SET_SPEC_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*")
# Section 3.3.1: the two legitimate UTCdatetime forms; ASCII digits only.
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})Z)?")
# Characters XML 1.0 does not allow in a document, plus lone surrogates, which UTF-8 cannot carry.
XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters that make a value unusable as an xs:anyURI or as an identifier of this repository.
URI_FORBIDDEN_RE = re.compile(r"[\s\x00-\x1f\x7f]")

DAY = "YYYY-MM-DD"
SECOND = "YYYY-MM-DDThh:mm:ssZ"


@dataclass(frozen=True)
class OAIError:
    """One ``error`` element: a code of section 3.6 and a message for people."""

    code: str
    message: str


class OAIException(Exception):
    """A request the provider answers with error elements instead of a verb element.

    ``echo`` says whether the request element may repeat the arguments: never for
    ``badVerb`` and ``badArgument`` (section 3.2), always for the other errors.
    """

    def __init__(self, errors: list[OAIError], *, echo: bool) -> None:
        super().__init__("; ".join(f"{e.code}: {e.message}" for e in errors))
        self.errors = errors
        self.echo = echo


def oai_error(code: str, message: str) -> OAIException:
    """An error found after the arguments were accepted: the request is echoed."""
    return OAIException([OAIError(code, message)], echo=True)


@dataclass(frozen=True)
class DateArgument:
    """A ``from`` or ``until`` value: the instant it stands for and the granularity it used."""

    raw: str
    value: datetime
    granularity: str


@dataclass(frozen=True)
class OAIRequest:
    """A request whose verb and arguments are legal; ``args`` is what the echo repeats."""

    verb: str
    args: dict[str, str] = field(default_factory=dict)
    from_: DateArgument | None = None
    until: DateArgument | None = None

    @property
    def resumption_token(self) -> str | None:
        return self.args.get("resumptionToken")

    @property
    def metadata_prefix(self) -> str | None:
        return self.args.get("metadataPrefix")

    @property
    def identifier(self) -> str | None:
        return self.args.get("identifier")

    @property
    def set_spec(self) -> str | None:
        return self.args.get("set")


def parse_request(pairs: Iterable[tuple[str, str]]) -> OAIRequest:
    """Check a request's arguments (from the query string or a form body) per section 3.6.

    Raises :class:`OAIException` with ``badVerb`` when the verb is missing, unknown or
    repeated, otherwise with every ``badArgument`` found, so a harvester sees all its
    mistakes at once.
    """
    pairs = list(pairs)
    verbs = [value for key, value in pairs if key == "verb"]
    if not verbs:
        raise OAIException([OAIError("badVerb", "The request has no verb argument.")], echo=False)
    if len(verbs) > 1:
        raise OAIException([OAIError("badVerb", "The verb argument is repeated.")], echo=False)
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIException([OAIError("badVerb", f"'{verb}' is not an OAI-PMH verb.")], echo=False)
    spec = VERBS[verb]
    errors: list[OAIError] = []
    args: dict[str, str] = {}
    for key, value in pairs:
        if key == "verb":
            continue
        if key not in spec.allowed:
            errors.append(OAIError("badArgument", f"'{key}' is not an argument of {verb}."))
        elif key in args:
            errors.append(OAIError("badArgument", f"The argument '{key}' is repeated."))
        else:
            args[key] = value
    if spec.exclusive and spec.exclusive in args:
        others = sorted(set(args) - {spec.exclusive})
        if others:
            errors.append(
                OAIError(
                    "badArgument",
                    f"{spec.exclusive} is an exclusive argument; it cannot be combined with "
                    + ", ".join(others)
                    + ".",
                )
            )
    else:
        for name in sorted(spec.required - set(args)):
            errors.append(OAIError("badArgument", f"{verb} requires the argument '{name}'."))
    errors.extend(_check_values(args))
    from_ = until = None
    if "from" in args:
        from_, error = _parse_date("from", args["from"], end_of_day=False)
        errors.extend(error)
    if "until" in args:
        until, error = _parse_date("until", args["until"], end_of_day=True)
        errors.extend(error)
    if from_ and until:
        if from_.granularity != until.granularity:
            errors.append(
                OAIError("badArgument", "The from and until arguments differ in granularity.")
            )
        elif from_.value > until.value:
            errors.append(OAIError("badArgument", "The from argument is later than until."))
    if errors:
        raise OAIException(errors, echo=False)
    return OAIRequest(verb=verb, args=args, from_=from_, until=until)


def _check_values(args: dict[str, str]) -> list[OAIError]:
    """Each value must be echoable: legal XML characters and the schema type of its attribute."""
    errors: list[OAIError] = []
    for key, value in args.items():
        if value == "":
            errors.append(OAIError("badArgument", f"The argument '{key}' is empty."))
        elif XML_FORBIDDEN_RE.search(value):
            errors.append(
                OAIError("badArgument", f"The argument '{key}' holds characters XML forbids.")
            )
        elif key == "metadataPrefix" and not PREFIX_RE.fullmatch(value):
            errors.append(OAIError("badArgument", "The metadataPrefix has illegal characters."))
        elif key == "set" and not SET_SPEC_RE.fullmatch(value):
            errors.append(OAIError("badArgument", "The set argument is not a legal setSpec."))
        elif key == "identifier" and URI_FORBIDDEN_RE.search(value):
            errors.append(OAIError("badArgument", "The identifier is not a legal URI."))
    return errors


def _parse_date(
    name: str, raw: str, *, end_of_day: bool
) -> tuple[DateArgument | None, list[OAIError]]:
    """Section 3.3.1: a day ``from`` starts at 00:00:00, a day ``until`` ends at 23:59:59."""
    if raw == "" or XML_FORBIDDEN_RE.search(raw):
        return None, []  # already reported by _check_values
    match = DATE_RE.fullmatch(raw)
    bad = [OAIError("badArgument", f"The {name} argument is not a UTC date in {DAY} or {SECOND}.")]
    if not match:
        return None, bad
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        value = datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
    except ValueError:
        return None, bad
    if len(parts) == 3:
        if end_of_day:
            value = value.replace(hour=23, minute=59, second=59)
        return DateArgument(raw, value, DAY), []
    return DateArgument(raw, value, SECOND), []
