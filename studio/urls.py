from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gallery import views_profile

from . import health, views, views_compare, views_edit, views_estimate, views_grid, views_restore, views_usage

urlpatterns = [
    path("", views.compose, name="compose"),
    path("compose/fields/", views.compose_fields, name="compose-fields"),
    path("compose/estimate/", views_estimate.compose_estimate, name="compose-estimate"),
    path("compose/from-file/", views_restore.compose_from_file, name="compose-from-file"),
    path("jobs/", views.job_history, name="job-history"),
    path("jobs/<int:pk>/card/", views.job_card, name="job-card"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job-cancel"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job-retry"),
    path("edit/<int:pk>/", views_edit.image_edit, name="image-edit"),
    path("edit/tray-upload/", views_edit.reference_upload, name="reference-upload"),
    path("lineage/<int:pk>/", views_edit.image_lineage, name="image-lineage"),
    path("compare/", views_compare.compare, name="compare"),
    path("compare/estimate/", views_estimate.compare_estimate, name="compare-estimate"),
    path("compare/grid/", views_grid.compare_grid, name="compare-grid"),
    path("compare/history/", views_compare.compare_history, name="compare-history"),
    path("compare/<uuid:group>/", views_compare.compare_result, name="compare-result"),
    path("usage/", views_usage.usage, name="usage"),
    path("gallery/", include("gallery.urls")),
    path("prompts/", include("gallery.urls_prompts")),
    path("profile/", views_profile.profile, name="profile"),
    path("profile/theme/", views_profile.theme_set, name="theme-set"),
    path("profile/password/", views_profile.password_change, name="password_change"),
    path("profile/password/done/", views_profile.password_change_done, name="password_change_done"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("", include("api.urls")),
]
