"""The hop-by-hop headers (RFC 9110 7.6.1, and the old proxy ones) that a
proxy in the test tools does not pass on, shared by fault_proxy.py and
hostile_registry.py."""

HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
