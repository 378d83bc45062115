"""Address syntax: the batch-fast path agrees with email-validator's full check."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from lookup.mail.syntax import check_syntax


def reference(address: str, test_environment: bool):
    try:
        v = validate_email(address.strip(), check_deliverability=False, test_environment=test_environment)
    except EmailNotValidError:
        return None
    return f"{v.local_part}@{v.ascii_domain}"


def fast(address: str, test_environment: bool):
    parsed = check_syntax(address, test_environment=test_environment)
    return None if isinstance(parsed, str) else parsed.address


LOCALS = st.text(alphabet="abcXYZ.+-_'\"@ é1", min_size=0, max_size=70)
DOMAINS = st.sampled_from([
    "acme.test", "ACME.test", "bücher.test", "a..test", "-x.test", "mail.acme.test", "x" * 250 + ".test",
    "acme.com", "localhost", "[127.0.0.1]", "acme.test>", "",
])


@settings(max_examples=400)
@given(LOCALS, DOMAINS, st.booleans())
def test_fast_path_matches_email_validator(local, domain, world):
    """For any local part and domain, the fast check accepts exactly what email-validator accepts."""
    address = f"{local}@{domain}"
    assert fast(address, world) == reference(address, world)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("jane..doe@acme.test", "period"),
        ("jane.doe", "@-sign"),
        ("jane@", "after the @-sign"),
    ],
)
def test_errors_are_email_validators_sentences(address, message):
    """Invalid addresses keep email-validator's own explanation."""
    reason = check_syntax(address, test_environment=True)
    assert isinstance(reason, str) and message in reason


def test_special_use_domain_refused_outside_world_mode():
    """A .test domain is accepted only with test_environment (world mode)."""
    assert not isinstance(check_syntax("jane@acme.test", test_environment=True), str)
    assert isinstance(check_syntax("jane@acme.test", test_environment=False), str)


def test_normalisation():
    """The domain is lower-cased ASCII (IDNA) and surrounding spaces are dropped."""
    parsed = check_syntax("  Jane.Doe@Bücher.TEST ", test_environment=True)
    assert parsed.address == "Jane.Doe@xn--bcher-kva.test"
