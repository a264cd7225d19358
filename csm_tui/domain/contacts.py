"""Stakeholders: what a valid contact is (the form's inline messages come from here)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from csm_tui.domain.records import ContactRole
from csm_tui.domain.validity import text_problem

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
    """One message for one form field (`field` is the model's field name)."""

    field: str
    message: str


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def _one_line(field: str, label: str, value: str, limit: int) -> list[FieldError]:
    if _has_control(value):
        return [FieldError(field, f"{label} must be one line of text, without control characters")]
    if len(value) > limit:
        return [FieldError(field, f"{label} is {len(value)} characters; at most {limit}")]
    problem = text_problem(value, limit)
    if problem is not None:
        return [FieldError(field, problem.message(label))]
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
        errors.append(FieldError("name", "Name is required"))
    else:
        errors += _one_line("name", "Name", name, MAX_NAME)
    errors += _one_line("title", "Title", title, MAX_TITLE)
    if email:
        bad = _one_line("email", "Email", email, MAX_EMAIL)
        if bad:
            errors += bad
        elif _EMAIL.fullmatch(email) is None:
            errors.append(
                FieldError(
                    "email", f"{email!r} does not look like an email address (name@example.com)"
                )
            )
    if phone:
        bad = _one_line("phone", "Phone", phone, MAX_PHONE)
        if bad:
            errors += bad
        elif not any(ch.isdigit() for ch in phone) or _PHONE.fullmatch(phone) is None:
            errors.append(
                FieldError(
                    "phone",
                    f"{phone!r} does not look like a phone number "
                    "(digits, spaces, + - ( ) . and an optional ext. 12)",
                )
            )
    roles = ", ".join(r.value for r in ContactRole)
    if role.strip().lower() not in {r.value for r in ContactRole}:
        errors.append(FieldError("role", f"Role must be one of {roles}; got {role!r}"))
    return errors


def normalise_contact_fields(fields: dict[str, str]) -> dict[str, str]:
    """The stored form of valid fields: surrounding spaces stripped, role in lower case."""
    out = {k: v.strip() for k, v in fields.items()}
    if "role" in out:
        out["role"] = out["role"].lower()
    return out
