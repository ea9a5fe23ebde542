from django.urls import path

from transport import views

app_name = "transport"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("crates/<int:crate_id>/", views.crate, name="crate"),
    path("crates/<int:crate_id>/close/", views.close_crate, name="close-crate"),
    path("transfers/<int:transfer_id>/slip/", views.slip, name="slip"),
    path("receive/", views.receive, name="receive"),
    path("receive/clear/", views.receive_clear, name="receive-clear"),
    path("send/", views.send, name="send"),
    path("links/", views.links, name="links"),
    path("links/new/", views.link_edit, name="link-new"),
    path("links/<int:link_id>/", views.link_edit, name="link-edit"),
    path("statistics/", views.statistics, name="statistics"),
    path("floating/", views.floating_rules, name="floating"),
    path("floating/<int:rule_id>/remove/", views.floating_remove, name="floating-remove"),
]
