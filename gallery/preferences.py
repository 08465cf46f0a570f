"""A person's remembered choices: theme, and the compose form's last model and parameters."""
from __future__ import annotations

from .models import Theme
from .services import profile_for

# Not parameters: what is typed fresh each time, one-off files, and form plumbing.
_NOT_REMEMBERED = {"csrfmiddlewaretoken", "prompt", "negative_prompt", "seed", "save_name",
                   "input_image", "file", "preset", "template"}


def profile_theme_set(*, user, theme: str) -> None:
    if theme not in Theme.values:
        raise ValueError(f"Theme must be one of {', '.join(Theme.values)}")
    profile = profile_for(user)
    profile.theme = theme
    profile.save(update_fields=["theme"])


def profile_params_remember(*, user, data: dict) -> None:
    """Keep the model and parameters just used, to start from next time."""
    profile = profile_for(user)
    profile.last_params = {k: v for k, v in data.items() if k not in _NOT_REMEMBERED and isinstance(v, str)}
    profile.save(update_fields=["last_params"])


def profile_last_params(*, user) -> dict:
    return dict(profile_for(user).last_params or {})
