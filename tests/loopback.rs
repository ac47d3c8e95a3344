//! Browser sign-in against a mock Entra (wiremock), with the test as the browser: PKCE and the
//! loopback redirect, and callbacks that do not belong to the sign-in in progress (another local
//! process guessing the port) being refused without ending it.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::entra::*;
use support::*;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The authorization code `code` redeems for a Graph token; refresh grants yield ARM tokens.
async fn mount_code_redemption(server: &MockServer, code: &str) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains(format!("code={code}&").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&jwt(GRAPH, json!({})), "rt-b")))
        .mount(server)
        .await;
    mount_refresh(server, &jwt(ARM, json!({})), "rt-c").await;
}

/// What the loopback listener answers to `query`: status and page text.
async fn call_back(url: &url::Url, query: &str) -> (u16, String) {
    let page = reqwest::get(format!("{}?{query}", loopback_of(url))).await.unwrap();
    (page.status().as_u16(), page.text().await.unwrap())
}

async fn redeemed_codes(server: &MockServer) -> Vec<String> {
    requests_to(server, TOKEN_PATH)
        .await
        .iter()
        .map(form)
        .filter(|f| f["grant_type"] == "authorization_code")
        .map(|f| f["code"].clone())
        .collect()
}

#[tokio::test]
async fn browser_sign_in_uses_pkce_and_the_loopback_redirect() {
    let server = MockServer::start().await;
    mount_code_redemption(&server, "the-code").await;
    let (connecting, events) = connect_with_browser(&server);

    let url = play_browser_until_prompt(&events).await;
    let query = query_of(&url);
    assert_eq!(url.path(), "/contoso.example/oauth2/v2.0/authorize");
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert_eq!(query["response_mode"], "query");
    assert_eq!(query["client_id"], CLIENT);
    assert!(query["scope"].contains("offline_access"));
    assert!(query["redirect_uri"].starts_with("http://localhost:"));
    assert!(serde_json::from_str::<Value>(&query["claims"]).unwrap()["access_token"]["xms_cc"].is_object());
    let (status, page) = call_back(&url, &format!("code=the-code&state={}", query["state"])).await;
    assert_eq!(status, 200);
    assert!(page.contains("signed in"));

    let context = connecting.await.unwrap().unwrap();
    assert_eq!(context.account().unwrap().username, "adele@contoso.example");
    let redemption = requests_to(&server, TOKEN_PATH)
        .await
        .iter()
        .map(form)
        .find(|f| f["grant_type"] == "authorization_code")
        .unwrap();
    assert_eq!(redemption["code"], "the-code");
    assert_eq!(redemption["redirect_uri"], query["redirect_uri"]);
    let verifier = &redemption["code_verifier"];
    assert!((43..=128).contains(&verifier.len()));
    use base64::Engine as _;
    use sha2::Digest as _;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    assert_eq!(
        challenge, query["code_challenge"],
        "S256(verifier) is the challenge that was sent"
    );
}

#[tokio::test]
async fn a_forged_callback_is_refused_and_the_real_one_completes_the_sign_in() {
    let server = MockServer::start().await;
    mount_code_redemption(&server, "the-code").await;
    let (connecting, events) = connect_with_browser(&server);
    let url = play_browser_until_prompt(&events).await;

    for forged in ["code=stolen&state=forged", "code=stolen"] {
        let (status, page) = call_back(&url, forged).await;
        assert_eq!(status, 400, "{forged}");
        assert!(page.contains("rejected"), "{forged}: {page}");
        assert!(!page.contains("signed in"), "{forged}: {page}");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!connecting.is_finished(), "a forged callback does not end the sign-in");

    let state = &query_of(&url)["state"];
    let (status, _) = call_back(&url, &format!("code=the-code&state={state}")).await;
    assert_eq!(status, 200);
    let context = connecting.await.unwrap().unwrap();
    assert_eq!(context.account().unwrap().username, "adele@contoso.example");
    assert_eq!(
        redeemed_codes(&server).await,
        ["the-code"],
        "a forged code is never redeemed"
    );
}

#[tokio::test]
async fn a_forged_error_callback_does_not_end_the_sign_in() {
    let server = MockServer::start().await;
    mount_code_redemption(&server, "the-code").await;
    let (connecting, events) = connect_with_browser(&server);
    let url = play_browser_until_prompt(&events).await;

    for forged in [
        "error=access_denied&error_description=forged&state=forged",
        "error=access_denied&error_description=forged",
    ] {
        let (status, page) = call_back(&url, forged).await;
        assert_eq!(status, 400, "{forged}");
        assert!(page.contains("rejected"), "{forged}: {page}");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!connecting.is_finished(), "a forged error does not end the sign-in");

    let state = &query_of(&url)["state"];
    call_back(&url, &format!("code=the-code&state={state}")).await;
    let context = connecting.await.unwrap().unwrap();
    assert_eq!(context.account().unwrap().username, "adele@contoso.example");
}

#[tokio::test]
async fn an_error_callback_of_this_sign_in_ends_it_with_the_error() {
    let server = MockServer::start().await;
    let (connecting, events) = connect_with_browser(&server);
    let url = play_browser_until_prompt(&events).await;
    let state = &query_of(&url)["state"];
    let (status, page) = call_back(
        &url,
        &format!("error=access_denied&error_description=AADSTS65004%3A+User+declined&state={state}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign-in failed"), "{page}");
    let error = connecting.await.unwrap().unwrap_err();
    assert_eq!(error.code(), "access_denied");
    assert!(error.to_string().contains("AADSTS65004"), "{error}");
    assert!(redeemed_codes(&server).await.is_empty());
}
