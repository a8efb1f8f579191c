"""Follow buttons, interest settings, the personal feed, digest and unsubscribe links."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openlab.models import Goal, Town
from openlab.notifications import digests, services
from openlab.notifications.forms import InterestsForm
from openlab.notifications.models import DigestDelivery, Follow, FollowTarget


def refuse(request, title, message, status=400):
    return render(
        request,
        "notifications/refusal.html",
        {"title": title, "message": message},
        status=status,
    )


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return fallback
    return target


@never_cache
@login_required
@require_POST
def follow_toggle(request):
    target = request.POST.get("target", "")
    action = request.POST.get("action", "follow")
    if action not in ("follow", "unfollow"):
        return refuse(request, _("フォローできませんでした"), _("操作の指定が正しくありません。"))
    try:
        obj = services.resolve_target(target, request.POST.get("id"))
    except services.FollowError as error:
        return refuse(request, _("フォローできませんでした"), str(error))
    name = str(obj)
    if action == "follow":
        services.follow(request.user, target, obj)
        messages.success(request, _("「%(name)s」をフォローしました。") % {"name": name})
    else:
        services.unfollow(request.user, target, obj)
        messages.success(request, _("「%(name)s」のフォローを解除しました。") % {"name": name})
    return HttpResponseRedirect(_safe_next(request))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def interests(request):
    user = request.user
    settings_row = services.interest_settings(user)
    follows = services.followed(user)
    if request.method == "POST":
        form = InterestsForm(request.POST)
        if form.is_valid():
            _save_interests(user, form.cleaned_data, follows)
            messages.success(request, _("関心の設定を保存しました。"))
            return HttpResponseRedirect(request.path)
    else:
        form = InterestsForm(
            initial={
                "frequency": settings_row.frequency,
                "goals": sorted(follows.goals),
                "towns": sorted(follows.towns),
            }
        )
    page_follows = (
        Follow.objects.filter(
            user=user, target__in=[FollowTarget.STAKEHOLDER, FollowTarget.PROJECT]
        )
        .select_related("stakeholder", "project")
        .order_by("target", "pk")
    )
    return render(
        request,
        "notifications/interests.html",
        {"form": form, "settings_row": settings_row, "page_follows": page_follows},
    )


@transaction.atomic
def _save_interests(user, data, follows):
    services.set_frequency(user, data["frequency"])
    wanted_goals = set(data["goals"])
    wanted_towns = {town.pk for town in data["towns"]}
    for goal in Goal.objects.filter(number__in=wanted_goals - follows.goals):
        services.follow(user, FollowTarget.GOAL, goal)
    Follow.objects.filter(user=user, target=FollowTarget.GOAL).exclude(
        goal_id__in=wanted_goals
    ).delete()
    for town in Town.objects.filter(pk__in=wanted_towns - follows.towns):
        services.follow(user, FollowTarget.TOWN, town)
    Follow.objects.filter(user=user, target=FollowTarget.TOWN).exclude(
        town_id__in=wanted_towns
    ).delete()
    services.forget_badge(user)


FEED_PAGE_SIZE = 20
FEED_PAGES = 10  # the newest 200 items of the last 90 days


@never_cache
@login_required
@require_GET
def feed(request):
    user = request.user
    settings_row = services.interest_settings(user)
    seen_at = settings_row.feed_seen_at
    follows = services.followed(user)
    items = services.feed_items(user, limit=FEED_PAGE_SIZE * FEED_PAGES)
    page_obj = Paginator(items, FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    services.mark_feed_seen(user)
    return render(
        request,
        "notifications/feed.html",
        {
            "items": page_obj.object_list,
            "page_obj": page_obj,
            "seen_at": seen_at,
            "has_follows": bool(follows),
            "settings_row": settings_row,
        },
    )


@never_cache
@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        user_id = digests.read_unsubscribe_token(token)
    except signing.SignatureExpired:
        return refuse(
            request,
            _("配信停止のリンクの有効期限が切れています"),
            _("ログインして「関心の設定」から配信を停止してください。"),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return refuse(
            request,
            _("配信停止のリンクが正しくありません"),
            _("リンクが途中で切れているか、書き換えられています。"
              "メールのリンクをそのまま開くか、ログインして「関心の設定」から配信を停止してください。"),
        )  # fmt: skip
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return refuse(
            request, _("配信停止のリンクが正しくありません"), _("このアカウントはもうありません。")
        )
    if request.method == "POST":
        changed = services.unsubscribe(user)
        return render(request, "notifications/unsubscribe.html", {"done": True, "changed": changed})
    settings_row = services.interest_settings(user)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"done": False, "already": settings_row.frequency == "none", "token": token},
    )


@never_cache
@require_GET
def digest_view(request, token):
    try:
        delivery_id, user_id = digests.read_digest_token(token)
    except signing.SignatureExpired:
        return refuse(
            request,
            _("このまとめメールのリンクは有効期限が切れています"),
            _("最新のお知らせはログインしてフィードでご覧ください。"),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return refuse(
            request,
            _("まとめメールのリンクが正しくありません"),
            _("リンクが途中で切れているか、書き換えられています。"),
        )
    delivery = DigestDelivery.objects.filter(pk=delivery_id, user_id=user_id).first()
    if delivery is None:
        return refuse(
            request,
            _("まとめメールが見つかりません"),
            _("このまとめメールはもうありません。"),
            status=404,
        )
    items = [services.FeedItem.from_record(record) for record in delivery.items]
    return render(request, "notifications/digest.html", {"delivery": delivery, "items": items})
