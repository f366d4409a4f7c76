//! Where a webhook may be sent, and the HTTP client that sends it. A target must be HTTPS and reach only public
//! addresses, judged both when the subscription is saved and at every connection (the client's own resolver refuses
//! a name that resolves to a private address, so a DNS answer that changes after the check cannot reach inside).
//! `PENGADUAN_WEBHOOK_ALLOW_PRIVATE=true` lifts both rules, for development and tests.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Once};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhook::{ATTEMPT_TIMEOUT, is_public};
use crate::error::ApiError;

/// How long the check waits for the host name to resolve.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Checks a target URL an admin gave: absolute, `https` (or `http` when private targets are allowed), no credentials
/// in it, and every address its host resolves to public.
pub async fn check(url: &str, allow_private: bool) -> Result<Url, ApiError> {
    let invalid = |code: &'static str, message: &str| ApiError::invalid_field("url", code, message);
    let parsed =
        Url::parse(url).map_err(|_| invalid("invalid_url", "an absolute URL such as https://example.org/hook"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(invalid("https_required", "webhooks are sent only over HTTPS")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("credentials_in_url", "put no user name or password in the URL; verify the signature"));
    }
    let Some(host) = parsed.host_str().map(|host| host.trim_start_matches('[').trim_end_matches(']').to_owned()) else {
        return Err(invalid("invalid_url", "the URL has no host"));
    };
    if allow_private {
        return Ok(parsed);
    }
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(address) => vec![address],
        Err(_) => tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((host.as_str(), 0)))
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| invalid("unresolvable_host", "the host name does not resolve"))?
            .map(|address| address.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(invalid("unresolvable_host", "the host name does not resolve"));
    }
    if addresses.iter().any(|address| !is_public(*address)) {
        return Err(invalid(
            "private_address",
            "the URL reaches a loopback, private or link-local address; webhooks go only to public addresses",
        ));
    }
    Ok(parsed)
}

/// The resolver of the sending client: the system's, but a name with any non-public address is refused.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addresses.is_empty() || addresses.iter().any(|address| !is_public(address.ip())) {
                return Err(format!("{host} resolves to no address or to a non-public one").into());
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// Installs the process's TLS crypto provider (ring; see Cargo.toml) once. Every HTTPS client in the process needs
/// it, whichever builds first: reqwest panics when it finds none.
pub fn install_crypto_provider() {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Another install that raced this one leaves a provider in place all the same.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The client webhooks are sent with: no redirects followed (a 3xx is a failure: the URL should be updated), no proxy
/// from the environment, the attempt timeout, and the public-only resolver unless private targets are allowed.
pub fn client(allow_private: bool) -> anyhow::Result<reqwest::Client> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("pengaduan-webhooks/", env!("CARGO_PKG_VERSION")));
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    Ok(builder.build()?)
}

/// Whether a URL about to be sent to names a literal address that is not public (the resolver never sees those).
pub fn literal_address_refused(url: &Url, allow_private: bool) -> bool {
    if allow_private {
        return false;
    }
    url.host_str()
        .and_then(|host| host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok())
        .is_some_and(|address| !is_public(address))
}
