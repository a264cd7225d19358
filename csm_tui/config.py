"""Typed settings in one place: a TOML file in the platformdirs config dir, or the file
named by `CSM_TUI_CONFIG`, validated once at start.

    language = "zh"            # or "en"; unset: the locale (LANG…) decides, see csm_tui.i18n
    arr_per_csm = 2000000      # coverage rule: one CSM per $2M ARR
    cny_per_usd = 7.2          # the default rate; dated rates: `csm-tui rates set|import`
    currency = "USD"           # reporting currency of totals, bands and the per-CSM rule
    timezone = "Asia/Shanghai" # days are counted in this zone; default: the system's
    fiscal_year_start = 4      # month the fiscal year starts (1 = calendar year)
    [tiers.strategic]          # see domain.tiers.TierRules.from_mapping
    min_arr = 150000
    [standards.long-direct]    # activity standards per sales motion (domain.motion)
    login_rate = 0.6
    [standards.long-direct.features]
    opportunities = 4
    [health.weights.strategic] # health weights per tier (domain.backtest.weights_from_mapping):
    usage = 40                 # the back-test re-weights past scores with them
    engagement = 10
    [keys]                     # your own keys: binding id = "key[,key]" (csm_tui.ui.keymap
    "app.sync_now" = "f5"      # checks them at start-up; a wrong entry is said and left
    "portfolio.log" = "l,ctrl+l"  # out, never a reason not to start)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.domain.errors import Refusal
from csm_tui.domain.money import CURRENCIES
from csm_tui.domain.motion import STANDARDS, ActivityStandard, SalesMotion
from csm_tui.domain.tiers import TierRules
from csm_tui.i18n import LANGUAGES, N_, Message

if TYPE_CHECKING:
    from csm_tui.domain.health import Component
    from csm_tui.domain.tiers import Tier


class SettingsError(Refusal, ValueError):
    """The settings file is wrong; its words (a `Message`) say where and how, in the
    interface language at the edge. `language` is the language the file sets when that
    much of it could be read (so the error itself can be said in it), else None."""

    def __init__(self, words: Message | str, language: str | None = None) -> None:
        super().__init__(words)
        self.language = language


def _inner(error: Exception) -> Message:
    """A nested refusal's words (a plain error's text as it is)."""
    return error.words if isinstance(error, Refusal) else Message.text(str(error))


@dataclass(frozen=True)
class Settings:
    language: str | None = None
    """The interface language the file sets ("en" or "zh"), None when it sets none."""
    arr_per_csm: float = 2_000_000
    tier_rules: TierRules = field(default_factory=TierRules)
    source: Path | None = None
    standards: dict[SalesMotion, ActivityStandard] = field(default_factory=lambda: dict(STANDARDS))
    health_weights: dict[Tier, dict[Component, int]] | None = None  # None: the defaults
    currency: str = "USD"
    timezone: str | None = None  # an IANA name; None: the system's zone
    fiscal_year_start: int = 1
    keys: dict[str, str | None] = field(default_factory=dict)
    """`[keys]`: binding id → its keys as written ("f5", "l,ctrl+l"; a list is joined with
    commas); None for a value that is neither. Checked against the app's bindings by
    csm_tui.ui.keymap, which reports what is wrong at start-up."""

    @property
    def zone(self) -> tzinfo:
        """The user's zone: the `timezone` setting, else the system's, else UTC."""
        return zone_named(self.timezone) if self.timezone else system_zone()

    @classmethod
    def from_toml(cls, text: str, source: Path | None = None) -> Settings:
        import tomllib  # only when there is a settings file: keep start-up light

        where = str(source) if source else "settings"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(
                Message.of(N_("{file}: not valid TOML: {problem}"), file=where, problem=str(exc))
            ) from exc
        language = data.get("language")
        if language is not None and language not in LANGUAGES:
            raise SettingsError(
                Message.of(
                    N_("{file}: language must be one of {choices}"),
                    file=where,
                    choices=", ".join(LANGUAGES),
                )
            )
        arr_per_csm = data.get("arr_per_csm", 2_000_000)
        if not isinstance(arr_per_csm, int | float) or arr_per_csm <= 0:
            raise SettingsError(
                Message.of(N_("{file}: arr_per_csm must be a positive number"), file=where),
                language,
            )
        currency = str(data.get("currency", "USD")).strip().upper()
        currency = "CNY" if currency == "RMB" else currency
        if currency not in CURRENCIES:
            raise SettingsError(
                Message.of(
                    N_("{file}: currency must be one of {choices}"),
                    file=where,
                    choices=", ".join(CURRENCIES),
                ),
                language,
            )
        timezone = data.get("timezone")
        if timezone is not None:
            try:
                zone_named(str(timezone))
            except (ValueError, KeyError) as exc:
                raise SettingsError(
                    Message.of(
                        N_("{file}: timezone {zone} is not a known zone (e.g. Asia/Shanghai)"),
                        file=where,
                        zone=repr(timezone),
                    ),
                    language,
                ) from exc
        fy_start = data.get("fiscal_year_start", 1)
        if not isinstance(fy_start, int) or isinstance(fy_start, bool) or not 1 <= fy_start <= 12:
            raise SettingsError(
                Message.of(
                    N_("{file}: fiscal_year_start must be a month number, 1 to 12"), file=where
                ),
                language,
            )
        try:
            rules = TierRules.from_mapping(data)
        except ValueError as exc:
            raise SettingsError(
                Message.of(N_("{file}: {problem}"), file=where, problem=_inner(exc)), language
            ) from exc
        from csm_tui.domain.motion import standards_from_mapping

        try:
            standards = standards_from_mapping(data.get("standards", {}))
        except ValueError as exc:
            raise SettingsError(
                Message.of(N_("{file}: {problem}"), file=where, problem=_inner(exc)), language
            ) from exc
        health = data.get("health", {})
        if not isinstance(health, dict) or not isinstance(health.get("weights", {}), dict):
            raise SettingsError(
                Message.of(
                    N_("{file}: [health.weights.<tier>] must be tables of weights"), file=where
                ),
                language,
            )
        from csm_tui.domain.backtest import weights_from_mapping

        try:
            weights = weights_from_mapping(health.get("weights", {}))
        except ValueError as exc:
            raise SettingsError(
                Message.of(N_("{file}: {problem}"), file=where, problem=_inner(exc)), language
            ) from exc
        keys = data.get("keys", {})
        if not isinstance(keys, dict):
            raise SettingsError(
                Message.of(
                    N_('{file}: [keys] must be a table: binding id = "key[,key]"'), file=where
                ),
                language,
            )
        return cls(
            language=language,
            arr_per_csm=float(arr_per_csm),
            tier_rules=rules,
            source=source,
            standards=standards,
            health_weights=weights,
            currency=currency,
            timezone=None if timezone is None else str(timezone),
            fiscal_year_start=fy_start,
            keys={str(binding_id): _key_list(value) for binding_id, value in keys.items()},
        )


def _key_list(value: object) -> str | None:
    """A `[keys]` value as Textual's keymap takes it: "l,ctrl+l"; None when it is not a
    string or a list of strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(key, str) for key in value):
        return ",".join(value)
    return None


def zone_named(name: str) -> tzinfo:
    """The zone of an IANA name ("Asia/Shanghai", "UTC"); unknown names are a ValueError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name.strip().upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def system_zone() -> tzinfo:
    """The system's zone, the way tzlocal finds it: `TZ`, else the zone `/etc/localtime`
    links to (or its contents), else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return zone_named(name)
        except ValueError:
            pass
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve())
    except OSError:
        return UTC
    if "zoneinfo/" in target:
        try:
            return zone_named(target.split("zoneinfo/", 1)[1])
        except ValueError:
            pass
    if localtime.is_file():
        from zoneinfo import ZoneInfo

        with localtime.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    return UTC


def settings_path() -> Path:
    env = os.environ.get("CSM_TUI_CONFIG")
    if env:
        return Path(env)
    from platformdirs import user_config_path

    return user_config_path("csm-tui", appauthor=False) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    if not path.exists():
        return Settings()
    return Settings.from_toml(path.read_text(encoding="utf-8"), source=path)
