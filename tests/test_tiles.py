"""The grid's fast tiles ({% tiles %}) draw exactly what the tile partial draws."""
import re

from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory

from gallery.models import Favourite
from gallery.selectors import tile_rows
from tests.test_gallery_access import make_image


def _normal(html: str) -> str:
    """Whitespace between tags and attributes means nothing in this markup; the CSRF token's mask varies."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="*"', html)
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def test_fast_tiles_equal_the_tile_partial_for_every_kind_of_tile(member, staff, local_connection, media_root):
    make_image(member, local_connection, prompt='a "quoted" <b>bold</b> & \'odd\' prompt')
    private = make_image(member, local_connection, prompt="mine alone", visibility="private",
                         model_label="DALL·E <3>")
    make_image(staff, local_connection, prompt="someone else's")
    Favourite.objects.create(user=member, image=private)
    request = RequestFactory().get("/gallery/")
    request.user = member
    images = list(tile_rows(member))
    assert len(images) == 3 and any(i.is_favourite for i in images) and not all(i.is_favourite for i in images)

    partial = get_template("gallery/gallery.html#tile")
    expected = "".join(partial.render({"image": image}, request) for image in images)
    fast = engines["django"].from_string("{% load tiles %}{% tiles images %}").render({"images": images}, request)
    a, b = _normal(fast), _normal(expected)
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), None)
    assert a == b, (at, a[at - 80:at + 80] if at else a[-200:], b[at - 80:at + 80] if at else b[-200:])
    assert "is-private" in fast and "Private</small>" in fast and 'aria-pressed="true"' in fast
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;odd&#x27;" in fast and "<b>" not in fast
    assert 'name="csrfmiddlewaretoken"' in fast
