from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Gallery"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from .models import Profile
        from .selectors import forget_people_options

        # The gallery's person filter is cached (selectors.people_options).
        for model in (get_user_model(), Profile):
            for signal in (post_save, post_delete):
                signal.connect(forget_people_options, sender=model, dispatch_uid=f"people-options-{model.__name__}")
