"""Embeds from an allowlist of providers: which addresses are theirs, and their players' addresses.

A story stores only the address a writer pasted and the provider it belongs to. Readers see a
placeholder and load the player only if they ask (static/js/embeds.js), so no third party sees a
reader who did not. The player's address is worked out here from the pasted one, never fetched:
saving a story makes no request to anyone.

This module imports nothing from Django, so settings can read FRAME_ORIGINS for the CSP.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

MAX_URL_CHARS = 500
REFUSED_IN_URL = "\"'<>\\"  # besides whitespace: no address of a provider holds them


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    what: str  # "video", "post"...: a placeholder says "YouTube video"
    patterns: tuple[re.Pattern, ...]
    player: str  # the player's address, filled from the pattern's named groups (and `url`)
    shape: str  # "video" (16:9), "post" (tall), "audio" (a strip), "chart"

    @property
    def origin(self) -> str:
        return "/".join(self.player.split("/", 3)[:3])


def _patterns(*regexes: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rf"https://{regex}/?(?:[?#].*)?", re.IGNORECASE) for regex in regexes)


PROVIDERS = [
    Provider(
        "youtube", "YouTube", "video",
        _patterns(
            r"(?:www\.|m\.)?youtube\.com/watch\?(?:[^#]*&)?v=(?P<id>[\w-]{11})[^#]*",
            r"youtu\.be/(?P<id>[\w-]{11})",
            r"(?:www\.)?youtube\.com/(?:shorts|embed|live)/(?P<id>[\w-]{11})",
        ),
        "https://www.youtube-nocookie.com/embed/{id}", "video",
    ),
    Provider(
        "vimeo", "Vimeo", "video",
        _patterns(r"(?:www\.)?vimeo\.com/(?P<id>\d{1,12})"),
        "https://player.vimeo.com/video/{id}?dnt=1", "video",
    ),
    Provider(
        "x", "X", "post",
        _patterns(r"(?:www\.|mobile\.)?(?:twitter|x)\.com/\w{1,15}/status/(?P<id>\d{1,20})"),
        "https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true", "post",
    ),
    Provider(
        "instagram", "Instagram", "post",
        _patterns(r"(?:www\.)?instagram\.com/(?P<kind>p|reel|tv)/(?P<id>[\w-]{5,40})"),
        "https://www.instagram.com/{kind}/{id}/embed/", "post",
    ),
    Provider(
        "tiktok", "TikTok", "video",
        _patterns(r"(?:www\.)?tiktok\.com/@[\w.-]{1,40}/video/(?P<id>\d{1,25})"),
        "https://www.tiktok.com/embed/v2/{id}", "post",
    ),
    Provider(
        "bluesky", "Bluesky", "post",
        _patterns(r"bsky\.app/profile/(?P<who>[\w.:-]{3,100})/post/(?P<id>\w{5,20})"),
        "https://embed.bsky.app/embed/{who}/app.bsky.feed.post/{id}", "post",
    ),
    Provider(
        "spotify", "Spotify", "audio",
        _patterns(
            r"open\.spotify\.com/(?:intl-[\w-]{2,10}/)?"
            r"(?P<kind>track|album|playlist|episode|show|artist)/(?P<id>\w{10,40})"
        ),
        "https://open.spotify.com/embed/{kind}/{id}", "audio",
    ),
    Provider(
        "soundcloud", "SoundCloud", "audio",
        _patterns(r"(?:www\.|m\.)?soundcloud\.com/[\w-]{1,100}/[\w-]{1,200}"),
        "https://w.soundcloud.com/player/?url={url}", "audio",
    ),
    Provider(
        "datawrapper", "Datawrapper", "chart",
        _patterns(
            r"datawrapper\.dwcdn\.net/(?P<id>\w{5})(?:/\d{1,4})?",
            r"app\.datawrapper\.de/chart/(?P<id>\w{5})(?:/\w+)?",
        ),
        "https://datawrapper.dwcdn.net/{id}/", "chart",
    ),
    Provider(
        "flourish", "Flourish", "chart",
        _patterns(r"(?:public\.flourish\.studio|flo\.uri\.sh)/visualisation/(?P<id>\d{1,12})"),
        "https://flo.uri.sh/visualisation/{id}/embed", "chart",
    ),
]  # fmt: skip
FRAME_ORIGINS = sorted({provider.origin for provider in PROVIDERS})


@dataclass(frozen=True)
class Embed:
    provider: Provider
    url: str  # as pasted
    player: str

    @property
    def title(self) -> str:
        return f"{self.provider.name} {self.provider.what}"


def find(url: str) -> Embed | None:
    """The embed this address makes, or None: not an allowed provider's (it stays a link)."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS or any(c.isspace() or c in REFUSED_IN_URL for c in url):
        return None
    if url.lower().startswith("http://"):
        url = "https://" + url[7:]
    for provider in PROVIDERS:
        for pattern in provider.patterns:
            if match := pattern.fullmatch(url):
                fields = {**match.groupdict(), "url": quote(url.split("#")[0], safe="")}
                return Embed(provider, url, provider.player.format(**fields))
    return None
