// The names of the commands the UI may call. Shared by build.rs (which generates one
// permission per command) and the tests that keep the handler list, the capability file and
// ui/src/api.ts in step with it.
pub const COMMANDS: &[&str] = &[
    "session_status",
    "session_create",
    "session_unlock",
    "session_recover",
    "contact_list",
    "contact_search",
    "contact_get",
    "contact_create",
    "contact_update",
    "organisation_list",
    "purpose_list",
    "purpose_create",
    "purpose_update",
    "tag_list",
    "tag_create",
    "tag_delete",
    "settings_get",
    "settings_update",
];
