"""The app's stylesheet parses each piece of CSS once (issue 12: the first paint).

Textual re-parses the whole stylesheet whenever a screen of a new mode is first shown:
`App._init_mode` calls `refresh_css`, which clears the parse cache (`set_variables`) and
then parses every source again into a fresh `Stylesheet` (`reparse`) — the app's
`app.tcss` and every widget's DEFAULT_CSS met so far. The first screen is such a screen,
so before the first frame all of it was parsed twice (about a fifth of the start-up's
Python time on the portfolio), although nothing had changed.

`ParsedOnceStylesheet` keeps the parsed rule sets while the CSS variables stay the same:
a parse depends only on the CSS text, where it was read from, its scope and the
variables, which are all in the cache's key but the variables. When a theme changes
them, the caches are cleared as before. Everything else (the fresh stylesheet that keeps
a failed parse from breaking the running one, `update`) is Textual's own.
"""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet


class ParsedOnceStylesheet(Stylesheet):
    def set_variables(self, variables: dict[str, str]) -> None:
        if variables == self._variables:
            return  # the same variables: what was parsed stays true
        super().set_variables(variables)

    def reparse(self) -> None:
        """Textual's `reparse`, whose fresh stylesheet shares this one's caches."""
        fresh = ParsedOnceStylesheet(variables=self._variables)
        fresh._parse_cache = self._parse_cache
        fresh._style_parse_cache = self._style_parse_cache
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            fresh.add_source(
                css,
                read_from=read_from,
                is_default_css=is_defaults,
                tie_breaker=tie_breaker,
                scope=scope,
            )
        try:
            fresh.parse()
        except Exception:
            self._invalid_css.update(fresh._invalid_css)
            raise
        self._rules = fresh.rules
        self._rules_map = None
        self.source = fresh.source
        self._require_parse = False
