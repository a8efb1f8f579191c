"""Chat pages and the history API. Thin: the rules are in openlab/chat/services.py.

Every view needs a signed-in member; none of them is cached (per-user content).
"""

import secrets

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openlab.accounts.permissions import is_ambassador
from openlab.chat import services
from openlab.chat.models import Room
from openlab.chat.services import ChatError
from openlab.querystring import positive_int


def _member_room(request, room_id):
    """The room, or 404 for non-members (a room's existence is not revealed)."""
    if not services.can_join(request.user, room_id):
        raise Http404(_("ルームが見つかりません。"))
    return get_object_or_404(Room, pk=room_id)


@never_cache
@login_required
@require_GET
def room_list(request):
    rooms = [] if is_ambassador(request.user) else services.user_rooms(request.user)
    return render(
        request,
        "chat/room_list.html",
        {
            "memberships": rooms,
            "can_direct": services.is_partner_user(request.user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def room_detail(request, room_id):
    room = _member_room(request, room_id)
    error = None
    if request.method == "POST":
        # Without JavaScript the form posts here; the same rules as the WebSocket apply.
        try:
            message, created = services.send_message(
                request.user, room.pk, request.POST.get("body", ""), request.POST.get("key", "")
            )
        except ChatError as refused:
            error = refused.message
        else:
            if created:
                services.publish(room.pk, services.message_event(message))
            return redirect(room.get_absolute_url())
    history, has_more = services.messages_before(room.pk)
    if history:
        services.mark_read(request.user, room.pk, history[-1].pk)
    members = (
        room.memberships.filter(removed_at__isnull=True)
        .select_related("user__profile")
        .order_by("pk")[:200]
    )
    return render(
        request,
        "chat/room_detail.html",
        {
            "room": room,
            "history": history,
            "has_more": has_more,
            "members": [services.display_name(m.user) for m in members],
            # For the @mention picker (openlab/static/js/chat.js): everyone but oneself.
            "mention_members": [
                {"id": m.user_id, "name": services.display_name(m.user)}
                for m in members
                if m.user_id != request.user.pk
            ],
            "client_key": secrets.token_hex(16),
            "error": error,
            "max_length": services.MAX_MESSAGE_LENGTH,
            "heartbeat": settings.CHAT_HEARTBEAT_SECONDS,
        },
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_POST
def start_direct(request):
    username = request.POST.get("username", "").strip()
    other = get_user_model().objects.filter(username=username).first()
    if other is None:
        flash.error(request, _("ユーザー「%(name)s」が見つかりません。") % {"name": username})
        return redirect("chat:room_list")
    try:
        room = services.open_direct(request.user, other)
    except ChatError as refused:
        flash.error(request, refused.message)
        return redirect("chat:room_list")
    return redirect(room.get_absolute_url())


def _cursor(request, name):
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    cursor = positive_int(raw)
    if cursor is None:
        raise ChatError(
            "bad_cursor", _("%(name)s には正の整数を指定してください。") % {"name": name}
        )
    return cursor


@never_cache
@require_GET
def api_messages(request, room_id):
    """?before=<id>: the 50 messages older than id; ?after=<id>: the messages newer than id."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("ログインが必要です。")}, status=401)
    if not services.can_join(request.user, room_id):
        return JsonResponse({"error": _("ルームが見つかりません。")}, status=404)
    try:
        before, after = _cursor(request, "before"), _cursor(request, "after")
    except ChatError as refused:
        return JsonResponse({"error": refused.message}, status=400)
    if after is not None:
        page, more = services.messages_after(room_id, after)
    else:
        page, more = services.messages_before(room_id, before)
    return JsonResponse(
        {"messages": [services.serialize(m) for m in page], "has_more": more},
        json_dumps_params={"ensure_ascii": False},
    )
