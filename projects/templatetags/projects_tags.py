from django import template
from django.utils.html import escape

from openlab.furigana import ruby_html

register = template.Library()


@register.filter
def ruby(text):
    """Always with furigana (the page hides them with CSS until the toggle is on)."""
    return ruby_html(text)


@register.filter
def furigana(text, enabled):
    """Furigana only when `enabled` (the ?furigana=1 toggle); otherwise escaped text."""
    return ruby_html(text) if enabled else escape(text)
