vcl 4.1;

# Varnish in front of the newsroom app servers: keeps reader pages (which depend on their address alone)
# and lets the app purge them by surrogate key when a revision commits (briefs.purge.VarnishBackend).
# Needs varnish-modules for xkey (Debian: apt-get install varnish varnish-modules).

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may purge: the app servers.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.n-gone));
        }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The desk, and whoever is signed in (staff, who may see drafts), always reach the app.
    if (req.url ~ "^/admin/" || req.http.Cookie ~ "(^|;\s*)sessionid=" || req.http.Authorization) {
        return (pass);
    }
    # A reader page depends on its address alone (the interface language is part of it). The API has no
    # language, so Django's Accept-Language in its Vary must not split it either.
    unset req.http.Cookie;
    unset req.http.Accept-Language;
    return (hash);
}

sub vcl_backend_response {
    # Only what the app marked public: never a private or uncacheable answer, an error or a cookie.
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control !~ "public"
        || (beresp.status != 200 && beresp.status != 301 && beresp.status != 302)) {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    # Kept as long as Cache-Control says (BRIEFS_CACHE_SECONDS): a purge ends it sooner, and if a purge is
    # lost, s-maxage is the longest a page can be stale. No grace: after a purge, readers wait for the app.
    set beresp.grace = 0s;
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # Internal to this cache.
    unset resp.http.xkey;
}
