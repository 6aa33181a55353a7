"""The Actions rows of the operations table (operations.py): each a route and its
OpenAPI description, kept apart as the table would otherwise outgrow one file."""

from __future__ import annotations

from .management import actions
from .openapi_schemas import closed_object, operation, path_id

V2 = "/api/v2"
ACTION_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "supported_triggers": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"id": {"const": "credentials-exchange"}, "version": {"type": "string"}},
            "required": ["id"],
        },
        "minItems": 1,
        "maxItems": 1,
    },
    "code": {"type": "string", "minLength": 1},
    "runtime": {"type": "string", "enum": list(actions.RUNTIMES)},
    "secrets": {
        "type": "array",
        "maxItems": actions.MAX_SECRETS,
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
            "required": ["name"],
        },
    },
    "dependencies": {"type": "array", "maxItems": 0},
}
TRIGGER_ID = [{"name": "trigger", "in": "path", "required": True, "schema": {"type": "string"}}]
LIST_FILTERS = [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
    for name in ("triggerId", "actionName", "deployed")
]
BINDINGS = closed_object(
    {
        "bindings": {
            "type": "array",
            "maxItems": actions.MAX_BOUND,
            "items": {
                "type": "object",
                "properties": {
                    "ref": {
                        "type": "object",
                        "properties": {
                            "type": {"enum": ["action_id", "action_name"]},
                            "value": {"type": "string"},
                        },
                        "required": ["type", "value"],
                    },
                    "display_name": {"type": "string"},
                },
                "required": ["ref"],
            },
        }
    },
    ("bindings",),
)

ROWS = (
    (
        "GET",
        f"{V2}/actions/actions",
        actions.list_actions,
        operation("List Actions", "200", parameters=LIST_FILTERS),
    ),
    (
        "POST",
        f"{V2}/actions/actions",
        actions.create_action,
        operation(
            "Create an Action (credentials-exchange)",
            "201",
            closed_object(ACTION_FIELDS, ("name", "supported_triggers", "code")),
        ),
    ),
    (
        "GET",
        f"{V2}/actions/actions/{{id}}",
        actions.get_action,
        operation("Get an Action", "200", parameters=path_id()),
    ),
    (
        "PATCH",
        f"{V2}/actions/actions/{{id}}",
        actions.update_action,
        operation(
            "Update an Action's draft", "200", closed_object(ACTION_FIELDS), parameters=path_id()
        ),
    ),
    (
        "DELETE",
        f"{V2}/actions/actions/{{id}}",
        actions.delete_action,
        operation(
            "Delete an Action",
            "204",
            parameters=[
                *path_id(),
                {"name": "force", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
        ),
    ),
    (
        "POST",
        f"{V2}/actions/actions/{{id}}/deploy",
        actions.deploy_action,
        operation("Deploy an Action's draft", "200", parameters=path_id()),
    ),
    (
        "POST",
        f"{V2}/actions/actions/{{id}}/test",
        actions.test_action,
        operation(
            "Run an Action's draft on an event",
            "200",
            closed_object({"payload": {"type": "object"}}, ("payload",)),
            parameters=path_id(),
        ),
    ),
    (
        "GET",
        f"{V2}/actions/triggers/{{trigger}}/bindings",
        actions.get_bindings,
        operation("A trigger's bound Actions", "200", parameters=TRIGGER_ID),
    ),
    (
        "PATCH",
        f"{V2}/actions/triggers/{{trigger}}/bindings",
        actions.update_bindings,
        operation("Bind Actions to a trigger, in order", "200", BINDINGS, parameters=TRIGGER_ID),
    ),
)
