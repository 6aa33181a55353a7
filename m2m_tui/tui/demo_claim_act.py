"""The demo's act "A claim from an Action" (a mixin of DemoApp): an API that requires a
claim refuses Gift Deliveries' token; Preview shows the claim missing; a credentials-
exchange Action that adds it is deployed and bound; Preview shows it, set by that
Action; the new token is accepted."""

from __future__ import annotations

from m2m_tui.demo.environment import TIER_ACTION, TIER_ACTION_NAME, TIER_PROFILE
from m2m_tui.demo.script import Step, StepFailed


class ClaimAct:
    async def do_require_claim(self, step: Step) -> None:
        if TIER_PROFILE not in self.session.config.profiles:
            raise StepFailed(f"no profile for the tier API ({TIER_PROFILE}) in the demo's config")
        await self.profile_switched(TIER_PROFILE)
        await self.get_token()
        await self.do_call(step)
        entry = self.session.history[-1]
        if entry.result is None or entry.result.status != 401:
            raise StepFailed("the API that requires the claim did not refuse the token")

    async def do_preview(self, step: Step) -> None:
        self.action_preview()
        await self.group_finished("preview", "the Preview tab's reading of the tenant")
        found = self.preview_tab.found
        if found is None:
            raise StepFailed("no preview: the Preview tab could not read the tenant")

    async def do_deploy_action(self, step: Step) -> None:
        """The Action is created, deployed and bound through the Management API, as
        `m2m-tui actions deploy FILE --bind` does; the Preview tab shows its code."""
        from rich.console import Group
        from rich.syntax import Syntax
        from rich.text import Text
        from textual.widgets import Static

        async with self.session.client(certificate=False) as client:
            mgmt = await self.session.admin.management(client)
            version, _, bound = await mgmt.deploy(TIER_ACTION_NAME, TIER_ACTION, bind=True)
            if not bound:
                raise StepFailed("the Action was not bound")
        self.action_show_tab("preview")
        said = (
            f"✓ Action {TIER_ACTION_NAME} deployed (version {version['number']}) and bound to "
            "the credentials-exchange trigger:"
        )
        self.query_one("#preview-view", Static).update(
            Group(
                Text(said, "bold green"),
                Syntax(TIER_ACTION, "javascript", background_color="default", word_wrap=True),
            )
        )
