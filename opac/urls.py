from django.urls import path

from opac import account, catalog_views, loans, views

app_name = "opac"
urlpatterns = [
    path("", views.home, name="home"),
    path("sok/", catalog_views.search_page, name="search"),
    path("sok/forslag/", catalog_views.suggestions, name="suggest"),
    path("post/<int:record_id>/", catalog_views.record_page, name="record"),
    path(
        "post/<int:record_id>.<str:fmt>",
        catalog_views.record_export,
        name="record-export",
    ),
    path("konto/logga-in/", account.login, name="login"),
    path("konto/logga-ut/", account.logout, name="logout"),
    path("konto/", account.account, name="account"),
    path("konto/uppgifter/", account.save_details, name="account-details"),
    path("konto/pin/", account.change_pin, name="change-pin"),
    path("konto/mina-uppgifter.json", account.my_data, name="my-data"),
    path("konto/lan/", loans.my_loans, name="loans"),
    path("konto/lan/forlang-alla/", loans.renew_all, name="renew-all"),
    path("konto/lan/<int:loan_id>/forlang/", loans.renew, name="renew"),
    path("konto/avgifter/", loans.my_fees, name="fees"),
]
