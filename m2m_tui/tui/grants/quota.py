"""The shown client's token quota (Auth0's fine-grained M2M token quotas): the one that
applies, its own or the tenant's default, and how much of it is used, as the quota
headers of this session's latest token response for the client said (the only place
the tenant tells it). `m2m-tui quota set` changes it."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from m2m_tui.session.grants import GrantsModel
from oauth_primitives.token_quota import QuotaEntity


class ClientQuota(Static):
    DEFAULT_CSS = """
    ClientQuota { height: auto; margin-top: 1; }
    """

    def __init__(self, model: GrantsModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model

    def show(self, client_id: str | None) -> None:
        self.display = client_id is not None
        if client_id is None:
            return
        applies = self.model.quota_of(client_id)
        text = Text.assemble(("Token quota  ", "bold"), applies.sentence())
        if applies.settings is None and not applies.own:
            text.append("\n  `m2m-tui quota set CLIENT --per-hour N` sets one", "dim")
        report = self.model.quota_use(client_id)
        if report is not None:
            for line in report.left(QuotaEntity.CLIENT):
                text.append(f"\n  {line}")
            when = time.strftime("%H:%M:%S", time.localtime(report.at))
            text.append(
                f"\n  as the {QuotaEntity.CLIENT.header} header of this session's token "
                f"response at {when} said",
                "dim",
            )
        elif applies.settings is not None:
            text.append(
                "\n  Used: not known yet. The tenant says it in the quota headers of its "
                "token responses, and none for this client came in this session (Test gets one).",
                "dim",
            )
        self.update(text)
