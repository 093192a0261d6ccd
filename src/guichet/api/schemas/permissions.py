"""Schemas of the contact-center permission switches (R-P-2, R-P-3, R-P-4)."""

from __future__ import annotations

from pydantic import StrictBool

from guichet.api.schemas.common import Input, Output, rule_field


class SupervisorSwitches(Output):
    """R-P-2: what supervisors may do."""

    supervisor_config_portal: bool
    supervisor_limit_to_assigned_queues: bool
    supervisor_view_queue_settings: bool
    supervisor_manage_queue_settings: bool
    supervisor_view_pause_reasons: bool
    supervisor_manage_pause_reasons: bool
    supervisor_view_skills: bool
    supervisor_manage_skills: bool


class AgentSwitches(Output):
    """R-P-3: what agents may do."""

    agent_manage_own_canned: bool
    agent_manage_public_canned: bool
    agent_create_labels: bool


class OrganizationSwitches(Output):
    """R-P-4: organization-wide switches."""

    allow_unassigned_queue_login: bool


class PermissionsRead(Output):
    """Every switch, grouped; ``version`` counts saved changes."""

    supervisor: SupervisorSwitches
    agent: AgentSwitches
    organization: OrganizationSwitches
    version: int


class SupervisorSwitchesUpdate(Input):
    """R-P-2 switches to change (the others keep their value)."""

    supervisor_config_portal: StrictBool | None = rule_field("R-P-2", None)
    supervisor_limit_to_assigned_queues: StrictBool | None = rule_field("R-P-2", None)
    supervisor_view_queue_settings: StrictBool | None = rule_field("R-P-2", None)
    supervisor_manage_queue_settings: StrictBool | None = rule_field("R-P-2", None)
    supervisor_view_pause_reasons: StrictBool | None = rule_field("R-P-2", None)
    supervisor_manage_pause_reasons: StrictBool | None = rule_field("R-P-2", None)
    supervisor_view_skills: StrictBool | None = rule_field("R-P-2", None)
    supervisor_manage_skills: StrictBool | None = rule_field("R-P-2", None)


class AgentSwitchesUpdate(Input):
    """R-P-3 switches to change."""

    agent_manage_own_canned: StrictBool | None = rule_field("R-P-3", None)
    agent_manage_public_canned: StrictBool | None = rule_field("R-P-3", None)
    agent_create_labels: StrictBool | None = rule_field("R-P-3", None)


class OrganizationSwitchesUpdate(Input):
    """R-P-4 switch to change."""

    allow_unassigned_queue_login: StrictBool | None = rule_field("R-P-4", None)


class PermissionsUpdate(Input):
    """Switches to change, in the groups ``GET`` shows; unknown names are refused."""

    supervisor: SupervisorSwitchesUpdate | None = rule_field("R-P-2", None)
    agent: AgentSwitchesUpdate | None = rule_field("R-P-3", None)
    organization: OrganizationSwitchesUpdate | None = rule_field("R-P-4", None)

    def changes(self) -> dict[str, bool]:
        """The switches sent, flattened to ``{name: value}`` (``null`` means "leave as is")."""
        out: dict[str, bool] = {}
        for group in (self.supervisor, self.agent, self.organization):
            if group is not None:
                sent = group.model_dump(exclude_unset=True, exclude_none=True)
                out.update({name: bool(value) for name, value in sent.items()})
        return out
