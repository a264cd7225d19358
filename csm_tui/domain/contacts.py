"""Stakeholders: what a valid contact is (the form's inline messages come from here)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from csm_tui.domain.records import ContactRole
from csm_tui.domain.validity import text_problem
from csm_tui.i18n import N_, NC_, Message

MAX_NAME = 200
MAX_TITLE = 200
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_PHONE = 50

# One "@", something before it, a domain with a dot after it, no spaces. Unicode is
# allowed on both sides (张伟@例子.中国 is a real address).
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
# Digits with phone punctuation, an optional leading "+" and extension ("x12", "ext. 12").
_PHONE = re.compile(r"\+?[0-9 ()\-./]+(\s*(ext\.?|extension|x|#)\s*[0-9]+)?", re.IGNORECASE)


@dataclass(frozen=True)
class FieldError:
    """One message for one form field (`field` is the model's field name). `words` is a
    `Message`; `message` says it in the interface language, `english` in English."""

    field: str
    words: Message

    @property
    def message(self) -> str:
        return self.words.render()

    @property
    def english(self) -> str:
        return self.words.english()


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def _one_line(field: str, label: Message, value: str, limit: int) -> list[FieldError]:
    if _has_control(value):
        template = N_("{label} must be one line of text, without control characters")
        return [FieldError(field, Message.of(template, label=label))]
    if len(value) > limit:
        template = N_("{label} is {n} characters; at most {limit}")
        return [FieldError(field, Message.of(template, label=label, n=len(value), limit=limit))]
    problem = text_problem(value, limit)
    if problem is not None:
        return [FieldError(field, problem.words(label))]
    return []


def validate_contact(
    name: str, title: str = "", email: str = "", phone: str = "", role: str = "user"
) -> list[FieldError]:
    """Every problem with a contact, one message per field, in form order.

    Name is required; role is one of sponsor, champion, user, blocker; an email, when
    given, looks like an address; a phone, when given, has digits and only phone
    punctuation. Values are judged as they will be stored: surrounding spaces stripped.
    """
    errors: list[FieldError] = []
    name, title, email, phone = name.strip(), title.strip(), email.strip(), phone.strip()
    if not name:
        errors.append(FieldError("name", Message.of(N_("Name is required"))))
    else:
        errors += _one_line("name", Message.of(N_("Name")), name, MAX_NAME)
    errors += _one_line("title", Message.of(NC_("contact field", "Title")), title, MAX_TITLE)
    if email:
        bad = _one_line("email", Message.of(NC_("contact field", "Email")), email, MAX_EMAIL)
        if bad:
            errors += bad
        elif _EMAIL.fullmatch(email) is None:
            errors.append(
                FieldError(
                    "email",
                    Message.of(
                        N_("{value} does not look like an email address (name@example.com)"),
                        value=repr(email),
                    ),
                )
            )
    if phone:
        bad = _one_line("phone", Message.of(N_("Phone")), phone, MAX_PHONE)
        if bad:
            errors += bad
        elif not any(ch.isdigit() for ch in phone) or _PHONE.fullmatch(phone) is None:
            errors.append(
                FieldError(
                    "phone",
                    Message.of(
                        N_(
                            "{value} does not look like a phone number "
                            "(digits, spaces, + - ( ) . and an optional ext. 12)"
                        ),
                        value=repr(phone),
                    ),
                )
            )
    roles = ", ".join(r.value for r in ContactRole)
    if role.strip().lower() not in {r.value for r in ContactRole}:
        template = N_("Role must be one of {roles}; got {value}")
        errors.append(FieldError("role", Message.of(template, roles=roles, value=repr(role))))
    return errors


def normalise_contact_fields(fields: dict[str, str]) -> dict[str, str]:
    """The stored form of valid fields: surrounding spaces stripped, role in lower case."""
    out = {k: v.strip() for k, v in fields.items()}
    if "role" in out:
        out["role"] = out["role"].lower()
    return out
