from django import template

from openlab.notifications import services
from openlab.notifications.models import FollowTarget

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_state(context, target, obj):
    """Whether the signed-in person follows `obj` (a page, a Town, a Goal or an sdgs.Goal)."""
    user = context["request"].user
    if target not in FollowTarget.values or obj is None:
        return False
    return services.is_following(user, target, _Ref(obj))


@register.simple_tag
def follow_id(obj):
    return _Ref(obj).pk


@register.simple_tag(takes_context=True)
def feed_badge(context):
    return services.badge_count(context["request"].user)


class _Ref:
    def __init__(self, obj):
        self.pk = getattr(obj, "pk", None) or getattr(obj, "number", None)
