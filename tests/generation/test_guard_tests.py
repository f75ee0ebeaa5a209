"""Tests may only get stronger: weakened, skipped, hidden or short-circuited template tests are
rejected, added tests and assertions are accepted."""

from __future__ import annotations

import re

import pytest
from weakening import weakened

from .guarded import TESTS, check, edit, insert, rendered

REQUEST_TEST = "def test_get_user_sends_its_request() -> None:\n"
FIRST_STATEMENT = 'service = Service(respond(200, {"ok": True}))'


WEAKENED = {
    "asserts that cannot fail": (
        weakened(rendered()[TESTS]),
        "template statement of test_get_user_sends_its_request changed or removed",
    ),
    "a skip mark on a request test": (
        edit(TESTS, REQUEST_TEST, "@pytest.mark.skip\n" + REQUEST_TEST),
        "new decorator 'pytest.mark.skip' on test_get_user_sends_its_request",
    ),
    "an xfail mark": (
        edit(TESTS, REQUEST_TEST, "@pytest.mark.xfail(strict=False)\n" + REQUEST_TEST),
        "new decorator 'pytest.mark.xfail(strict=False)'",
    ),
    "a skipif mark": (
        edit(TESTS, REQUEST_TEST, "@pytest.mark.skipif(True, reason='slow')\n" + REQUEST_TEST),
        "new decorator",
    ),
    "a module-wide skip": (
        rendered()[TESTS] + "\npytestmark = pytest.mark.skip\n",
        "new pytest hook or setting 'pytestmark'",
    ),
    "pytest.skip at the start of a test": (
        insert(TESTS, FIRST_STATEMENT, 'pytest.skip("later")', after=REQUEST_TEST),
        "can end the test early",
    ),
    "an early return": (
        insert(TESTS, FIRST_STATEMENT, "return", after=REQUEST_TEST),
        "added to test_get_user_sends_its_request, can end the test early or swallow",
    ),
    "a try that swallows failures": (
        edit(
            TESTS,
            "    assert_encoded(request",
            "    try:\n        pass\n    except Exception:\n        pass\n"
            "    assert_encoded(request",
            after=REQUEST_TEST,
        ),
        "can end the test early or swallow its failures",
    ),
    "an assert moved under an if": (
        edit(
            TESTS,
            "    assert_encoded(request",
            "    if False:\n        assert_encoded(request",
            after=REQUEST_TEST,
        ),
        "template statement of test_get_user_sends_its_request changed or removed",
    ),
    "a redefined test hiding the original": (
        rendered()[TESTS] + "\n\n" + REQUEST_TEST + "    assert True\n",
        "module-level name 'test_get_user_sends_its_request' is bound again",
    ),
    "a rebound helper": (
        rendered()[TESTS] + "\n\ndef assert_sent(*args: object) -> None:\n    pass\n",
        "module-level name 'assert_sent' is bound again",
    ),
    "a helper that asserts nothing": (
        re.sub(
            r"(def assert_sent\([^)]*\)[^:]*:\n(?:    .*\n)*?)    assert .*\n",
            r"\1",
            rendered()[TESTS],
            count=1,
        ),
        "template statement of assert_sent changed or removed",
    ),
    "a collection hook": (
        rendered()[TESTS] + "\n\ndef pytest_collection_modifyitems(items: list) -> None:\n"
        "    items.clear()\n",
        "new pytest hook or setting 'pytest_collection_modifyitems'",
    ),
    "an autouse fixture": (
        rendered()[TESTS] + "\n\n@pytest.fixture(autouse=True)\ndef _quiet() -> None:\n"
        "    pass\n",
        "new autouse fixture _quiet",
    ),
    "a patched adapter inside a template test": (
        insert(
            TESTS,
            FIRST_STATEMENT,
            "pytest.MonkeyPatch().setattr(github_adapter, '_decode', lambda *a: {'ok': True})",
            after=REQUEST_TEST,
        ),
        "patches the code under test",
    ),
    "sys.exit at module level": (
        rendered()[TESTS] + "\nraise SystemExit(0)\n",
        "raises outside pytest.raises",
    ),
}


@pytest.mark.parametrize("case", sorted(WEAKENED))
def test_weakened_tests_are_rejected(case: str) -> None:
    text, reason = WEAKENED[case]
    assert text != rendered()[TESTS]
    problems = check(TESTS, text)
    assert any(reason in p for p in problems), problems


STRONGER = {
    "an added assertion": insert(
        TESTS, FIRST_STATEMENT, "assert not service.requests", after=REQUEST_TEST
    ),
    "an added raise inside pytest.raises": insert(
        TESTS,
        FIRST_STATEMENT,
        "with pytest.raises(ValueError):\n    raise ValueError('checked')",
        after=REQUEST_TEST,
    ),
    "a loop with its own break": insert(
        TESTS,
        FIRST_STATEMENT,
        "for attempt in range(3):\n    if attempt:\n        break\n    assert attempt == 0",
        after=REQUEST_TEST,
    ),
    "a new docstring": edit(
        TESTS, REQUEST_TEST, REQUEST_TEST + '    """The request goes to the user\'s path."""\n'
    ),
    "a new fixture": rendered()[TESTS]
    + "\n\n@pytest.fixture\ndef fake_time() -> FakeTime:\n    return FakeTime()\n",
}


@pytest.mark.parametrize("case", sorted(STRONGER))
def test_stronger_tests_are_accepted(case: str) -> None:
    assert check(TESTS, STRONGER[case]) == []


def test_a_hidden_name_and_a_new_hook_are_reported_where_they_are_bound() -> None:
    text = rendered()[TESTS] + "\n\n" + REQUEST_TEST + "    assert True\n\npytestmark = []\n"
    again = text[: text.rindex(REQUEST_TEST)].count("\n") + 1
    hook = text[: text.rindex("pytestmark")].count("\n") + 1
    problems = check(TESTS, text)
    name = "test_get_user_sends_its_request"
    assert f"{TESTS}:{again}: module-level name {name!r} is bound again, hiding the first" in (
        problems
    )
    assert f"{TESTS}:{hook}: new pytest hook or setting 'pytestmark'" in problems
