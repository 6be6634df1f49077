from django import template
from django.urls import translate_url
from django.utils import timezone

from ..rendering import render_sections, render_toc

register = template.Library()


@register.simple_tag
def brief_sections(sections, summary_label, mentioned_label, hidden_label=""):
    return render_sections(
        sections, summary_label=summary_label, mentioned_label=mentioned_label, hidden_label=hidden_label
    )


@register.simple_tag
def brief_toc(sections, summary_label):
    return render_toc(sections, summary_label)


@register.filter
def datetime_attr(value):
    """A moment as HTML's ``datetime`` attribute wants it: local time, whole seconds, with the offset."""
    if not value:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds")


@register.simple_tag(takes_context=True)
def language_url(context, language: str) -> str:
    """This page in another interface language, with its query kept (``?q=`` on the search page)."""
    request = context.get("request")
    if request is None:
        return ""
    return translate_url(request.get_full_path(), language)
