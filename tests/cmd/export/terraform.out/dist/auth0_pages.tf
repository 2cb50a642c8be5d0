# Auth0 Classic Multi-factor Authentication page, exported by mfa-page.
resource "auth0_pages" "guardian_mfa" {
  guardian_mfa {
    enabled = true
    html    = file("${path.module}/guardian_multifactor.html")
  }
}
