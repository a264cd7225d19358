"""Where the client keeps its server and token.

The server's URL (and who we are there) lives in the cache's cache_meta, so `--db` chooses a
server along with the cache. The token lives in the OS keyring through `keyring` (service
"csm-tui", username = the server URL). When no usable keyring backend exists, we say so and
how to proceed; a plaintext token file is written only when the user asks for it by name
(`csm-tui login --token-file PATH`), with 0600 permissions, and refused when others can read
it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from csm_tui.domain.errors import Refusal
from csm_tui.i18n import N_, Message, _
from csm_tui.store.cache import META_CURSOR, META_ME, META_SERVER_URL, get_meta, set_meta

SERVICE = "csm-tui"
META_TOKEN_FILE = "token_file"
META_SIGNED_OUT = "signed_out"  # set by `csm-tui logout`, cleared by login

NO_KEYRING_HELP = N_(
    "no usable keyring backend was found, and csm-tui keeps your token only in a keyring "
    "unless you say otherwise.\n"
    "  Either install a keyring backend — an OS keyring (Secret Service: gnome-keyring or "
    "KWallet; macOS Keychain; Windows Credential Locker) or the encrypted file keyring of "
    "the `keyrings.alt` package (pip install keyrings.alt, then set "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring) —\n"
    "  or opt in to a plaintext token file that only you can read (mode 0600):\n"
    "    csm-tui login --server URL --token-file PATH"
)


class CredentialsError(Refusal, Exception):
    """The token cannot be stored or found; its words (a `Message`) say what to do, in the
    interface language (`error.english()` for logs)."""


class NoKeyringError(CredentialsError):
    def __init__(self, detail: str = "") -> None:
        help_words = Message.of(NO_KEYRING_HELP)
        super().__init__(
            Message.of(N_("{help}\n  ({detail})"), help=help_words, detail=detail)
            if detail
            else help_words
        )


def normalise_url(url: str) -> str:
    """`http(s)://host[:port][/path]` without a trailing slash; anything else is refused."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CredentialsError(
            Message.of(
                N_("{url} is not a server URL; expected http(s)://HOST[:PORT]"), url=repr(url)
            )
        )
    return url.rstrip("/")


# -- the keyring -----------------------------------------------------------------------------
def keyring_problem() -> str | None:
    """Why the keyring cannot hold a token, in the interface language (None: it can)."""
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return _(NO_KEYRING_HELP)
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return _(NO_KEYRING_HELP)
    return None


def keyring_name() -> str:
    import keyring

    backend = keyring.get_keyring()
    return getattr(backend, "name", type(backend).__name__)


_T = TypeVar("_T")


def _keyring_call(action: Callable[..., _T], *args: str) -> _T:
    import keyring.errors

    problem = keyring_problem()
    if problem:
        raise NoKeyringError()
    try:
        return action(*args)
    except keyring.errors.NoKeyringError as error:
        raise NoKeyringError(str(error)) from None
    except keyring.errors.KeyringError as error:
        raise CredentialsError(
            Message.of(N_("the keyring ({name}) failed: {error}"), name=keyring_name(), error=error)
        ) from None


# -- the opt-in token file -------------------------------------------------------------------
def write_token_file(path: Path, token: str) -> None:
    """Write the token to `path`, readable by its owner only (0600)."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (token + "\n").encode())
    finally:
        os.close(fd)


def read_token_file(path: Path) -> str:
    path = Path(path).expanduser()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise CredentialsError(
            Message.of(N_("the token file {path} is gone; run csm-tui login again"), path=path)
        ) from None
    if mode & 0o077:
        raise CredentialsError(
            Message.of(
                N_(
                    "the token file {path} can be read by others (mode {mode}); "
                    "run chmod 600 {path}, or log in again"
                ),
                path=path,
                mode=f"{mode & 0o777:o}",
            )
        )
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise CredentialsError(
            Message.of(N_("the token file {path} is empty; run csm-tui login again"), path=path)
        )
    return token


# -- store / read / delete -------------------------------------------------------------------
def store_token(server_url: str, token: str, *, token_file: Path | None = None) -> str:
    """Keep `token` for `server_url`; where it went, for the user (in the interface
    language)."""
    if token_file is not None:
        write_token_file(token_file, token)
        return _("the token file {path} (mode 0600)").format(path=Path(token_file).expanduser())
    import keyring

    _keyring_call(keyring.set_password, SERVICE, server_url, token)
    return _("the keyring ({name})").format(name=keyring_name())


def read_token(server_url: str, *, token_file: Path | None = None) -> str | None:
    """The stored token for `server_url`, or None when none is stored."""
    if token_file is not None:
        return read_token_file(token_file)
    import keyring

    return _keyring_call(keyring.get_password, SERVICE, server_url)


def delete_token(server_url: str, *, token_file: Path | None = None) -> bool:
    """Forget the token; False when there was none."""
    if token_file is not None:
        path = Path(token_file).expanduser()
        if not path.exists():
            return False
        path.unlink()
        return True
    import keyring
    import keyring.errors

    try:
        _keyring_call(keyring.delete_password, SERVICE, server_url)
    except keyring.errors.PasswordDeleteError:
        return False
    return True


# -- what the cache remembers ----------------------------------------------------------------
def remember_sign_in(
    conn: sqlite3.Connection, server_url: str, me: str, token_file: Path | None
) -> bool:
    """Record the server, who we are there and where the token is. True when the cache was
    synced with another server or person before (its cursor is reset: everything is pulled
    again)."""
    with conn:
        before = (get_meta(conn, META_SERVER_URL), get_meta(conn, META_ME))
        changed = before[0] is not None and before != (server_url, me)
        set_meta(conn, META_SERVER_URL, server_url)
        set_meta(conn, META_ME, me)
        set_meta(conn, META_SIGNED_OUT, None)
        set_meta(
            conn,
            META_TOKEN_FILE,
            None if token_file is None else str(Path(token_file).expanduser().resolve()),
        )
        if changed:
            set_meta(conn, META_CURSOR, None)
    return changed


def token_file_of(conn: sqlite3.Connection) -> Path | None:
    value = get_meta(conn, META_TOKEN_FILE)
    return None if value is None else Path(value)


def signed_in(conn: sqlite3.Connection) -> tuple[str, str]:
    """(server URL, token) for this cache, or `CredentialsError` saying how to sign in."""
    server_url = get_meta(conn, META_SERVER_URL)
    if not server_url:
        raise CredentialsError(
            Message.of(N_("not signed in to a server: run csm-tui login --server URL"))
        )
    if get_meta(conn, META_SIGNED_OUT):
        raise CredentialsError(
            Message.of(
                N_("signed out of {server}: run csm-tui login --server {server}"),
                server=server_url,
            )
        )
    token = read_token(server_url, token_file=token_file_of(conn))
    if not token:
        raise CredentialsError(
            Message.of(
                N_("no token stored for {server}: run csm-tui login --server {server}"),
                server=server_url,
            )
        )
    return server_url, token
