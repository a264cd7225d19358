"""The demo book's people: the team (CSMs, leads, an admin), company names, stakeholders."""

from __future__ import annotations

from csm_tui.domain.records import ContactRole, Role
from csm_tui.store.demo.shape import CONTACTS_PER_TIER, DemoRandom, Skeleton
from csm_tui.store.demo.stamps import Stamps
from csm_tui.store.demo.writer import Row
from csm_tui.store.demo_text import (
    CN_CITIES,
    CN_GIVEN,
    CN_LEGAL,
    CN_SURNAMES,
    CN_SYLLABLES,
    EN_CITIES,
    EN_FIRST,
    EN_LAST,
    EN_LEGAL,
    EN_PREFIX,
    EN_SUFFIX,
    PEOPLE,
    TEAMS,
    TITLES_CN,
    TITLES_EN,
)

Industry = tuple[str, tuple[str, ...], str, str]  # (English, English words, Chinese, pinyin)


class People:
    """The book's users and teams, and the names of its companies and stakeholders."""

    def __init__(self, rng: DemoRandom, stamps: Stamps) -> None:
        self.rng = rng
        self.stamps = stamps
        self._used_names: set[str] = set()
        self.ids: dict[str, str] = {}  # person key → user id
        self.team_ids: dict[str, str] = {}
        self.leads: dict[str, str] = {}  # team key → lead user id
        self.csms: dict[str, list[str]] = {"emea": [], "apac": []}

    def users(self) -> tuple[list[Row], list[Row]]:
        """The rows of `teams` and `users` (made first: the accounts' owners are in them)."""
        base = self.stamps.now_s - 3 * 365 * 86400
        teams: list[Row] = []
        for key, name in TEAMS:
            self.team_ids[key] = self.stamps.id(base)
            teams.append((self.team_ids[key], name))
        users: list[Row] = []
        for key, name, mail, role, team in PEOPLE:
            uid = self.ids[key] = self.stamps.id(base)
            team_id = self.team_ids[team] if team else None
            users.append((uid, name, f"{mail}@demo.csm-tui.example", role.value, team_id))
            if team and role is Role.CSM:
                self.csms[team].append(uid)
            elif team and role is Role.LEAD:
                self.leads[team] = uid
        return teams, users

    def company(self, s: Skeleton, industry: Industry) -> tuple[str, str]:
        """(name, email domain), unique in the book."""
        rng = self.rng
        if s.name is not None:
            return s.name, "example.com"
        for attempt in range(6):
            if s.chinese:
                (c1, p1), (c2, p2) = rng.choice(CN_SYLLABLES), rng.choice(CN_SYLLABLES)
                city = rng.choice(CN_CITIES)
                name = f"{city}{c1}{c2}{industry[2]}{rng.choice(CN_LEGAL)}"
                domain = f"{p1}{p2}{industry[3]}.com.cn"
            else:
                brand = rng.choice(EN_PREFIX) + rng.choice(EN_SUFFIX)
                name = f"{brand} {rng.choice(industry[1])} {rng.choice(EN_LEGAL)}"
                domain = f"{brand.lower()}.example.com"
            if attempt >= 3:
                name += f" ({rng.choice(CN_CITIES if s.chinese else EN_CITIES)})"
            if attempt == 5:
                name += f" {len(self._used_names)}"
            if name not in self._used_names:
                self._used_names.add(name)
                return name, domain
        raise AssertionError("unreachable")  # attempt 5 is always unique

    def person(self, chinese: bool, domain: str) -> tuple[str, str]:
        """(name, email) of a stakeholder at a company with that email domain."""
        rng = self.rng
        if chinese and rng.random() < 0.9:
            (sn, sp), (gn, gp) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN)
            return f"{sn}{gn}", f"{gp}.{sp}@{domain}"
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        mail = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        return f"{first} {last}", f"{mail}@{domain}"

    def contacts(
        self,
        s: Skeleton,
        account_id: str,
        domain: str,
        created: int,
        created_s: int,
        cn_text: bool,
        rows: list[Row],
    ) -> list[tuple[str, str]]:
        """The account's stakeholders into `rows`; their (id, first name)."""
        rng, stamps = self.rng, self.stamps
        lo, hi = CONTACTS_PER_TIER[s.tier]
        n_contacts = rng.randint(lo, hi)
        titles = TITLES_CN if cn_text else TITLES_EN
        contacts: list[tuple[str, str]] = []
        for k in range(n_contacts):
            role = _role(rng, k, n_contacts)
            cname, email = self.person(s.chinese, domain)
            if k == 0 and s.name is not None:
                cname = "[i]Ivy[/i] Chen"  # markup in a stakeholder's name
            cid = stamps.id(created_s + k * 60)
            phone = (
                f"+86 1{rng.randint(30, 89)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
                if s.chinese
                else f"+44 20 7946 {rng.randint(0, 9999):04d}"
            )
            touched = stamps.ts(created_s + rng.randint(0, max(1, -created)) * 86400)
            title = rng.choice(titles[role])
            rows.append((cid, account_id, cname, title, email, phone, role._value_, touched, None))
            contacts.append((cid, cname.split()[0] if " " in cname else cname))
        return contacts


def _role(rng: DemoRandom, k: int, n_contacts: int) -> ContactRole:
    """The k-th stakeholder's role: a sponsor and a champion first, a blocker sometimes."""
    if k == 0:
        return ContactRole.CHAMPION if n_contacts < 3 else ContactRole.SPONSOR
    if k == 1:
        return ContactRole.CHAMPION if n_contacts >= 3 else ContactRole.USER
    if k == n_contacts - 1 and rng.random() < 0.3:
        return ContactRole.BLOCKER
    return ContactRole.USER
