"""Bad input on every address of a share: a clear page every time, nothing half-stored, never a 5xx."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from shared.db import utcnow
from tests.secureshare.conftest import EMAIL, RequesterBrowser, Shares, link

ADDRESSES = ("", "/documents", "/documents/all", "/documents/1", "/history", "/history.csv", "/remove")


def _ids(html: str) -> list[str]:
    return re.findall(r'/documents/(\d+)"', html)


def test_unknown_and_malformed_tokens_are_404_pages(shares: Shares, requester: RequesterBrowser) -> None:
    shares.send()
    for token in ("x" * 43, "short", "%E2%80%AE" + "a" * 40, "a" * 500):
        for tail in ADDRESSES:
            response = requester.get(link(token) + tail, status=404, title="Page not found")
            assert "There are no documents at this address" in response.text


def test_wrong_email_five_times_is_429_then_ten_in_a_row_locks(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send()
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        empty = requester.confirm(sent.token, "", status=422)
        assert "Enter your email address" in empty.text and 'href="#email"' in empty.text
        for _ in range(5):
            wrong = requester.confirm(sent.token, "someone@example.com", status=422)
            assert "There is a problem" in wrong.text and "govuk-error-message" in wrong.text
            assert "Enter the email address the documents were sent to" in wrong.text
        refused = requester.confirm(sent.token, EMAIL, status=429)
        assert 0 < int(refused.headers["retry-after"]) <= 900 and "Wait" in refused.text
        clock.shift(dt.timedelta(minutes=16))
        for _ in range(4):
            requester.confirm(sent.token, "someone@example.com", status=422)
        locked = requester.confirm(sent.token, "someone@example.com", status=423)
        assert "These documents have been locked" in locked.text and "unlock" in locked.text
        requester.confirm(sent.token, EMAIL, status=423)  # the right address no longer helps
        requester.get(link(sent.token), status=423, title="These documents have been locked")
    kinds = shares.kinds(sent.share.id)
    assert kinds.count("confirmation_failed") == 10 and kinds.count("locked") == 1
    assert "confirmation_refused" in kinds and "signed_in" not in kinds


def test_csrf_missing_or_wrong_is_refused_and_nothing_counted(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send()
    for token in (None, "wrong", "tökén"):
        data = {"email": EMAIL} | ({"csrf_token": token} if token is not None else {})
        response = requester.client.post(link(sent.token), data=data, follow_redirects=False)
        requester.check(response, status=400)
    requester.sign_in(sent.token)
    for tail in ("/sign-out", "/remove"):
        response = requester.client.post(link(sent.token) + tail, data={"csrf_token": "forged"}, follow_redirects=False)
        requester.check(response, status=400)
    assert shares.kinds(sent.share.id) == ["sent", "email_confirmed", "signed_in"]


def test_tampered_or_foreign_cookie_is_asked_to_confirm(shares: Shares, requester: RequesterBrowser) -> None:
    sent, other = shares.send(), shares.send()
    requester.sign_in(sent.token)
    good = requester.client.cookies.get("civic_share_session")
    assert good
    # Signed in to one share, the cookie opens nothing of another.
    response = requester.client.get(link(other.token) + "/documents", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == link(other.token)
    for forged in (good[:-5] + ("A" if good[-5] != "A" else "B") + good[-4:], "x" * 300, good.split(".")[0], "", "%C3%A9"):
        requester.client.cookies.clear()
        requester.client.cookies.set("civic_share_session", forged)
        for tail in ("/documents", "/history", "/documents/all"):
            refused = requester.client.get(link(sent.token) + tail, follow_redirects=False)
            assert refused.status_code == 303 and refused.headers["location"] == link(sent.token)


def test_another_shares_file_is_404_and_keeps_the_session(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send(("mine.txt", b"mine\n"))
    other = shares.send(("theirs.txt", b"theirs\n"))
    requester.sign_in(other.token)
    theirs = _ids(requester.get(link(other.token) + "/documents").text)
    requester.client.cookies.clear()
    requester.sign_in(sent.token)
    missing = requester.get(link(sent.token) + f"/documents/{theirs[0]}", status=404)
    assert "There is no such document here" in missing.text
    for bad in ("0", "99999999999999999999999", "-1", "1e3", "%32"):
        assert requester.client.get(link(sent.token) + f"/documents/{bad}").status_code == 404
    requester.get(link(sent.token) + "/documents")  # still signed in


@pytest.mark.parametrize("how", ["expired", "revoked", "removed"])
def test_an_ended_share_is_410_on_every_address(shares: Shares, requester: RequesterBrowser, how: str) -> None:
    sent = shares.send()
    requester.sign_in(sent.token)
    file_id = _ids(requester.get(link(sent.token) + "/documents").text)[0]
    now = utcnow()
    column = {"expired": "expires_at", "revoked": "revoked_at", "removed": "removed_at"}[how]
    shares.change(sent.share.id, **{column: now - dt.timedelta(seconds=1)})
    why = {"expired": "removed because the time to download them ended", "revoked": "withdrawn",
           "removed": "removed at your request"}[how]
    for tail in (*ADDRESSES[:3], f"/documents/{file_id}", *ADDRESSES[4:]):
        gone = requester.get(link(sent.token) + tail, status=410, title="No longer available")
        assert why in gone.text and shares.reference in gone.text and "Testshire Council" in gone.text
    for tail in ("", "/sign-out", "/remove"):
        response = requester.post(link(sent.token) + tail, {"email": EMAIL}, csrf_from="/secure-share/s/x")
        assert response.status_code in (400, 410) if tail else response.status_code == 410


def test_head_prefetch_and_scanners_record_nothing(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send()
    address = link(sent.token)
    assert requester.client.head(address).status_code == 200
    for headers in ({"Sec-Purpose": "prefetch"}, {"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"},
                    {"X-Purpose": "preview"}, {"Sec-Fetch-Dest": "image"}, {"User-Agent": ""},
                    {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"}, {"User-Agent": "curl/8.5.0"},
                    {"User-Agent": "python-requests/2.32"}, {"User-Agent": "Microsoft Office Existence Discovery"},
                    {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120 Safe Links"}):
        requester.get(address, headers=headers)
    assert shares.kinds(sent.share.id) == ["sent"]
    requester.get(address, headers={"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"})
    assert shares.kinds(sent.share.id) == ["sent", "link_opened"]


def test_download_ranges_never_fail(shares: Shares, requester: RequesterBrowser) -> None:
    body = b"".join(b"line %05d of the data\n" % i for i in range(500))
    sent = shares.send(("data.txt", body))
    requester.sign_in(sent.token)
    address = link(sent.token) + "/documents/" + _ids(requester.get(link(sent.token) + "/documents").text)[0]
    size = len(body)
    cases = {
        "bytes=0-99": (206, body[:100]), "bytes=100-": (206, body[100:]), "bytes=-10": (206, body[-10:]),
        "bytes=50-10": (200, body), "bytes=0-1,5-9": (200, body), "bytes=abc": (200, body), "items=0-5": (200, body),
        "bytes=" + "9" * 300: (200, body), f"bytes={size}-": (416, b""), "bytes=-0": (416, b""),
        f"bytes={size - 5}-{size + 100}": (206, body[-5:]),
    }
    for header, (status, expected) in cases.items():
        response = requester.client.get(address, headers={"Range": header})
        assert response.status_code == status, header
        assert response.content == expected, header
        if status == 416:
            assert response.headers["content-range"] == f"bytes */{size}"
        if status == 206:
            assert response.headers["content-range"].endswith(f"/{size}")
    head = requester.client.head(address)
    assert head.status_code == 200 and head.headers["content-length"] == str(size) and head.content == b""
    assert head.headers["accept-ranges"] == "bytes" and head.headers["etag"].startswith('"')
    kinds = shares.kinds(sent.share.id)
    assert kinds.count("downloaded") == 5 + 3  # every whole file, and the ranges that reach the end
    assert kinds.count("download_stopped") == 1  # bytes=0-99 stopped short of the end
