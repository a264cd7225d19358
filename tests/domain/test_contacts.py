"""What a valid stakeholder is: the messages the contact form shows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.contacts import FieldError, validate_contact


def english(errors: list[FieldError]) -> list[tuple[str, str]]:
    return [(e.field, e.english) for e in errors]


def fields(errors: list[FieldError]) -> list[str]:
    return [e.field for e in errors]


def test_a_plain_contact_is_valid():
    assert (
        validate_contact("王伟", "总经理", "wei.wang@例子.中国", "+86 138 1234 5678", "sponsor")
        == []
    )
    assert validate_contact("Ann Lee", role="champion") == []
    assert validate_contact("[i]Ivy[/i] Chen", phone="(020) 7946 0001 ext. 12", role="user") == []


def test_name_is_required():
    assert english(validate_contact("", role="user")) == [("name", "Name is required")]
    assert fields(validate_contact("   \t", role="user")) == ["name"]


def test_role_must_be_one_of_the_four():
    errors = validate_contact("Ann", role="boss")
    assert english(errors) == [
        ("role", "Role must be one of sponsor, champion, user, blocker; got 'boss'")
    ]
    assert validate_contact("Ann", role=" Blocker ") == []


def test_email_shape_when_given():
    for bad in (
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann lee@example.com",
        "ann@@example.com",
        "ann@.com",
    ):
        errors = validate_contact("Ann", email=bad)
        assert fields(errors) == ["email"], bad
        assert "does not look like an email address" in errors[0].message
    assert validate_contact("Ann", email="") == []


def test_phone_shape_when_given():
    assert fields(validate_contact("Ann", phone="call me")) == ["phone"]
    assert fields(validate_contact("Ann", phone="12ab")) == ["phone"]
    assert validate_contact("Ann", phone="010-12345678") == []


def test_one_line_fields_refuse_control_characters_and_length():
    assert fields(validate_contact("Ann\nLee")) == ["name"]
    assert fields(validate_contact("Ann", title="CEO\x1b[2J")) == ["title"]
    assert fields(validate_contact("A" * 201)) == ["name"]
    assert "201 characters; at most 200" in validate_contact("A" * 201)[0].message


def test_every_bad_field_is_reported_in_form_order():
    assert fields(validate_contact("", "T\nX", "nope", "x", "boss")) == [
        "name",
        "title",
        "email",
        "phone",
        "role",
    ]


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Zl", "Zp", "Cs")),
        min_size=1,
        max_size=200,
    ).filter(lambda s: s.strip())
)
def test_any_one_line_name_is_accepted(name):
    assert validate_contact(name) == []
