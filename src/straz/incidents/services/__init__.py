"""Use cases of the IZS wing, one module per concept of Decree 328/2001 (each one transaction, audited, on the timeline)."""

# can_write_incident lives in policy; use cases and their callers read it here too.
from straz.incidents.policy import can_write_incident
from straz.incidents.services.base import NAME_MAX_CHARS, TEXT_MAX_CHARS, recorded_at
from straz.incidents.services.calls import (
    CallRouting,
    call_routing,
    forward_call,
    record_call,
)
from straz.incidents.services.command import (
    TAKEOVER_DECLARATION,
    TakeoverProposal,
    assign_commander,
    hand_over_command,
    name_successor,
    take_over_command_when_commander_drops_out,
    takeover_options,
)
from straz.incidents.services.components import (
    call_component,
    check_in_component,
    check_out_component,
)
from straz.incidents.services.events import (
    create_event,
    group_into_event,
    set_site_priorities,
)
from straz.incidents.services.incidents import (
    STATE_LABELS,
    ProposalSnapshot,
    change_affected_area,
    change_coordination_level,
    change_state,
    create_incident,
    declare_alarm_level,
    propose_for_event,
    propose_for_facts,
    propose_for_incident,
    update_incident_facts,
)
from straz.incidents.services.messages import (
    add_log_entry,
    post_site_message,
)
from straz.incidents.services.notices import (
    decide_notice,
    pending_notices,
)
from straz.incidents.services.site import (
    KEEP,
    add_site_feature,
    change_site_feature,
    retire_site_feature,
)

__all__ = [
    "KEEP",
    "NAME_MAX_CHARS",
    "STATE_LABELS",
    "TAKEOVER_DECLARATION",
    "TEXT_MAX_CHARS",
    "CallRouting",
    "ProposalSnapshot",
    "TakeoverProposal",
    "add_log_entry",
    "add_site_feature",
    "assign_commander",
    "call_component",
    "call_routing",
    "can_write_incident",
    "change_affected_area",
    "change_coordination_level",
    "change_site_feature",
    "change_state",
    "check_in_component",
    "check_out_component",
    "create_event",
    "create_incident",
    "decide_notice",
    "declare_alarm_level",
    "forward_call",
    "group_into_event",
    "hand_over_command",
    "name_successor",
    "pending_notices",
    "post_site_message",
    "propose_for_event",
    "propose_for_facts",
    "propose_for_incident",
    "record_call",
    "recorded_at",
    "retire_site_feature",
    "set_site_priorities",
    "take_over_command_when_commander_drops_out",
    "takeover_options",
    "update_incident_facts",
]
