"""Content-Security-Policy: every page carries it, and no template needs inline script or style."""
import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# What a CSP without 'unsafe-inline' / 'unsafe-eval' blocks in our markup.
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "on* handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on attribute": re.compile(r"\b(?:data-)?hx-on", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx js: value": re.compile(r"hx-vals=['\"]\s*(?:js|javascript):", re.I),
}


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_no_template_uses_what_the_policy_blocks(path):
    # Django comments may mention the words; only markup counts.
    text = re.sub(r"{#.*?#}", "", (TEMPLATES / path).read_text(), flags=re.S)
    found = [name for name, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{path}: {found}"


@pytest.mark.parametrize("url", ["/", "/gallery/", "/usage/", "/prompts/", "/accounts/login/"])
def test_pages_carry_a_policy_without_inline_script_or_style(client, member, url):
    if url != "/accounts/login/":
        client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(member_client):
    html = member_client.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in html


def test_the_admin_works_under_the_policy(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    for url in ("/admin/", "/admin/auth/user/", f"/admin/auth/user/{staff.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response.headers
        html = response.content.decode()
        # Django's admin keeps its scripts in files and passes data as JSON blocks.
        inline = [m for m in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
                  if "application/json" not in m.group(1)]
        assert not inline, (url, [m.group(0) for m in inline])
