from django import template

from openlab.chat.services import linkify

register = template.Library()


@register.filter
def chat_text(value):
    """A message body as escaped text, with http/https links clickable."""
    return linkify(str(value))
