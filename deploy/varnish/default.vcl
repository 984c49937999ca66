# Varnish 7 in front of newsroom (xkey from Debian's varnish-modules).
#
# It keeps what the app marks public (Cache-Control s-maxage), for as long as the app says, and
# forgets exactly the pages a change touched: the app sends `PURGE /` with the keys of what
# changed in a `Surrogate-Key` header to every URL in FRONT_CACHE_URLS, after the commit, with
# FRONT_CACHE_SECRET in a `Purge-Secret` header. varnishd reads the same secret from its own
# environment (with systemd: `Environment=FRONT_CACHE_SECRET=...` in an override of
# varnish.service); without it, every purge is refused.
# Signed-in staff, the admin and previews always go to the app.
vcl 4.1;

import std;
import xkey;

backend app {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

# The app servers: only they may purge. Add each app server's address.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is for the app servers."));
        }
        # The address alone is not enough: behind a TLS terminator on this host, every
        # visitor connects from 127.0.0.1.
        if (std.getenv("FRONT_CACHE_SECRET") == "" ||
            req.http.Purge-Secret != std.getenv("FRONT_CACHE_SECRET")) {
            return (synth(403, "Purging needs the purge secret."));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "Name the keys to purge in Surrogate-Key."));
        }
        set req.http.X-Purged = xkey.purge(req.http.Surrogate-Key);
        return (synth(200, "Purged " + req.http.X-Purged + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff pages, previews and anyone signed in are never shared.
    if (req.url ~ "^/(admin|preview)/" || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Readers' other cookies (analytics, the admin's CSRF token) change nothing on public pages.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Only what the app marked cacheable is kept: an answer without Cache-Control (a 404, an
    # error page) could be an unpublished story's address, which must answer at once when it
    # is published.
    if (!beresp.http.Cache-Control) {
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The app names what each page shows in Surrogate-Key; xkey indexes the `xkey` header.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # A page past its time is fetched again, not served stale: the app caps s-maxage at the
    # next scheduled story, which must appear on time.
    set beresp.grace = 0s;
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
