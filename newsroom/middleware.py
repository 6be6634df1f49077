"""Security headers whose values are fixed policies from settings, added to every response."""

from django.conf import settings


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy (and its report-only variant) and the Permissions-Policy from
    settings, each unless it is empty or a view set its own.

    The default content policy allows scripts from this site only, so inline scripts do not run; JSON-LD
    ``application/ld+json`` blocks are data, not scripts, and need no exception.
    """

    HEADERS = (
        ("CONTENT_SECURITY_POLICY", "Content-Security-Policy"),
        ("CONTENT_SECURITY_POLICY_REPORT_ONLY", "Content-Security-Policy-Report-Only"),
        ("PERMISSIONS_POLICY", "Permissions-Policy"),
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for setting, header in self.HEADERS:
            policy = getattr(settings, setting, "")
            if policy and header not in response:
                response[header] = policy
        return response
