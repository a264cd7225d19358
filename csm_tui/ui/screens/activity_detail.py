"""One activity, read whole (the timeline shows previews)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _
from csm_tui.store.activity_log import load_activity
from csm_tui.ui.labels import kind_label, sentiment_label
from csm_tui.workspace import Workspace


class ActivityDetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", N_("Close"), id="activity.close")]

    def __init__(self, workspace: Workspace, activity_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.activity_id = activity_id

    def compose(self) -> ComposeResult:
        record = load_activity(self.workspace.conn, self.activity_id)
        with VerticalScroll(id="activity-detail", classes="form"):
            if record is None:
                yield Static(_("This activity is no longer in the cache."), markup=False)
                return
            when = record.occurred_at.astimezone(self.workspace.zone)
            head = Text(
                _("{kind} · {when} · {minutes} min · {sentiment}").format(
                    kind=kind_label(record.kind),
                    when=f"{when:%Y-%m-%d %H:%M}",
                    minutes=record.minutes,
                    sentiment=sentiment_label(record.sentiment),
                ),
                style="bold",
            )
            yield Static(head, classes="form-title", markup=False)
            people = _(", ").join(safe_text(n) for n in record.contact_names) or _("no contacts")
            yield Static(
                Text(
                    _("With: {people}\nBy: {author}").format(
                        people=people, author=safe_text(record.author_name or "—")
                    )
                ),
                markup=False,
            )
            yield Static(_("Summary"), classes="form-label", markup=False)
            yield Static(
                Text(safe_text(record.summary, multiline=True)), id="activity-summary", markup=False
            )
            yield Static(_("Next steps"), classes="form-label", markup=False)
            yield Static(
                Text(safe_text(record.next_steps or "—", multiline=True)),
                id="activity-next-steps",
                markup=False,
            )
