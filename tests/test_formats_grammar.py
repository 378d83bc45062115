"""The format grammar read both ways: exactly which formats write a known address.

``induce`` must return every format of the grammar (lookup.address.formats' docstring)
that writes the address for the name, and nothing else: a stray spelling becomes a
format the inference believes in.
"""

from __future__ import annotations

import pytest

from lookup.address.formats import Format, explains, induce, parse_format, render
from lookup.address.names import NameForm, parse_name

ADA = parse_name("Ada Lovelace").forms[0]


@pytest.mark.parametrize(("local", "formats"), [
    ("ada.lovelace", {"{first}.{last}"}),  # whole parts: no cut is implied
    ("alovelace", {"{f}{last}"}),
    ("al", {"{f}{l}"}),
    ("adalovel", {"{first}{last:5}", "{first}{last}~8"}),  # a part cut short: or a length cut
    ("adalo", {"{first}{last:2}", "{first}{last}~5"}),  # two letters still read as a cut
    ("ada.lov", {"{first}.{last:3}", "{first}.{last}~7"}),  # not a ".lov" suffix: it is a part
    ("lovelace.ad", {"{last}.{first:2}", "{last}.{first}~11"}),  # likewise "ad" of "ada"
    ("ada.lovelace.ext", {"{first}.{last}.ext"}),  # a literal suffix, never cut
    ("ext-ada.lovelace", {"ext-{first}.{last}"}),  # a literal prefix
    ("lab-ada.lovelace", {"lab-{first}.{last}"}),  # "l" starts "lovelace", "lab" does not
    ("lovelace_1", {"{last}_{#}"}),  # a collision number, never cut
    ("lovelace2", {"{last}{#}"}),
])
def test_induce_finds_exactly_the_formats_that_write_the_address(
    local: str, formats: set[str],
) -> None:
    """Each format listed writes the address; no other spelling is induced."""
    assert induce(ADA, local) == frozenset(formats)


@pytest.mark.parametrize("local", [
    "adaxlovelace",  # "x" is no separator
    "ada..lovelace",  # two separators in a row
    "_ada.lovelace",  # a separator before any part
    "ada.lovelace.x1",  # "x1" is neither a part, digits nor a suffix
    "lo-ada.lovelace",  # "lo" starts "lovelace": a part cut short, not a prefix
    "ada.",
])
def test_induce_finds_nothing_for_an_address_the_grammar_cannot_write(local: str) -> None:
    """No format of the grammar writes these for Ada Lovelace."""
    assert induce(ADA, local) == frozenset()


def test_a_prefix_is_refused_only_when_a_part_starts_with_it() -> None:
    """'lab-' is a prefix for Ada Lane ('lane' starts with 'la', not with 'lab')."""
    assert induce(parse_name("Ada Lane").forms[0], "lab-ada.lane") == {"lab-{first}.{last}"}


def test_parse_format_tokens_and_literals() -> None:
    """Parts are (role, letters) with 0 for whole, 1 for an initial; literals and digits are 0."""
    assert parse_format("ext-{first}.{last:2}{#}~8") == Format(
        "ext-{first}.{last:2}{#}~8",
        (("lit", 0), ("first", 0), ("lit", 0), ("last", 2), ("#", 0)),
        ("ext-", "."),
        8,
    )
    assert parse_format("{f}_{l}").tokens == (("first", 1), ("lit", 0), ("last", 1))


@pytest.mark.parametrize(("spelling", "induced", "local", "explained"), [
    ("{first}.{last}", {"{first}.{last}"}, "ada.lovelace", True),
    ("{first}.{last}~12", {"{first}.{last}"}, "ada.lovelace", True),  # the cut is not reached
    ("{first}.{last}~20", {"{first}.{last}"}, "ada.lovelace", True),
    ("{first}.{last}~8", {"{first}.{last}"}, "ada.lovelace", False),  # it would cut the address
    ("{first}{last}~8", {"{first}{last:5}", "{first}{last}~8"}, "adalovel", True),
    ("{f}{last}~12", {"{first}.{last}"}, "ada.lovelace", False),
    ("{f}{last}", {"{first}.{last}"}, "ada.lovelace", False),
])
def test_explains(spelling: str, induced: set[str], local: str, explained: bool) -> None:
    """A format explains an address it induced, or whose uncut body did within the cut."""
    assert explains(spelling, frozenset(induced), local) is explained


@pytest.mark.parametrize(("spelling", "local"), [
    ("{first}.{last}", "ada.lovelace"),
    ("{f}{last}~6", "alovel"),
    ("{first}.{middle}.{last}", "ada.lovelace"),  # no middle name: its separator goes too
    ("{last}{f}", "lovelacea"),
    ("ext-{first}{last:2}", "ext-adalo"),
    ("{first}.{last}.os", "ada.lovelace.os"),
])
def test_render_writes_each_format(spelling: str, local: str) -> None:
    """Rendering is the inverse of induction for each piece of the grammar."""
    assert render(spelling, ADA) == local


def test_render_needs_what_the_name_has() -> None:
    """Digits cannot be guessed; a one-word name cannot fill a format that needs both names."""
    assert render("{last}{#}", ADA) is None
    assert render("{first}.{last}", parse_name("Ada").forms[0]) is None
    assert render("{first}", parse_name("Ada").forms[0]) == "ada"


def test_a_single_initial_is_a_format_and_a_middle_name_alone_is_not() -> None:
    """"a" is {f} for Ada; "byron" (Ada Byron Lovelace's middle name) names nobody's format."""
    byron = NameForm("ada", ("byron",), "lovelace")
    assert induce(ADA, "a") == frozenset({"{f}"})
    assert induce(byron, "byron") == frozenset()
    assert induce(byron, "b") == frozenset()


def test_render_drops_a_separator_left_at_the_end() -> None:
    """No middle name: "{first}.{middle}" writes "ada", not "ada."."""
    assert render("{first}.{middle}", ADA) == "ada"
    assert render("{first}_{middle}_", ADA) == "ada"


def test_render_needs_a_given_name_for_a_format_that_uses_it() -> None:
    """A form without a given name cannot write {f}{last}."""
    assert render("{f}{last}", NameForm("", (), "quill")) is None
    assert render("{last}", NameForm("", (), "quill")) == "quill"
