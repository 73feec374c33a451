from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

# No app_name: "login" and "logout" are global names used by base.html and
# settings.LOGIN_URL; the pages of this app carry an "accounts_" prefix.
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.me, name="accounts_me"),
    path("org/", views.org_tree, name="accounts_org_tree"),
    path("org/<int:pk>/", views.org_unit_detail, name="accounts_org_unit"),
]
