from django.urls import path

from . import views, views_images, views_mcp, views_tokens

urlpatterns = [
    path("v1/images/generations", views_images.generations, name="api-generations"),
    path("v1/images/edits", views_images.edits, name="api-edits"),
    path("v1/models", views.models, name="api-models"),
    path("v1/jobs/<int:pk>", views.job, name="api-job"),
    path("v1/files/<str:value>", views.image_link, name="api-image-link"),
    path("v1/openapi.json", views.openapi, name="api-openapi"),
    path("mcp", views_mcp.mcp_endpoint, name="mcp"),
    path("mcp/", views_mcp.mcp_endpoint),
    path("profile/tokens/", views_tokens.token_new, name="api-token-new"),
    path("profile/tokens/<int:pk>/revoke/", views_tokens.token_revoke_view, name="api-token-revoke"),
]
