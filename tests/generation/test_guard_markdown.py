"""The guide (Markdown): no raw HTML, no script links, links only where the template points."""

from __future__ import annotations

import pytest

from .guarded import GUIDE, check, rendered


def guide_with(extra: str) -> str:
    return rendered()[GUIDE].rstrip("\n") + "\n\n" + extra + "\n"


ATTACKS = {
    "a script tag": ("<script>alert(1)</script>", "raw HTML: '<script>alert(1)</script>'"),
    "an image with onerror": ('Logo: <img src="x" onerror="alert(1)">', "raw HTML"),
    "an HTML comment": ("<!-- hidden instructions -->", "raw HTML"),
    "a javascript: link": ("[docs](javascript:alert(1))", "link with the javascript: scheme"),
    "an encoded javascript: link": (
        "[docs](java&#115;cript:alert(1))",
        "link with the javascript: scheme",
    ),
    "a data: link": ("[x](data:text/html;base64,PHNjcmlwdD4=)", "link with the data: scheme"),
    "a vbscript: word in text": ("Run vbscript:msgbox", "script scheme"),
    "entities spelling a tag": ("&lt;script&gt;alert(1)&lt;/script&gt;", "entity spelling a tag"),
    "a link elsewhere": (
        "[docs](https://evil.example/docs)",
        "new URL 'https://evil.example/docs'",
    ),
    "a link elsewhere spelled with entities": (
        "[docs](https&#58;//evil.example/docs)",
        "link to an address that is neither in the template nor the requirements",
    ),
    "an image elsewhere": (
        "![pixel](https://tracker.example/p.png)",
        "new URL 'https://tracker.example/p.png'",
    ),
    "a reference definition elsewhere": (
        "See [the docs][d].\n\n[d]: https://evil.example/d",
        "new URL 'https://evil.example/d'",
    ),
    "an unused reference definition": ("[d]: //evil.example/d", "link to an address"),
    "an autolink elsewhere": ("<https://evil.example>", "new URL 'https://evil.example'"),
    "a bare URL": ("Mirror: http://10.0.0.7:8080/api", "new URL 'http://10.0.0.7:8080/api'"),
    "a www. host": ("Mirror at www.evil.example", "new URL 'www.evil.example'"),
    "a base URL in a YAML snippet": (
        "```yaml\nbase_url: evil.example\n```",
        "new URL 'evil.example'",
    ),
    "a downgraded base URL": (
        "Also http://api.github.com works",
        "new URL 'http://api.github.com'",
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_guide_attack_is_rejected(attack: str) -> None:
    snippet, reason = ATTACKS[attack]
    problems = check(GUIDE, guide_with(snippet))
    assert any(reason in p for p in problems), problems
    assert all(p.startswith(f"{GUIDE}:") for p in problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "[docs](https://evil.example/docs)",
        "![pixel](https://tracker.example/p.png)",
        "See [the docs][d].\n\n[d]: https://evil.example/d",
    ],
)
def test_a_new_address_in_a_link_is_reported_once(snippet: str) -> None:
    assert len(check(GUIDE, guide_with(snippet))) == 1


@pytest.mark.parametrize(
    "snippet",
    [
        "## Troubleshooting\n\nA 401 means the token is wrong; see `GITHUB_TOKEN`.",
        "See [the endpoint list](https://api.github.com/users) and [examples](examples.py).",
        "```python\nif a < b and b > c:\n    print('<script> in code is text')\n```",
        "[Errors](#errors) are listed above.",
    ],
)
def test_guide_enrichment_is_accepted(snippet: str) -> None:
    assert check(GUIDE, guide_with(snippet)) == []
