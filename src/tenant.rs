//! Reaching a tenant: its domain and a Management API token, from the flags,
//! the environment and a deploy-cli config (see [`crate::config`]), and the
//! tenant's MFA page as it is now.
//!
//! Token precedence: `--token-file` or `AUTH0_MGMT_TOKEN`, then
//! `AUTH0_ACCESS_TOKEN`, then the client-credentials grant with
//! `AUTH0_CLIENT_ID` and `AUTH0_CLIENT_SECRET` (once per run).

use serde_json::Value as Json;

use crate::api::{ApiError, Client, Endpoint, RealSleeper, Request, Secret, Sleeper, Token};
use crate::cli::ApiArgs;
use crate::config::{self, Config, Setting};
use crate::diagnostic::Diagnostic;

/// The configuration a command that reaches a tenant runs with.
pub fn load_config(api: &ApiArgs) -> Result<Config, Diagnostic> {
    Config::load(api.config.config.as_deref(), api.config.keywords_from_env)
}

/// `--dry-run`: print the request as it would be sent, naming where the
/// token would come from (never the token), and send nothing.
pub fn dry_run(
    request: &Request,
    endpoint: &Endpoint,
    api: &ApiArgs,
    config: &Config,
) -> Result<(), Diagnostic> {
    let from = credentials(api, config).ok().map(|c| c.describe());
    crate::output::write_stdout(request.describe(endpoint, from.as_deref()).as_bytes())?;
    eprintln!("dry run: nothing was sent");
    Ok(())
}

/// The tenant's endpoint: `--domain`, else `AUTH0_DOMAIN`. A note about
/// a stripped scheme or path goes to stderr.
pub fn endpoint(api: &ApiArgs, config: &Config) -> Result<Endpoint, Diagnostic> {
    let domain = match (&api.domain, &config.domain) {
        (Some(d), _) => d.clone(),
        (None, Some(s)) => s.value.clone(),
        (None, None) => {
            return Err(Diagnostic::error("no tenant domain: pass --domain or set AUTH0_DOMAIN")
                .with_help(
                    "AUTH0_DOMAIN may be in the environment or in a deploy-cli config (--config FILE); \
                     it is the tenant's Auth0 domain, such as acme.eu.auth0.com",
                ));
        }
    };
    let (endpoint, note) = Endpoint::parse(&domain, api.insecure_http)?;
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(endpoint)
}

/// Where the token will come from.
#[derive(Debug)]
pub enum Credentials {
    Token {
        token: Token,
        from: String,
    },
    ClientCredentials {
        id: Setting<String>,
        secret: Setting<Secret>,
    },
}

impl Credentials {
    /// Said in a dry run, secret-free: "AUTH0_MGMT_TOKEN", "client credentials of …".
    pub fn describe(&self) -> String {
        match self {
            Credentials::Token { from, .. } => from.clone(),
            Credentials::ClientCredentials { id, .. } => format!(
                "a token from the client-credentials grant for {} ({}), not requested in a dry run",
                id.value, id.from
            ),
        }
    }
}

/// The credentials to use, in the documented order.
pub fn credentials(api: &ApiArgs, config: &Config) -> Result<Credentials, Diagnostic> {
    if let Some(token) = Secret::explicit_token(api.token_file.as_deref())? {
        let from = match &api.token_file {
            Some(_) => "--token-file".to_owned(),
            None => "AUTH0_MGMT_TOKEN".to_owned(),
        };
        return Ok(Credentials::Token { token, from });
    }
    if let Some(t) = &config.access_token {
        let token = Secret::token_from(t.value.expose(), &t.from)?;
        return Ok(Credentials::Token {
            token,
            from: t.from.clone(),
        });
    }
    match (&config.client_id, &config.client_secret) {
        (Some(id), Some(secret)) => Ok(Credentials::ClientCredentials {
            id: id.clone(),
            secret: secret.clone(),
        }),
        (Some(id), None) => Err(Diagnostic::error(format!(
            "{} is set ({}), but {} is not",
            config::CLIENT_ID,
            id.from,
            config::CLIENT_SECRET
        ))
        .with_help("set AUTH0_CLIENT_SECRET in the environment or in the deploy-cli config")),
        (None, Some(secret)) => Err(Diagnostic::error(format!(
            "{} is set ({}), but {} is not",
            config::CLIENT_SECRET,
            secret.from,
            config::CLIENT_ID
        ))
        .with_help("set AUTH0_CLIENT_ID in the environment or in the deploy-cli config")),
        (None, None) => Err(Diagnostic::error("no Management API credentials").with_help(
            "set AUTH0_MGMT_TOKEN (or pass --token-file FILE) to a Management API token, or give \
             AUTH0_ACCESS_TOKEN, or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET of a machine-to-machine \
             application, in the environment or in a deploy-cli config (--config FILE)",
        )),
    }
}

/// A client holding a token: the given one, or one obtained now by the
/// client-credentials grant.
pub fn connect(
    endpoint: &Endpoint,
    credentials: Credentials,
    sleeper: &mut dyn Sleeper,
) -> Result<Client, ApiError> {
    match credentials {
        Credentials::Token { token, .. } => Ok(Client::new(endpoint.clone(), token)),
        Credentials::ClientCredentials { id, secret } => {
            let mut grant = Client::anonymous(endpoint.clone());
            grant.also_redact(&secret.value);
            let request = Request::client_credentials(endpoint, &id.value, &secret.value);
            let answer = grant.send(&request, sleeper)?;
            let Some(token) = answer.get("access_token").and_then(Json::as_str) else {
                return Err(ApiError {
                    status: Some(200),
                    diagnostic: Diagnostic::error(
                        "POST /oauth/token answered without an access_token; treating it as a failure",
                    )
                    .with_help("check the domain: it must be the tenant's Auth0 domain"),
                });
            };
            let token = Secret::token_from(token, "the client-credentials grant").map_err(|d| {
                ApiError {
                    status: Some(200),
                    diagnostic: d,
                }
            })?;
            let mut client = Client::new(endpoint.clone(), token);
            client.also_redact(&secret.value);
            Ok(client)
        }
    }
}

/// Flags and config to a connected client, in one call.
pub fn open(api: &ApiArgs, config: &Config) -> Result<Client, ApiError> {
    let plain = |diagnostic| ApiError {
        status: None,
        diagnostic,
    };
    let endpoint = endpoint(api, config).map_err(plain)?;
    let credentials = credentials(api, config).map_err(plain)?;
    connect(&endpoint, credentials, &mut RealSleeper)
}

/// The tenant's MFA page now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantPage {
    /// Whether the custom page is on.
    pub enabled: bool,
    /// Its template; `None` when the tenant has none.
    pub html: Option<String>,
}

/// `GET /api/v2/tenants/settings`, the `guardian_mfa_page` field.
pub fn read_page(client: &Client) -> Result<TenantPage, ApiError> {
    let answer = client.send(&Request::read_page(), &mut RealSleeper)?;
    let bad = |what: &str| ApiError {
        status: Some(200),
        diagnostic: Diagnostic::error(format!(
            "GET /api/v2/tenants/settings answered, but {what}; treating it as a failure"
        )),
    };
    let Json::Object(settings) = answer else {
        return Err(bad("not with a JSON object"));
    };
    match settings.get("guardian_mfa_page") {
        None | Some(Json::Null) => Ok(TenantPage {
            enabled: false,
            html: None,
        }),
        Some(Json::Object(page)) => {
            let enabled = match page.get("enabled") {
                None | Some(Json::Null) => false,
                Some(Json::Bool(b)) => *b,
                Some(_) => return Err(bad("guardian_mfa_page.enabled is not true or false")),
            };
            let html = match page.get("html") {
                None | Some(Json::Null) => None,
                Some(Json::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad("guardian_mfa_page.html is not a string")),
            };
            Ok(TenantPage { enabled, html })
        }
        Some(_) => Err(bad("guardian_mfa_page is not an object")),
    }
}
