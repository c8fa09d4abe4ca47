"""/healthz, /readyz and /metrics: for load balancers, orchestrators and Prometheus. Public
(no log-in), answer JSON or the Prometheus text format, and never name a person."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health, metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers. Nothing else is checked, so a restart is the cure when it fails."""
    return JsonResponse({"status": "alive"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, checks = health.readiness()
    failing = [name for name, check in checks.items() if not check["ok"]]
    body = {
        "status": "ready" if ready else "not ready",
        "why": [checks[name]["why"] for name in failing if "why" in checks[name]],
        "checks": checks,
    }
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    ok, status, why = metrics.allowed(request)
    if not ok:
        response = JsonResponse({"detail": why}, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
