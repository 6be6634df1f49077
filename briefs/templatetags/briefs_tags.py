from django import template

from ..rendering import render_sections, render_toc

register = template.Library()


@register.simple_tag
def brief_sections(sections, summary_label, mentioned_label):
    return render_sections(sections, summary_label=summary_label, mentioned_label=mentioned_label)


@register.simple_tag
def brief_toc(sections, summary_label):
    return render_toc(sections, summary_label)
