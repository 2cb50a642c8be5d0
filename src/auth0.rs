//! What Auth0 gives the Classic MFA page template: the catalogue of
//! variables (DESIGN.md §2), kept as data so that every check reads the same
//! list. Anything not listed here is undefined at Auth0 and renders as empty.

/// One variable Auth0 passes to the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    /// When Auth0 sets it.
    pub when: &'static str,
    pub shape: Shape,
}

/// What a variable holds, as far as the checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string, number or boolean.
    Scalar,
    /// An object with these keys.
    Object(&'static [&'static str]),
    /// A list of objects with these keys.
    ListOf(&'static [&'static str]),
}

/// The keys of `userData`.
pub const USER_DATA_KEYS: &[&str] = &[
    "userId",
    "email",
    "friendlyUserId",
    "tenant",
    "tenantFriendlyName",
];

/// The keys of each item of `errors`.
pub const ERROR_KEYS: &[&str] = &["message", "code"];

/// Every variable Auth0 gives the page.
pub const VARIABLES: &[Variable] = &[
    Variable {
        name: "ticket",
        when: "enrollment only",
        shape: Shape::Scalar,
    },
    Variable {
        name: "requestToken",
        when: "login only",
        shape: Shape::Scalar,
    },
    Variable {
        name: "postActionURL",
        when: "login",
        shape: Shape::Scalar,
    },
    Variable {
        name: "mfaServerUrl",
        when: "always",
        shape: Shape::Scalar,
    },
    Variable {
        name: "userData",
        when: "always (tenantFriendlyName when set on the tenant)",
        shape: Shape::Object(USER_DATA_KEYS),
    },
    Variable {
        name: "errors",
        when: "may be absent",
        shape: Shape::ListOf(ERROR_KEYS),
    },
    Variable {
        name: "globalTrackingId",
        when: "always",
        shape: Shape::Scalar,
    },
    Variable {
        name: "iconUrl",
        when: "when branding is set",
        shape: Shape::Scalar,
    },
    Variable {
        name: "primaryColor",
        when: "when branding is set",
        shape: Shape::Scalar,
    },
    Variable {
        name: "pageBackgroundColor",
        when: "when branding is set",
        shape: Shape::Scalar,
    },
    Variable {
        name: "allowRememberBrowser",
        when: "optional",
        shape: Shape::Scalar,
    },
    Variable {
        name: "stateCheckingMechanism",
        when: "optional (polling, manual or socket)",
        shape: Shape::Scalar,
    },
];

/// Liquid's own names that index any value (`errors.size`, `errors.first`).
pub const LIQUID_INDEXES: &[&str] = &["size", "first", "last"];

/// The variable called `name`, if Auth0 provides one.
pub fn variable(name: &str) -> Option<&'static Variable> {
    VARIABLES.iter().find(|v| v.name == name)
}

/// The names of every variable Auth0 provides.
pub fn names() -> impl Iterator<Item = &'static str> {
    VARIABLES.iter().map(|v| v.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_both_flows_and_user_data() {
        assert_eq!(variable("ticket").unwrap().when, "enrollment only");
        assert!(variable("requestToken").is_some());
        assert!(variable("requesttoken").is_none());
        assert_eq!(
            variable("userData").unwrap().shape,
            Shape::Object(USER_DATA_KEYS)
        );
        assert_eq!(names().count(), 12);
    }
}
