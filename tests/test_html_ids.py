"""Every page and every form with its errors shown: each `for`, `aria-describedby` and
`aria-labelledby` points at an id on the page, and no id is used twice (issue 11.6)."""

import pytest

from .pages import Markup, page_urls, seeded_world


@pytest.fixture
def world(db):
    return seeded_world()


def _post_target(form: dict, url: str) -> str:
    return form["action"] or url


def test_every_page_and_form_with_errors_has_valid_ids(client, world):
    client.force_login(world.user)
    problems, pages, forms = [], 0, 0
    for name, url in page_urls(world):
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        markup = Markup(response.content.decode())
        problems += [f"{name} {url}: {p}" for p in markup.problems()]
        for form in markup.forms:
            if form["method"] != "post" or not any(f["required"] for f in form["fields"]):
                continue
            forms += 1
            # Empty but for the CSRF token (the test client does not check it).
            shown = client.post(_post_target(form, url), {}, HTTP_HX_REQUEST="false")
            assert shown.status_code < 500, f"{name}: empty form gave {shown.status_code}"
            if "html" in shown.get("Content-Type", "") and shown.status_code != 302:
                problems += [
                    f"{name} {url} (form with errors): {p}"
                    for p in Markup(shown.content.decode()).problems()
                ]
    assert pages >= 20 and forms >= 10, (pages, forms)
    assert not problems, "\n".join(problems)


def test_markup_checker_finds_what_it_should():
    bad = Markup(
        '<label for="a">A</label><input id="b" aria-describedby="b_helptext b_error">'
        '<div id="c"></div><div id="c"></div>'
    )
    assert bad.problems() == [
        "duplicate id 'c'",
        "<label for='a'> points at no id",
        "<input aria-describedby='b_helptext'> points at no id",
        "<input aria-describedby='b_error'> points at no id",
    ]
    assert Markup('<label for="x">X</label><input id="x">').problems() == []
    swallowed = Markup("<title>My meetings<section><h2>Upcoming</h2></section></title>")
    assert swallowed.problems()[0].startswith("<title> holds markup")
    assert Markup("<title>Mine møder – enplan</title>").problems() == []
