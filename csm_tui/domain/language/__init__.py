"""The command language: what a CSM types in the palette, the shell and the `/` filter.

    lexer.py         words, quoted strings (one escape rule), positions for error carets
    filters.py       the filter grammar: `parse_filter` -> `PortfolioFilter`, sort orders
    verb_options.py  the verbs, their --options, usage lines, the values options take
    verb_types.py    what each verb reads to: the `Command` dataclasses and `to_text()`
    verb_line.py     one command line being read: its positional words and --options
    verbs.py         the verb grammar: `parse_command` -> a `Command` (a line with no verb
                     is a filter); one builder per verb

The executor that carries commands out is `csm_tui.commands`.
"""
