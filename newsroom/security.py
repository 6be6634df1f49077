"""Login limits and the client address they are counted against, through django-axes' public hooks.

Axes counts wrong passwords per (username, address) pair and has one limit. Two more rules:

- Many wrong passwords from one address, whatever the usernames, lock that address out: one client cannot
  try a few passwords on every account.
- A username's own lockout does not apply at an address from which that username has signed in before.
  Whoever shares that address (an office, a proxy that is not configured) could otherwise lock an editor out
  with a few wrong passwords; the address limit still caps how many guesses can be made from there.

Both are one ``AXES_FAILURE_LIMIT`` callable: axes compares the pair's failures with the number it returns.
"""

import ipaddress
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def failure_limit(request, credentials=None) -> int:
    """``AXES_FAILURE_LIMIT``: how many wrong passwords for this username from this address lock them out."""
    address = request.axes_ip_address  # axes sets it, through client_ip_address, before asking
    if failures_from(address, request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        # Zero: every pair at this address is over its limit, so nothing from here passes, not even
        # the right password, until the cool-off ends.
        return 0
    if has_signed_in_from(get_client_username(request, credentials), address):
        # Pair failures never exceed the address's, so only the address limit applies here.
        return settings.LOGIN_ADDRESS_FAILURE_LIMIT
    return settings.LOGIN_FAILURE_LIMIT


def failures_from(address, request) -> int:
    """Wrong passwords from this address within the cool-off, summed over every username."""
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def has_signed_in_from(username, address) -> bool:
    """Whether axes logged this username signing in from this address in ``LOGIN_KNOWN_ADDRESS_DAYS``.

    Addresses change hands (dynamic IPs, hotel networks), so an old success does not vouch for one forever.
    """
    if not username or not address:
        return False
    since = timezone.now() - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(username=username, ip_address=address, attempt_time__gte=since).exists()


def client_ip_address(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the address the outermost of ``TRUSTED_PROXY_COUNT`` proxies saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N proxies in
    front the client is the N-th entry from the right; anything to its left was written by the client and
    proves nothing. With no proxies configured the header is ignored: anyone can send it.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    # Fewer hops than proxies: the request came in past an outer proxy (a health check from inside, say);
    # the left-most hop is the furthest one recorded.
    candidate = hops[max(len(hops) - proxies, 0)]
    try:
        # Normalised, so that one IPv6 address written two ways is counted once; axes stores it in an
        # IP address column, which would reject anything else.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
