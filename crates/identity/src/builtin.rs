//! The principals every Searchlight has from its first start.

use searchlight_store::{Principal, PrincipalKind};

/// The all-users group. Every user is in it implicitly.
pub const ALL_GROUP: &str = "All";
/// The 6.x spelling of the all-users group, accepted wherever a group name is.
pub const ALL_GROUP_ALIAS: &str = "ALL_GROUP";
pub const ADMINISTRATOR_GROUP: &str = "Administrator";
pub const SYSTEM_GROUP: &str = "System";
pub const ADMIN_USER: &str = "tsadmin";
pub const SYSTEM_USER: &str = "system";

/// GUIDs of the built-ins. tsadmin, system and All carry the GUIDs ThoughtSpot's own
/// documentation shows, so scripts that hard-code them keep working.
pub const ADMIN_USER_ID: &str = "59481331-ee53-42be-a548-bd87be6ddd4a";
pub const SYSTEM_USER_ID: &str = "67e15c06-d153-4924-a4cd-ff615393b60f";
pub const ALL_GROUP_ID: &str = "b25ee394-9d13-49e3-9385-cd97f5b253b4";
pub const ADMINISTRATOR_GROUP_ID: &str = "d0326b56-ef23-4c8c-8327-a30e99bcc72b";
pub const SYSTEM_GROUP_ID: &str = "5b2e5b83-1e67-4ed8-a5a4-d1e2c4a0e3f1";

/// `created`/`modified` of the built-ins, as in ThoughtSpot's examples.
const BUILTIN_TIMESTAMP: i64 = 1_354_006_445_722;

/// Maps the `ALL_GROUP` alias to the group's real name.
pub fn canonical_group_name(name: &str) -> &str {
    if name == ALL_GROUP_ALIAS {
        ALL_GROUP
    } else {
        name
    }
}

/// Whether `(kind, name)` is a built-in principal.
pub fn is_builtin(kind: PrincipalKind, name: &str) -> bool {
    match kind {
        PrincipalKind::User => name == ADMIN_USER || name == SYSTEM_USER,
        PrincipalKind::Group => {
            matches!(
                name,
                ALL_GROUP | ALL_GROUP_ALIAS | ADMINISTRATOR_GROUP | SYSTEM_GROUP
            )
        }
    }
}

fn principal(id: &str, kind: PrincipalKind, name: &str, display_name: &str) -> Principal {
    Principal {
        id: id.to_string(),
        kind,
        name: name.to_string(),
        display_name: display_name.to_string(),
        description: None,
        mail: matches!(kind, PrincipalKind::User).then(String::new),
        principal_type: match kind {
            PrincipalKind::User => "LOCAL_USER",
            PrincipalKind::Group => "LOCAL_GROUP",
        }
        .to_string(),
        visibility: "DEFAULT".to_string(),
        password_hash: None,
        builtin: true,
        can_login: matches!(kind, PrincipalKind::User) && name == ADMIN_USER,
        created: BUILTIN_TIMESTAMP,
        modified: BUILTIN_TIMESTAMP,
    }
}

/// The built-in principals and their direct memberships `(member, group)`.
pub fn builtins() -> (Vec<Principal>, Vec<(&'static str, &'static str)>) {
    use PrincipalKind::{Group, User};
    let principals = vec![
        principal(
            ADMINISTRATOR_GROUP_ID,
            Group,
            ADMINISTRATOR_GROUP,
            "Administration Group",
        ),
        principal(ALL_GROUP_ID, Group, ALL_GROUP, "All Group"),
        principal(
            SYSTEM_GROUP_ID,
            Group,
            SYSTEM_GROUP,
            "System Management Group",
        ),
        principal(ADMIN_USER_ID, User, ADMIN_USER, "Administrator"),
        principal(SYSTEM_USER_ID, User, SYSTEM_USER, "System User"),
    ];
    let memberships = vec![
        (ADMIN_USER_ID, ADMINISTRATOR_GROUP_ID),
        (SYSTEM_USER_ID, SYSTEM_GROUP_ID),
    ];
    (principals, memberships)
}
