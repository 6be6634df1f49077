"""Content Security Policy header: a fixed policy from settings, added to every response."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Adds ``settings.CONTENT_SECURITY_POLICY`` (and the report-only variant) unless a view set its own.

    The default policy allows scripts from this site only, so inline scripts do not run; JSON-LD
    ``application/ld+json`` blocks are data, not scripts, and need no exception.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for setting, header in (
            ("CONTENT_SECURITY_POLICY", "Content-Security-Policy"),
            ("CONTENT_SECURITY_POLICY_REPORT_ONLY", "Content-Security-Policy-Report-Only"),
        ):
            policy = getattr(settings, setting, "")
            if policy and header not in response:
                response[header] = policy
        return response
