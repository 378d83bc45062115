"""Reading SMTP replies: real-world reply lines and the category each must get."""

from __future__ import annotations

import pytest

from lookup.mail.rules import address_flags, classify_reply, identify_provider, parse_reply

# (reply as the server sends it, expected category). Texts follow what the
# providers publish or what is widely reported; addresses are fictional.
REAL_REPLIES = [
    # Gmail / Google Workspace
    (["550-5.1.1 The email account that you tried to reach does not exist. Please try",
      "550-5.1.1 double-checking the recipient's email address for typos or",
      "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser"], "no_such_user"),
    (["550-5.2.1 The email account that you tried to reach is disabled."], "disabled"),
    (["452-4.2.2 The email account that you tried to reach is over quota."], "mailbox_full"),
    (["450-4.2.1 The user you are trying to contact is receiving mail too quickly."], "temporary"),
    (["421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail"], "blocklisted"),
    (["550-5.7.26 This mail has been blocked because the sender is unauthenticated."], "policy"),
    (["250 2.1.5 OK x1si123 - gsmtp"], "accepted"),
    # Microsoft 365 / Outlook
    (["550 5.5.0 Requested action not taken: mailbox unavailable"], "no_such_user"),
    (["550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"], "no_such_user"),
    (["550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"], "no_such_user"),
    (["550 5.7.606 Access denied, banned sending IP [192.0.2.1]"], "blocklisted"),
    (["550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus."], "blocklisted"),
    (["451 4.7.500 Server busy. Please try again later from [192.0.2.1]"], "greylisted"),
    # Spamhaus and other block lists
    (["554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"], "blocklisted"),
    (["554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation"], "blocklisted"),
    (["550 5.7.1 Mail from 192.0.2.1 refused, listed at bl.spamcop.net"], "blocklisted"),
    # Mailbox full
    (["452 4.2.2 mailbox full"], "mailbox_full"),
    (["552 5.2.2 Mailbox full"], "mailbox_full"),
    (["552 Requested mail action aborted: exceeded storage allocation"], "mailbox_full"),
    # Greylisting
    (["451 4.7.1 Greylisting in action, please come back later"], "greylisted"),
    (["450 4.2.0 <jane@acme.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/acme.test.html"], "greylisted"),
    (["451 4.7.1 Please try again later"], "greylisted"),
    (["451 4.7.1"], "greylisted"),
    # Proofpoint
    (["550 5.1.1 User Unknown"], "no_such_user"),
    (["550 Invalid recipient <jane@acme.test> (#5.1.1)"], "no_such_user"),
    (["554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1"], "blocklisted"),
    # Mimecast
    (["550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550"], "no_such_user"),
    (["550 Administrative prohibition - envelope blocked - https://community.mimecast.com"], "policy"),
    (["451 Internal resources are temporarily unavailable - https://community.mimecast.com"], "temporary"),
    # Yahoo
    (["554 delivery error: dd This user doesn't have a yahoo.com account (jane@yahoo.com) [0] - mta1.mail.bf1.yahoo.com"], "no_such_user"),
    (["552 1 Requested mail action aborted, mailbox not found"], "no_such_user"),
    (["421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints"], "policy"),
    # Postfix / Exim / others
    (["550 5.1.1 <jane@acme.test>: Recipient address rejected: User unknown in virtual mailbox table"], "no_such_user"),
    (["550 Unrouteable address"], "no_such_user"),
    (["553 5.3.0 <jane@acme.test>... No such user here"], "no_such_user"),
    (["554 5.7.1 <jane@acme.test>: Relay access denied"], "policy"),
    (["550 5.1.1 <jane@icloud.test>: user does not exist"], "no_such_user"),
    (["550 Mailbox does not exist"], "no_such_user"),
    (["550 Requested action not taken"], "rejected"),
    (["421 4.3.2 Service not available, closing transmission channel"], "temporary"),
    (["452 4.5.3 Too many recipients"], "too_many"),
    (["452 4.5.3 Error: too many recipients"], "too_many"),
    (["452 too many recipients"], "too_many"),
    (["450 4.7.1 Error: too many recipients from [192.0.2.1]"], "too_many"),
    (["452-4.5.3 Your message has too many recipients. For more information regarding"], "too_many"),
    # Our HELO name or reverse DNS refused (Postfix smtpd_helo_restrictions, Exim, Gmail)
    (["504 5.5.2 <laptop>: Helo command rejected: need fully-qualified hostname"], "helo_refused"),
    (["450 4.7.1 <verify.example.invalid>: Helo command rejected: Host not found"], "helo_refused"),
    (["501 5.5.2 <bad_name>: Helo command rejected: Invalid name"], "helo_refused"),
    (["550 Access denied - Invalid HELO name (See RFC2821 4.1.3)"], "helo_refused"),
    (["501 Syntactically invalid EHLO argument(s)"], "helo_refused"),
    (['501-5.5.4 HELO/EHLO argument "laptop" invalid, closing connection.'], "helo_refused"),
    (["450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]"], "helo_refused"),
    (["550 5.7.25 [192.0.2.1] The IP address sending this message does not have a PTR record setup"], "helo_refused"),
    # Our sender refused (Postfix, Exim sender verification, sendmail, Gmail)
    (["450 4.1.8 <verify@example.invalid>: Sender address rejected: Domain not found"], "sender_refused"),
    (["554 5.7.1 <>: Sender address rejected: Access denied"], "sender_refused"),
    (["504 5.5.2 <verify@laptop>: Sender address rejected: need fully-qualified address"], "sender_refused"),
    (["550-Verification failed for <verify@example.invalid>", "550-Unrouteable address",
      "550 Sender verify failed"], "sender_refused"),
    (["451 Could not complete sender verify"], "sender_refused"),
    (["553 5.1.8 <verify@example.invalid>... Domain of sender address verify@example.invalid does not exist"], "sender_refused"),
    (["553-5.1.7 The sender address <verify@x> is not a valid RFC-5321 address."], "sender_refused"),
    (["550 permanent failure for one or more recipients (jane@acme.test:blocked)"], "rejected"),
    (["530 5.7.0 Must issue a STARTTLS command first"], "policy"),
    (["what is this"], "unknown"),
]


@pytest.mark.parametrize(("lines", "expected"), REAL_REPLIES, ids=lambda v: v[0][:40] if isinstance(v, list) else v)
def test_real_reply_classification(lines, expected):
    """Each published reply line gets the category a careful reader would give it."""
    assert classify_reply(parse_reply(lines)) == expected


def test_parse_multiline_reply():
    """A multi-line reply keeps the first code, its enhanced code and all the text."""
    reply = parse_reply(["550-5.1.1 The email account", "550 5.1.1 does not exist."])
    assert reply.code == 550
    assert reply.enhanced == "5.1.1"
    assert "does not exist" in reply.text


def test_parse_reply_without_enhanced_code():
    """A reply without an RFC 3463 code has enhanced None."""
    assert parse_reply(["550 Unrouteable address"]).enhanced is None


def test_parse_enhanced_code_in_trailer():
    """An enhanced code written as (#5.1.1) at the end is still found."""
    assert parse_reply(["550 Invalid recipient (#5.1.1)"]).enhanced == "5.1.1"


PROVIDERS = [
    (["aspmx.l.google.com", "alt1.aspmx.l.google.com"], "Google Workspace"),
    (["acme-test.mail.protection.outlook.com."], "Microsoft 365"),
    (["mx0a-001.pphosted.com"], "Proofpoint"),
    (["eu-smtp-inbound-1.mimecast.com"], "Mimecast"),
    (["mx.zoho.eu"], "Zoho Mail"),
    (["in1-smtp.messagingengine.com"], "Fastmail"),
    (["mta5.am0.yahoodns.net"], "Yahoo"),
    (["mx01.mail.icloud.com"], "iCloud"),
    (["d123.mx.ess.barracudanetworks.com"], "Barracuda"),
    (["inbound-smtp.us-east-1.amazonaws.com"], "Amazon SES"),
    (["mx.yandex.net"], "Yandex"),
    (["mx1.mail.ovh.net"], "OVH"),
    (["smtp.secureserver.net"], "GoDaddy"),
    (["mx1.acmerobotics.test", "mx2.acmerobotics.test"], "self-hosted"),
]


@pytest.mark.parametrize(("hosts", "name"), PROVIDERS)
def test_provider_from_mx_hosts(hosts, name):
    """The provider is recognised from its MX host names."""
    provider = identify_provider(hosts, "acmerobotics.test")
    assert provider is not None and provider.name == name


def test_unrecognised_provider_is_none():
    """MX hosts outside the table and outside the domain give no provider."""
    assert identify_provider(["mail.hosting-co.test"], "acmerobotics.test") is None


def test_provider_trust_levels():
    """Yahoo accepts anything at RCPT; Microsoft 365 may; Google checks."""
    assert identify_provider(["mta5.am0.yahoodns.net"], "x.test").rcpt == "accepts_any"
    assert identify_provider(["x.mail.protection.outlook.com"], "x.test").rcpt == "may_accept"
    assert identify_provider(["aspmx.l.google.com"], "x.test").rcpt == "checks"


@pytest.mark.parametrize(
    ("local", "domain", "flags"),
    [
        ("info", "acmerobotics.test", ("role",)),
        ("Press+2026", "acmerobotics.test", ("role",)),
        ("jane.doe", "acmerobotics.test", ()),
        ("jane.doe", "mailinator.com", ("disposable",)),
        ("jane.doe", "gmail.com", ("free",)),
        ("support", "yopmail.com", ("role", "disposable")),
    ],
)
def test_address_flags(local, domain, flags):
    """Role local parts, disposable and free-mail domains are flagged from the tables."""
    assert address_flags(local, domain) == flags
