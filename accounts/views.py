"""Two-factor pages: set up a TOTP authenticator, and give a code after logging in."""

from __future__ import annotations

import base64

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from layers import audit
from layers.models import AuditEvent


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="Kod", regex=r"^\s*\d{6}\s*$", error_messages={"invalid": "Koden är sex siffror."}
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(f"/konto/tvafaktor/?next={_next_url(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        audit.record(
            AuditEvent.Action.LOGIN_FAILED, request=request, channel="page", object_type="totp"
        )
        form.add_error(
            "code", _("Fel kod, eller för många försök. Vänta en stund och försök igen.")
        )
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(f"/konto/verifiera/?next={_next_url(request)}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Trygg"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(
                AuditEvent.Action.PERMISSION_CHANGE,
                request=request,
                channel="page",
                object_type="totp",
                detail={"event": "authenticator confirmed"},
            )
            return redirect(_next_url(request))
        form.add_error(
            "code", _("Koden stämmer inte. Kontrollera klockan i telefonen och försök igen.")
        )
    svg = segno.make(device.config_url, micro=False).svg_inline(scale=5)
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        },
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Namn", max_length=100, error_messages={"required": "Ge nyckeln ett namn."}
    )


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own personal API keys: create one (shown once), see and revoke the others.

    Analysts and administrators reach this page only after their second factor
    (``RequireTwoFactorMiddleware``), so a key is never made from a password alone.
    """
    from accounts import api_tokens as keys

    user = request.user
    assert isinstance(user, User)
    form = ApiTokenForm(request.POST or None)
    new_key = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = keys.issue(user, name=form.cleaned_data["name"], request=request)
                form = ApiTokenForm()
            except keys.TooManyTokens:
                form.add_error(
                    "name",
                    _("Du har redan %(n)s giltiga nycklar; återkalla en först.")
                    % {"n": keys.MAX_ACTIVE_PER_USER},
                )
                status = 422
        else:
            status = 400
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": keys.active(user),
            "lifetime_days": keys.LIFETIME.days,
            "ogc_url": request.build_absolute_uri("/ogc/"),
        },
        status=status,
    )


@never_cache
@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    from accounts import api_tokens as keys
    from accounts.models import ApiToken

    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # another user's key: 404
    assert isinstance(request.user, User)
    keys.revoke(token, by=request.user, request=request)
    return redirect("api-tokens")
