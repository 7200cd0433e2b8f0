"""A coarse name for the device a request came from, for people to recognise: "Firefox on Windows".

Shown beside a download or sign-in ("Downloaded on 3 March from Safari on iPhone") so a requester
or a member of staff can tell whether it was them. Coarse on purpose: browser family and platform,
no versions or models, which change often and say more about a person than the page needs.
The parsing is ``ua-parser`` (the uap-core rules that browsers' own analytics use), not regexes of
our own. Input is cut to :data:`MAX_LENGTH` characters first: the header is whatever a client sends.
"""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

MAX_LENGTH = 512
UNKNOWN = "Unknown browser"

#: ua-parser's family names, folded to the name people know.
_BROWSERS = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Chromium": "Chromium",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Samsung Internet": "Samsung Internet",
    "IE": "Internet Explorer",
    "IE Mobile": "Internet Explorer",
}
_KNOWN_BROWSERS = frozenset({"Safari", "Chrome", "Chromium", "Firefox", "Edge", "Opera", "Samsung Internet",
                             "Internet Explorer", "Brave", "Vivaldi", "Yandex Browser", "DuckDuckGo Mobile",
                             "UC Browser", "Silk"})
_PLATFORMS = {
    "Windows": "Windows",
    "Mac OS X": "Mac",
    "Android": "Android",
    "Chrome OS": "ChromeOS",
    "Linux": "Linux",
    "Ubuntu": "Linux",
    "Fedora": "Linux",
    "Debian": "Linux",
}
_APPLE_DEVICES = ("iPhone", "iPad", "iPod")


def describe_device(user_agent: str | None) -> str:
    """``Firefox on Windows``, ``Safari on iPhone``, ``Chrome on Android``; ``Unknown browser`` when
    the header says nothing we recognise (a script, an empty header), ``Firefox`` alone when only
    the browser is known, ``Unknown browser on Windows`` when only the platform is."""
    if not user_agent:
        return UNKNOWN
    return _describe(user_agent[:MAX_LENGTH])


@lru_cache(maxsize=1024)
def _describe(user_agent: str) -> str:
    result = parse(user_agent)
    family = result.user_agent.family if result.user_agent else ""
    browser = _BROWSERS.get(family, family)
    if browser not in _KNOWN_BROWSERS:
        browser = ""
    platform = _platform(result.os.family if result.os else "", result.device.family if result.device else "")
    if browser and platform:
        return f"{browser} on {platform}"
    if platform:
        return f"{UNKNOWN} on {platform}"
    return browser or UNKNOWN


def _platform(os_family: str, device_family: str) -> str:
    if os_family == "iOS" or device_family in _APPLE_DEVICES:
        return next((d for d in _APPLE_DEVICES if device_family.startswith(d)), "iPhone")
    return _PLATFORMS.get(os_family, "")
