"""Saved prompts and team templates: the template language, then the pages."""
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError

from gallery.models import PromptTemplate, SavedPrompt
from gallery.prompts import (template_count_generation, template_fill, template_variables, template_variables_clean,
                             variables_from_text, variables_to_text)
from tests.conftest import PASSWORD

PRODUCT = "product photo of {product} on {surface}, {lighting}"
VARIABLES = [{"name": "product", "default": "a sneaker", "choices": []},
             {"name": "surface", "default": "", "choices": []},
             {"name": "lighting", "default": "soft light", "choices": ["soft light", "golden hour"]}]


def make_template(author=None, **fields):
    fields = {"name": "Product shot", "text": PRODUCT, "variables": VARIABLES, **fields}
    return PromptTemplate.objects.create(author=author, **fields)


def prefill(response) -> dict:
    assert response.status_code == 302
    url = urlparse(response["Location"])
    assert url.path == "/"
    return {k: v[0] for k, v in parse_qs(url.query).items()}


# --- the template language -------------------------------------------------

def test_variables_are_found_once_each_in_order():
    assert template_variables("{a} and {b}, then { a }") == ["a", "b"]


def test_doubled_braces_are_literal_braces():
    assert template_variables("json {{\"k\": {value}}}") == ["value"]
    template = PromptTemplate(text="a {{literal}} and {thing}", variables=[])
    assert template_fill(template, {"thing": "x"}) == "a {literal} and x"


@pytest.mark.parametrize("text,message", [
    ("an { open brace", "Unmatched “{” at character 4"),
    ("a closing } brace", "Unmatched “}” at character 11"),
    ("{two words}", "“{two words}” is not a variable name"),
])
def test_a_stray_brace_or_bad_name_is_named(text, message):
    with pytest.raises(ValidationError) as exc:
        template_variables(text)
    assert message in exc.value.messages[0]


def test_missing_values_take_their_defaults():
    template = PromptTemplate(text=PRODUCT, variables=VARIABLES)
    assert template_fill(template, {"surface": "marble"}) == "product photo of a sneaker on marble, soft light"
    # A blank value counts as missing too.
    assert template_fill(template, {"surface": "oak", "product": " "}).startswith("product photo of a sneaker on oak")


def test_a_variable_with_neither_value_nor_default_is_named():
    template = PromptTemplate(text=PRODUCT, variables=VARIABLES)
    with pytest.raises(ValidationError) as exc:
        template_fill(template, {"product": "a watch"})
    assert exc.value.code == "missing_variable"
    assert exc.value.messages == ["No value for surface, and no default: fill it in."]


def test_an_undeclared_variable_is_implicit_and_has_no_default():
    template = PromptTemplate(text="{subject} at {place}", variables=[{"name": "subject", "default": "a cat"}])
    assert template_fill(template, {"place": "dusk"}) == "a cat at dusk"
    with pytest.raises(ValidationError, match="No value for place"):
        template_fill(template, {})


def test_extra_values_are_refused_naming_them():
    template = PromptTemplate(text=PRODUCT, variables=VARIABLES)
    with pytest.raises(ValidationError) as exc:
        template_fill(template, {"surface": "marble", "colour": "red"})
    assert exc.value.code == "unknown_variable"
    assert exc.value.messages == ["This template has no variable colour (it has product, surface, lighting)."]


def test_choices_are_enforced():
    template = PromptTemplate(text=PRODUCT, variables=VARIABLES)
    with pytest.raises(ValidationError, match="lighting must be one of soft light, golden hour"):
        template_fill(template, {"surface": "marble", "lighting": "neon"})
    assert template_fill(template, {"surface": "marble", "lighting": "golden hour"}).endswith("golden hour")


def test_values_are_not_read_as_template_text():
    template = PromptTemplate(text="{a}", variables=[])
    assert template_fill(template, {"a": "{b} }{"}) == "{b} }{"


def test_declared_but_unused_variable_is_an_error():
    with pytest.raises(ValidationError, match="Declared but not used in the text: colour"):
        template_variables_clean("a {product}", [{"name": "product"}, {"name": "colour", "default": "red"}])


def test_a_default_must_be_one_of_the_choices():
    with pytest.raises(ValidationError, match="not one of its choices"):
        template_variables_clean("{x}", [{"name": "x", "default": "c", "choices": ["a", "b"]}])


def test_variables_textarea_round_trip():
    text = "product = a sneaker\nsurface\n\nlighting = soft light | soft light, golden hour"
    parsed = variables_from_text(text)
    assert parsed == VARIABLES
    assert variables_to_text(parsed) == text.replace("\n\n", "\n")
    with pytest.raises(ValidationError, match="Line 1: “= x” has no variable name"):
        variables_from_text("= x")
    with pytest.raises(ValidationError, match="Line 2: “my product” is not a variable name"):
        variables_from_text("ok\nmy product = x")


def test_use_count_is_raised_in_the_database(db):
    template = make_template()
    template_count_generation(template_id=template.pk)
    template_count_generation(template_id=str(template.pk))  # as posted by the compose form
    template_count_generation(template_id="not a number")
    template.refresh_from_db()
    assert template.use_count == 2


# --- template pages ---------------------------------------------------------

def test_anyone_may_create_a_template_and_undeclared_variables_become_implicit(member_client, member):
    response = member_client.post("/prompts/templates/new/", {
        "name": "Portrait", "text": "portrait of {person}, {style}", "negative_prompt": "blurry",
        "variables_text": "style = oil painting | oil painting, charcoal"})
    assert response.status_code == 302
    template = PromptTemplate.objects.get()
    assert template.author == member
    assert template.variables == [{"name": "person", "default": "", "choices": []},
                                  {"name": "style", "default": "oil painting", "choices": ["oil painting", "charcoal"]}]


def test_the_form_names_what_is_wrong(member_client):
    html = member_client.post("/prompts/templates/new/", {
        "name": "Broken", "text": "a {product", "variables_text": ""}).content.decode()
    assert "Unmatched “{” at character 3" in html
    html = member_client.post("/prompts/templates/new/", {
        "name": "Unused", "text": "a {product}", "variables_text": "product\ncolour = red"}).content.decode()
    assert "Declared but not used in the text: colour" in html
    assert not PromptTemplate.objects.exists()


def test_author_and_staff_edit_others_get_403(client, member, staff, django_user_model):
    template = make_template(author=member)
    other = django_user_model.objects.create_user("olga", password=PASSWORD)
    url = f"/prompts/templates/{template.pk}/edit/"
    data = {"name": "Product shot", "text": "photo of {product}",
            "variables_text": "product = a lamp"}
    client.force_login(other)
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    client.force_login(member)
    html = client.get(url).content.decode()  # each variable is a row: name, default, choices
    assert 'name="var_name" value="product"' in html and 'name="var_default" value="a sneaker"' in html
    assert client.post(url, data).status_code == 302
    client.force_login(staff)
    assert client.post(url, {**data, "text": "shot of {product}"}).status_code == 302
    template.refresh_from_db()
    assert template.text == "shot of {product}" and template.author == member


def test_list_shows_author_and_use_count_and_edit_only_where_allowed(member_client, staff):
    make_template(author=staff, use_count=7, description="For the shop")
    html = member_client.get("/prompts/").content.decode()
    assert "Product shot" in html and "For the shop" in html and "sam" in html
    assert '<td class="use-count">7</td>' in html
    assert not re.search(r"/prompts/templates/\d+/edit/", html)  # (the lightbox's image Edit is not this)


def test_using_a_template_shows_its_variables_then_fills_the_compose_form(member_client):
    template = make_template(negative_prompt="text, watermark")
    url = f"/prompts/templates/{template.pk}/use/"
    html = member_client.get(url).content.decode()
    assert 'name="product"' in html and 'value="a sneaker"' in html
    assert '<option value="golden hour">' in html
    response = member_client.post(url, {"product": "", "surface": "marble", "lighting": "golden hour"})
    assert prefill(response) == {"prompt": "product photo of a sneaker on marble, golden hour",
                                 "negative_prompt": "text, watermark", "template": str(template.pk)}
    template.refresh_from_db()
    assert template.use_count == 0, "filling the form is not a use; generating is"


def test_using_a_template_without_a_required_value_shows_the_error_and_counts_nothing(member_client):
    template = make_template()
    response = member_client.post(f"/prompts/templates/{template.pk}/use/", {"lighting": "neon"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html and "Select a valid choice" in html
    template.refresh_from_db()
    assert template.use_count == 0


# --- saved prompts ----------------------------------------------------------

def save(client, **fields):
    return client.post("/prompts/saved/", fields, HTTP_HX_REQUEST="true")


def test_saving_the_compose_form_keeps_its_fields(member_client, member):
    response = save(member_client, save_name="Foxes", prompt="a red fox", negative_prompt="blurry",
                    model="1:placeholder", width="640", height="384", n="2", seed="", csrfmiddlewaretoken="x")
    assert "Saved “Foxes”." in response.content.decode()
    saved = SavedPrompt.objects.get()
    assert (saved.owner, saved.prompt, saved.negative_prompt) == (member, "a red fox", "blurry")
    assert saved.params == {"model": "1:placeholder", "width": "640", "height": "384", "n": "2"}
    # The same name again replaces it.
    assert "Updated “Foxes”." in save(member_client, save_name="Foxes", prompt="a grey fox").content.decode()
    assert SavedPrompt.objects.get().prompt == "a grey fox"


@pytest.mark.parametrize("fields,message", [
    ({"prompt": "x"}, "Give the prompt a name"),
    ({"save_name": "n" * 101, "prompt": "x"}, "at most 100 characters"),
    ({"save_name": "Empty", "prompt": " "}, "Write a prompt before saving it."),
])
def test_saving_without_a_name_or_prompt_says_so(member_client, fields, message):
    assert message in save(member_client, **fields).content.decode()
    assert not SavedPrompt.objects.exists()


def test_without_htmx_saving_lands_on_the_list_with_a_message(member_client):
    response = member_client.post("/prompts/saved/", {"save_name": "Foxes", "prompt": "a fox"}, follow=True)
    assert response.redirect_chain[-1][0] == "/prompts/"
    assert "Saved “Foxes”." in response.content.decode()
    response = member_client.post("/prompts/saved/", {"prompt": "a fox"}, follow=True)
    assert "Give the prompt a name" in response.content.decode()


def test_use_prefills_the_compose_page(member_client, member, local_connection):
    key = f"{local_connection.pk}:placeholder"
    saved = SavedPrompt.objects.create(owner=member, name="Foxes", prompt="a red fox", negative_prompt="blurry",
                                       params={"model": key, "width": "640", "height": "384"})
    response = member_client.get(f"/prompts/saved/{saved.pk}/use/")
    assert prefill(response) == {"prompt": "a red fox", "negative_prompt": "blurry", "model": key,
                                 "width": "640", "height": "384"}
    html = member_client.get(response["Location"]).content.decode()
    assert "a red fox</textarea>" in html and 'value="640"' in html and "blurry</textarea>" in html


def test_saved_prompts_are_private(client, member, staff):
    saved = SavedPrompt.objects.create(owner=member, name="Mine", prompt="secret fox")
    client.force_login(staff)
    assert "secret fox" not in client.get("/prompts/").content.decode()
    assert client.get(f"/prompts/saved/{saved.pk}/use/").status_code == 404
    assert client.post(f"/prompts/saved/{saved.pk}/delete/").status_code == 404
    assert SavedPrompt.objects.filter(pk=saved.pk).exists()
    client.force_login(member)
    assert "secret fox" in client.get("/prompts/").content.decode()
    response = client.post(f"/prompts/saved/{saved.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    assert not SavedPrompt.objects.exists()


def test_prompts_pages_need_a_login(client, db):
    for url in ("/prompts/", "/prompts/templates/new/", "/profile/"):
        assert client.get(url)["Location"].startswith("/accounts/login/")


def test_variables_are_edited_as_rows(member_client):
    response = member_client.post("/prompts/templates/new/", {
        "name": "Rows", "text": "a {product} under {lighting}",
        "var_name": ["product", "lighting", ""], "var_default": ["a lamp", "", ""],
        "var_choices": ["", "neon, daylight", ""]})
    assert response.status_code == 302
    assert PromptTemplate.objects.get(name="Rows").variables == [
        {"name": "product", "default": "a lamp", "choices": []},
        {"name": "lighting", "default": "", "choices": ["neon", "daylight"]}]
    html = member_client.post("/prompts/templates/new/", {
        "name": "Bad", "text": "a {product}", "var_name": ["my product"], "var_default": [""],
        "var_choices": [""]}).content.decode()
    assert "Row 1: “my product” is not a variable name" in html


def test_a_template_keeps_a_model_and_parameters_and_generations_count(member_client, local_connection):
    key = f"{local_connection.pk}:placeholder"
    page = member_client.get("/prompts/templates/new/", {"prompt": "a {thing} at dusk", "model": key,
                                                           "width": "512", "height": "384"}).content.decode()
    assert "a {thing} at dusk</textarea>" in page and "<code>width</code> 512" in page
    member_client.post("/prompts/templates/new/", {
        "name": "Dusk", "text": "a {thing} at dusk", "var_name": ["thing"], "var_default": ["lighthouse"],
        "var_choices": [""], "keep_params": "on",
        "params_json": '{"model": "%s", "width": "512", "height": "384"}' % key})
    template = PromptTemplate.objects.get(name="Dusk")
    assert template.params == {"model": key, "width": "512", "height": "384"}
    filled = prefill(member_client.post(f"/prompts/templates/{template.pk}/use/", {"thing": "lighthouse"}))
    assert filled["model"] == key and filled["width"] == "512" and filled["template"] == str(template.pk)
    compose = member_client.get("/", filled).content.decode()
    assert f'name="template" value="{template.pk}"' in compose
    member_client.post("/", {**filled, "height": "384", "n": "1"})
    member_client.post("/", {**filled, "height": "384", "n": "1"})
    template.refresh_from_db()
    assert template.use_count == 2


def test_the_author_or_staff_delete_a_template_and_no_one_else(client, member, staff, django_user_model):
    template = make_template(author=member)
    other = django_user_model.objects.create_user("olga", password=PASSWORD)
    client.force_login(other)
    assert client.post(f"/prompts/templates/{template.pk}/delete/").status_code == 403
    client.force_login(member)
    response = client.post(f"/prompts/templates/{template.pk}/delete/", follow=True)
    assert "Deleted the template" in response.content.decode()
    assert not PromptTemplate.objects.exists()
