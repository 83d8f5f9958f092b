"""cfripper allowlist: a failure is allowed when the resource's ``Metadata.cfripper_ignore`` names
the rule (``{"RuleName": "reason"}``).

cfripper reads no suppression from a template; its own allowlist is this kind of filter file
(``--rules-filters-folder``). One generic filter per rule keeps each exception, with its reason,
next to the resource it concerns, as checkov's ``Metadata.checkov.skip`` does. Loaded by cfripper,
inside the scanners' virtual environment (scanners/requirements.txt), never by iotstack itself.
"""

from cfripper.config.filter import Filter
from cfripper.model.enums import RuleMode
from cfripper.rules import DEFAULT_RULES

# Actions that name no resource: AWS's Service Authorization Reference lists no resource type for them, so a
# policy can allow them only on Resource "*". cfripper's WildcardResourceRule gives the filter the action, not
# the resource (no Metadata to read), so these are allowed by name. docs/SECURITY.md lists them.
NO_RESOURCE_ACTIONS = ["secretsmanager:GetRandomPassword"]
# A fleet's execution role has as many managed policies as its actions take, at most ten
# (generator/fleet/roles.py MOST_MANAGED_POLICIES).
EXECUTION_POLICIES = [f"ExecutionPolicy{n}" for n in range(1, 11)]
# Resources whose Metadata.cfripper_ignore names the rule, with its reason (docs/SECURITY.md's table lists it):
# for these rules the filter has only the logical id to go by.
SUPPRESSED_BY_ID = {
    "WildcardResourceRule": ["DriftRole", *EXECUTION_POLICIES],
    "PrivilegeEscalationRule": EXECUTION_POLICIES,
}

FILTERS = [
    *(
        Filter(
            reason=f"{rule} suppressed in the resource's Metadata.cfripper_ignore",
            rule_mode=RuleMode.ALLOWED,
            eval={"exists": {"ref": f"resource.Metadata.cfripper_ignore.{rule}"}},
            rules={rule},
        )
        for rule in sorted(DEFAULT_RULES)
    ),
    *(
        Filter(
            reason=f"{rule} suppressed in the resource's Metadata.cfripper_ignore",
            rule_mode=RuleMode.ALLOWED,
            eval={"in": [{"ref": "logical_id"}, logical_ids]},
            rules={rule},
        )
        for rule, logical_ids in sorted(SUPPRESSED_BY_ID.items())
    ),
    Filter(
        reason="an action that names no resource, allowed only on Resource *",
        rule_mode=RuleMode.ALLOWED,
        eval={"in": [{"ref": "action"}, NO_RESOURCE_ACTIONS]},
        rules={"WildcardResourceRule"},
    ),
]
