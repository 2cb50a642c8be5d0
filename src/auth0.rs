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

/// Who decides a value Auth0 passes to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Auth0 builds it, in a fixed format.
    Auth0,
    /// The tenant's admin sets it (dashboard or Management API).
    TenantAdmin,
    /// It comes from the end user or their identity provider.
    EndUser,
    /// Not an Auth0 variable, or Auth0 documents no format for it.
    Undocumented,
}

/// The format of a value: what it can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `gten_` and hex digits.
    Ticket,
    /// A JWT: three base64url parts joined by dots.
    Jwt,
    /// A URL Auth0 builds: letters, digits and `-._~:/?#[]@!$&*+,;=%`.
    Auth0Url,
    /// A URL the tenant's admin gives, any RFC 3986 URL (`'` `(` `)` included).
    Url,
    /// A hex or opaque id: letters, digits, `-` and `_`.
    OpaqueId,
    /// A tenant name: lowercase letters, digits and `-`.
    TenantName,
    /// One of a few words.
    Enum(&'static [&'static str]),
    /// An Auth0 error code: `invalid_otp`.
    ErrorCode,
    /// An English sentence Auth0 writes: letters, digits, spaces and `.,:;!?()'-`.
    Auth0Message,
    /// A CSS hex colour: `#0a7c66`.
    Colour,
    Boolean,
    /// Any address RFC 5321 allows, quoted local parts with `\"` and `\\` included.
    Email,
    /// Any text.
    Text,
}

/// The values a variable can take, and whose they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domain {
    pub owner: Owner,
    pub format: Format,
    /// What it is, for messages: "email", "icon URL".
    pub noun: &'static str,
}

/// A trait of text that can break a page when written unescaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trait {
    DoubleQuote,
    SingleQuote,
    Backtick,
    Markup,
    LineBreak,
    NonAscii,
    Long,
    Backslash,
}

impl Trait {
    pub const ALL: [Trait; 8] = [
        Trait::DoubleQuote,
        Trait::SingleQuote,
        Trait::Backtick,
        Trait::Markup,
        Trait::LineBreak,
        Trait::NonAscii,
        Trait::Long,
        Trait::Backslash,
    ];

    /// What it is, in a message: "an end user's email can contain `\"`".
    pub fn describe(self) -> &'static str {
        match self {
            Trait::DoubleQuote => "`\"`",
            Trait::SingleQuote => "`'`",
            Trait::Backtick => "a backtick and `${`",
            Trait::Markup => "`</script>` and tags",
            Trait::LineBreak => "a line break",
            Trait::NonAscii => "non-ASCII text",
            Trait::Long => "very long text",
            Trait::Backslash => "a backslash",
        }
    }
}

impl Domain {
    const fn new(owner: Owner, format: Format, noun: &'static str) -> Domain {
        Domain {
            owner,
            format,
            noun,
        }
    }

    /// Any text, of a variable Auth0 does not document.
    pub const UNDOCUMENTED: Domain = Domain::new(Owner::Undocumented, Format::Text, "value");

    /// Whose value it is, for messages: "an end user's email".
    pub fn whose(&self) -> String {
        match self.owner {
            Owner::Auth0 => format!("Auth0's {}", self.noun),
            Owner::TenantAdmin => format!("the tenant admin's {}", self.noun),
            Owner::EndUser => format!("an end user's {}", self.noun),
            Owner::Undocumented => "its value".to_owned(),
        }
    }

    /// A value of this domain with `t` in it, or `None` when no value of the
    /// domain has it (a ticket never holds a quote).
    pub fn sample(&self, t: Trait) -> Option<String> {
        let long = |unit: &str, n: usize| unit.repeat(n);
        match (self.format, t) {
            (Format::Text, t) => Some(match t {
                Trait::DoubleQuote => "say \"hi\"".to_owned(),
                Trait::SingleQuote => "O'Brien".to_owned(),
                Trait::Backtick => "`cmd` ${x}".to_owned(),
                Trait::Markup => "</script><b>tag</b><!--".to_owned(),
                Trait::LineBreak => "line\nbreak\u{2028}end".to_owned(),
                Trait::NonAscii => "é漢😀\u{202E}".to_owned(),
                Trait::Long => long("long ", 100),
                // `\u` not followed by hex digits, and a trailing backslash.
                Trait::Backslash => "C:\\users\\".to_owned(),
            }),
            (Format::Email, t) => match t {
                Trait::DoubleQuote => Some("\"jo rivera\"@example.com".to_owned()),
                Trait::SingleQuote => Some("o'brien@example.com".to_owned()),
                Trait::Backtick => Some("jo`${x}@example.com".to_owned()),
                Trait::Markup => Some("\"</script><b>tag</b><!--\"@example.com".to_owned()),
                Trait::Long => Some(format!(
                    "{}@{}example.com",
                    long("a", 64),
                    long(&format!("{}.", "b".repeat(63)), 2)
                )),
                // A quoted pair `\u` and an escaped backslash.
                Trait::Backslash => Some("\"C:\\users\\\\\"@example.com".to_owned()),
                // RFC 5321: printable ASCII only, no line breaks.
                Trait::LineBreak | Trait::NonAscii => None,
            },
            (Format::Url, Trait::SingleQuote) => {
                Some("https://cdn.example.com/o'brien/logo.png".to_owned())
            }
            (Format::Url, Trait::Long) => Some(format!(
                "https://cdn.example.com/{}logo.png?v=(1)*!$+,;=@~%20",
                long("assets/", 60)
            )),
            (Format::Auth0Url, Trait::Long) => Some(format!(
                "https://acme.eu.auth0.com/authorize/resume?state={}&x=%2F",
                long("hKFo2SBT", 60)
            )),
            (Format::Jwt, Trait::Long) => Some(format!(
                "eyJhbGciOiJSUzI1NiJ9.{}.{}",
                long("eyJleHAiOjQxMDI0NDQ4MDB9", 20),
                long("c2lnbmF0dXJl-_", 20)
            )),
            (Format::Auth0Message, Trait::SingleQuote) => {
                Some("You've entered an invalid code.".to_owned())
            }
            _ => None,
        }
    }

    /// Every trait the domain allows in one value, the backslash last (where
    /// it escapes a closing quote); `None` when it allows none.
    pub fn composite(&self) -> Option<String> {
        match self.format {
            Format::Text => Some(
                Trait::ALL
                    .iter()
                    .filter_map(|t| self.sample(*t))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            // At most 64 octets before the `@`.
            Format::Email => Some(
                "\"\\\"hi\\\" O'B `c`${x}</script><b><!--C:\\users\\\\\"@example.com".to_owned(),
            ),
            _ => {
                let all: Vec<String> = Trait::ALL.iter().filter_map(|t| self.sample(*t)).collect();
                (!all.is_empty()).then(|| all.join(""))
            }
        }
    }
}

/// The domain of each key of `userData`.
const USER_DATA_DOMAINS: &[(&str, Domain)] = &[
    (
        "userId",
        Domain::new(
            Owner::EndUser,
            Format::Text,
            "user id (from their identity provider)",
        ),
    ),
    ("email", Domain::new(Owner::EndUser, Format::Email, "email")),
    (
        "friendlyUserId",
        Domain::new(
            Owner::EndUser,
            Format::Text,
            "friendly user id (a name or a login)",
        ),
    ),
    (
        "tenant",
        Domain::new(Owner::Auth0, Format::TenantName, "tenant name"),
    ),
    (
        "tenantFriendlyName",
        Domain::new(
            Owner::TenantAdmin,
            Format::Text,
            "friendly name for the tenant",
        ),
    ),
];

/// The domain of each key of an item of `errors`.
const ERROR_DOMAINS: &[(&str, Domain)] = &[
    (
        "message",
        Domain::new(Owner::Auth0, Format::Auth0Message, "error message"),
    ),
    (
        "code",
        Domain::new(Owner::Auth0, Format::ErrorCode, "error code"),
    ),
];

/// The domain of each scalar variable.
const SCALAR_DOMAINS: &[(&str, Domain)] = &[
    (
        "ticket",
        Domain::new(Owner::Auth0, Format::Ticket, "enrollment ticket"),
    ),
    (
        "requestToken",
        Domain::new(Owner::Auth0, Format::Jwt, "request token"),
    ),
    (
        "postActionURL",
        Domain::new(Owner::Auth0, Format::Auth0Url, "post action URL"),
    ),
    (
        "mfaServerUrl",
        Domain::new(Owner::Auth0, Format::Auth0Url, "MFA server URL"),
    ),
    (
        "globalTrackingId",
        Domain::new(Owner::Auth0, Format::OpaqueId, "tracking id"),
    ),
    (
        "iconUrl",
        Domain::new(Owner::TenantAdmin, Format::Url, "icon URL"),
    ),
    (
        "primaryColor",
        Domain::new(Owner::TenantAdmin, Format::Colour, "primary colour"),
    ),
    (
        "pageBackgroundColor",
        Domain::new(Owner::TenantAdmin, Format::Colour, "page background colour"),
    ),
    (
        "allowRememberBrowser",
        Domain::new(
            Owner::TenantAdmin,
            Format::Boolean,
            "remember-browser setting",
        ),
    ),
    (
        "stateCheckingMechanism",
        Domain::new(
            Owner::Auth0,
            Format::Enum(&["polling", "manual", "socket"]),
            "state checking mechanism",
        ),
    ),
];

/// The domain of the value at `path` (`userData.email`, `errors.message`,
/// `ticket`); anything Auth0 does not document is any text.
pub fn domain(path: &str) -> Domain {
    let (root, key) = path.split_once('.').unwrap_or((path, ""));
    let table = match (root, key) {
        ("userData", k) if !k.is_empty() => USER_DATA_DOMAINS,
        ("errors", k) if !k.is_empty() => ERROR_DOMAINS,
        (_, "") => SCALAR_DOMAINS,
        _ => return Domain::UNDOCUMENTED,
    };
    let name = if key.is_empty() { root } else { key };
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(Domain::UNDOCUMENTED, |(_, d)| *d)
}

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

    #[test]
    fn every_variable_has_a_domain() {
        for v in VARIABLES {
            let keys: Vec<String> = match v.shape {
                Shape::Scalar => vec![v.name.to_owned()],
                Shape::Object(keys) | Shape::ListOf(keys) => {
                    keys.iter().map(|k| format!("{}.{k}", v.name)).collect()
                }
            };
            for path in keys {
                assert_ne!(domain(&path), Domain::UNDOCUMENTED, "{path}");
            }
        }
        assert_eq!(domain("userData.nickname"), Domain::UNDOCUMENTED);
        assert_eq!(domain("custom"), Domain::UNDOCUMENTED);
    }

    #[test]
    fn auth0_formats_hold_no_quote_backslash_or_line_break() {
        for path in [
            "ticket",
            "requestToken",
            "postActionURL",
            "mfaServerUrl",
            "globalTrackingId",
            "stateCheckingMechanism",
            "userData.tenant",
            "errors.code",
            "iconUrl",
            "primaryColor",
        ] {
            let d = domain(path);
            for t in [
                Trait::DoubleQuote,
                Trait::Backslash,
                Trait::LineBreak,
                Trait::Markup,
            ] {
                assert_eq!(d.sample(t), None, "{path} {t:?}");
            }
        }
    }

    /// RFC 5321 `Mailbox`: `Local-part "@" Domain`, the local part a
    /// dot-string of atext or a quoted string of qtext and quoted pairs.
    fn is_rfc5321_mailbox(s: &str) -> bool {
        let Some((local, domain)) = s.rsplit_once('@') else {
            return false;
        };
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
        let local_ok =
            if let Some(inner) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
                let mut chars = inner.chars();
                let mut ok = true;
                while let Some(c) = chars.next() {
                    ok &= match c {
                        '\\' => chars.next().is_some_and(|n| (' '..='~').contains(&n)),
                        '"' => false,
                        c => (' '..='~').contains(&c),
                    };
                }
                ok
            } else {
                local
                    .split('.')
                    .all(|atom| !atom.is_empty() && atom.chars().all(atext))
            };
        let domain_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        local_ok && local.len() <= 64 && domain_ok && domain.len() <= 255
    }

    #[test]
    fn email_samples_are_addresses_rfc_5321_allows() {
        let email = domain("userData.email");
        assert_eq!(email.whose(), "an end user's email");
        let samples: Vec<String> = Trait::ALL.iter().filter_map(|t| email.sample(*t)).collect();
        assert_eq!(samples.len(), 6);
        for s in samples.iter().chain(email.composite().as_ref()) {
            assert!(is_rfc5321_mailbox(s), "{s}");
        }
        assert!(email.sample(Trait::Backslash).unwrap().contains("\\u"));
        assert!(email.sample(Trait::DoubleQuote).unwrap().contains('"'));
        assert!(!is_rfc5321_mailbox("line\nbreak@example.com"));
    }
}
