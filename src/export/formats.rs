//! The shapes Auth0's tools take the exported template in.

use std::path::PathBuf;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The template itself, to paste into the dashboard
    Html,
    /// The JSON body of `PATCH /api/v2/tenants/settings`
    TenantSettings,
    /// auth0-deploy-cli directory mode: pages/guardian_multifactor.{html,json}
    DeployCli,
    /// A Terraform `auth0_pages` resource reading the html file
    Terraform,
}

impl Format {
    /// Formats that write a folder of files (`--out-dir`).
    pub fn is_folder(self) -> bool {
        matches!(self, Format::DeployCli | Format::Terraform)
    }
}

/// The single output of `html` and `tenant-settings`.
pub fn single(format: Format, template: &str) -> String {
    match format {
        Format::TenantSettings => {
            let body = serde_json::json!({
                "guardian_mfa_page": { "enabled": true, "html": template }
            });
            let mut text = serde_json::to_string_pretty(&body).expect("a JSON value serializes");
            text.push('\n');
            text
        }
        _ => template.to_owned(),
    }
}

/// The files of a folder format: `(path under --out-dir, contents)`.
pub fn folder(format: Format, template: &str) -> Vec<(PathBuf, String)> {
    match format {
        Format::DeployCli => {
            let meta = serde_json::json!({
                "name": "guardian_multifactor",
                "enabled": true,
                "html": "./guardian_multifactor.html"
            });
            let mut meta = serde_json::to_string_pretty(&meta).expect("a JSON value serializes");
            meta.push('\n');
            vec![
                (
                    PathBuf::from("pages/guardian_multifactor.html"),
                    template.to_owned(),
                ),
                (PathBuf::from("pages/guardian_multifactor.json"), meta),
            ]
        }
        Format::Terraform => vec![
            (
                PathBuf::from("guardian_multifactor.html"),
                template.to_owned(),
            ),
            (
                PathBuf::from("auth0_pages.tf"),
                concat!(
                    "# Auth0 Classic Multi-factor Authentication page, exported by mfa-page.\n",
                    "resource \"auth0_pages\" \"guardian_mfa\" {\n",
                    "  guardian_mfa {\n",
                    "    enabled = true\n",
                    "    html    = file(\"${path.module}/guardian_multifactor.html\")\n",
                    "  }\n",
                    "}\n"
                )
                .to_owned(),
            ),
        ],
        Format::Html | Format::TenantSettings => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_settings_is_the_patch_body() {
        let text = single(Format::TenantSettings, "<p>\"{{ x }}\"</p>");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["guardian_mfa_page"]["enabled"], true);
        assert_eq!(value["guardian_mfa_page"]["html"], "<p>\"{{ x }}\"</p>");
    }

    #[test]
    fn deploy_cli_names_the_page() {
        let files = folder(Format::DeployCli, "T");
        assert_eq!(
            files[0],
            (
                PathBuf::from("pages/guardian_multifactor.html"),
                "T".to_owned()
            )
        );
        let meta: serde_json::Value = serde_json::from_str(&files[1].1).unwrap();
        assert_eq!(meta["name"], "guardian_multifactor");
        assert_eq!(meta["html"], "./guardian_multifactor.html");
    }
}
