"""The whole requester journey through the app, on shares the core really sent."""

from __future__ import annotations

import hashlib

from tests.secureshare.conftest import RequesterBrowser, Shares, link


def test_confirm_download_history_sign_out_and_remove(shares: Shares, requester: RequesterBrowser) -> None:
    sent = shares.send(("letter.pdf", b"%PDF-1.4 letter"), ("notes.txt", b"Some notes.\n"))
    page = requester.get(link(sent.token), title="Confirm your email address")
    assert "Confirm your email address" in page.text and shares.reference in page.text
    assert requester.client.cookies.get("civic_share_session") is None

    requester.sign_in(sent.token)
    cookie = requester.client.cookies.get("civic_share_session")
    assert cookie
    documents = requester.get(link(sent.token) + "/documents", title="Your documents")
    assert "You have 30 days left to download your documents." in documents.text
    assert "The documents will be removed from this page on " in documents.text
    assert "Any documents you’ve downloaded will stay on your device." in documents.text
    assert "letter.pdf" in documents.text and "notes.txt" in documents.text and "Text file" in documents.text
    assert "Sign out" in documents.text and "Remove these documents" in documents.text
    assert "Access and download history" in documents.text and "Download all" in documents.text
    set_cookie = documents.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/secure-share/" in set_cookie
    assert "secure" not in set_cookie.replace("secure-share", "")  # BASE_URL is http here

    files = shares.stored_files(sent.share.id)
    notes = requester.get(link(sent.token) + f"/documents/{_file_ids(documents.text)[1]}")
    assert notes.content == b"Some notes.\n"
    assert hashlib.sha256(notes.content).hexdigest() == files[1].sha256
    assert notes.headers["content-disposition"] == "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    assert notes.headers["cache-control"] == "no-store, private"
    assert notes.headers["x-robots-tag"].startswith("noindex")
    assert notes.headers["referrer-policy"] == "no-referrer"
    assert "sandbox" in notes.headers["content-security-policy"]
    assert notes.headers["x-content-type-options"] == "nosniff"

    history = requester.get(link(sent.token) + "/history", title="Access and download history")
    assert "Downloaded notes.txt" in history.text and "Firefox on Windows" in history.text
    csv = requester.get(link(sent.token) + "/history.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "Downloaded notes.txt" in csv.text

    out = requester.post(link(sent.token) + "/sign-out", csrf_from=link(sent.token) + "/documents")
    assert out.status_code == 303 and out.headers["location"] == link(sent.token) + "?signed-out=1"
    assert requester.client.cookies.get("civic_share_session") is None
    requester.client.cookies.set("civic_share_session", cookie, path="/secure-share/")
    again = requester.client.get(link(sent.token) + "/documents", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == link(sent.token)  # the old cookie is refused
    requester.client.cookies.clear()
    signed_out = requester.get(link(sent.token) + "?signed-out=1")
    assert "You have signed out" in signed_out.text

    requester.sign_in(sent.token)
    confirm = requester.get(link(sent.token) + "/remove", title="Are you sure you want to remove these documents?")
    assert "You cannot undo this" in confirm.text
    removed = requester.post(link(sent.token) + "/remove", csrf_from=link(sent.token) + "/remove")
    assert removed.status_code == 303 and removed.headers["location"] == "/secure-share/removed"
    assert requester.client.cookies.get("civic_share_session") is None
    done = requester.get("/secure-share/removed", title="Documents removed")
    assert shares.reference in done.text
    gone = requester.get(link(sent.token), status=410, title="No longer available")
    assert "Testshire Council" in gone.text and shares.reference in gone.text and "removed at your request" in gone.text

    assert shares.kinds(sent.share.id) == [
        "sent", "link_opened", "email_confirmed", "signed_in", "downloaded", "signed_out", "signed_in", "removed"]


def _file_ids(html: str) -> list[str]:
    import re

    return re.findall(r'/documents/(\d+)"', html)


def test_download_all_is_one_zip_named_after_the_case(shares: Shares, requester: RequesterBrowser) -> None:
    import io
    import zipfile

    sent = shares.send(("letter.pdf", b"%PDF-1.4 letter"), ("notes.txt", b"Some notes.\n"), ("notes.txt", b"More.\n"))
    requester.sign_in(sent.token)
    assert requester.client.head(link(sent.token) + "/documents/all").status_code == 200
    assert shares.kinds(sent.share.id)[-1] == "signed_in"  # a HEAD downloads nothing
    response = requester.get(link(sent.token) + "/documents/all")
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith(f'attachment; filename="{shares.reference}.zip"')
    assert response.headers["cache-control"] == "no-store, private" and "sandbox" in response.headers["content-security-policy"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["letter.pdf", "notes.txt", "notes (2).txt"]
    assert archive.read("notes (2).txt") == b"More.\n"
    assert shares.kinds(sent.share.id)[-1] == "downloaded"
    history = requester.get(link(sent.token) + "/history")
    assert "Downloaded all documents (ZIP)" in history.text


def test_names_with_folders_controls_and_right_to_left_marks_download_safely(shares: Shares,
                                                                             requester: RequesterBrowser) -> None:
    sent = shares.send(("r\u00e9ponse \u202etxt.exe\u202c.txt", b"tricky\n"))
    requester.sign_in(sent.token)
    page = requester.get(link(sent.token) + "/documents")
    response = requester.get(link(sent.token) + f"/documents/{_file_ids(page.text)[0]}")
    disposition = response.headers["content-disposition"]
    assert "\u202e" not in disposition and "%E2%80%AE" not in disposition
    assert disposition.startswith('attachment; filename="rponse txt.exe.txt"; filename*=UTF-8\'\'r%C3%A9ponse%20txt.exe.txt')
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
