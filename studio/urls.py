from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.compose, name="compose"),
    path("compose/fields/", views.compose_fields, name="compose-fields"),
    path("jobs/<int:pk>/card/", views.job_card, name="job-card"),
    path("gallery/", include("gallery.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
