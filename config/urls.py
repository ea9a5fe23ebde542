from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from circulation import views_home
from circulation.urls import rule_urlpatterns
from libraries import staff_views
from libraries import views as library_views
from notices.urls import opac_urlpatterns as notice_opac_urlpatterns

urlpatterns = [
    # First: Django tries the patterns in order, and the desk's scans are the busiest requests.
    path("api/v1/", include("config.api_urls")),
    path("healthz", library_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "staff/login/",
        auth_views.LoginView.as_view(template_name="libraries/login.html"),
        name="staff-login",
    ),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="staff-logout"),
    path("staff/library/", library_views.choose_library, name="choose-library"),
    path("staff/calendar/", library_views.opening_calendar, name="opening-calendar"),
    path("staff/users/", staff_views.staff_list, name="staff-users"),
    path("staff/users/new/", staff_views.staff_new, name="staff-user-new"),
    path("staff/users/<int:user_id>/", staff_views.staff_user, name="staff-user"),
    path("staff/", views_home.staff_home, name="staff-home"),
    path("staff/admin/", admin.site.urls),
    path("staff/catalog/", include("catalog.urls")),
    path("staff/patrons/", include("patrons.urls")),
    path("staff/circulation/", include("circulation.urls")),
    path("staff/rules/", include((rule_urlpatterns, "rules"))),
    path("staff/transport/", include("transport.urls")),
    path("staff/collection/", include("collection.urls")),
    path("staff/holds/", include("circulation.holds.urls")),
    path("staff/notices/", include("notices.urls")),
    path("konto/meddelanden/", include((notice_opac_urlpatterns, "notices-opac"))),
    path("staff/statistics/", include("stats.urls")),
    path("reservationer/", include("circulation.holds.opac_urls")),
    path("", include("interop.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("collection.opac_urls")),
    path("", include("opac.urls")),
]
