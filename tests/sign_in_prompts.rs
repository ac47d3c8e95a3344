//! Which sign-in prompts a connect shows (mock Entra): with the default apps, one labelled prompt per
//! app, ARM's only when ARM is first needed; with one app registration, one prompt for both APIs.

mod support;

use pimrust_core::auth::authenticator::{ConnectOptions, SignInStatus};
use pimrust_core::auth::cloud::{AZURE_POWERSHELL, GRAPH_COMMAND_LINE_TOOLS, Resource};
use pimrust_core::events::EventSink;
use serde_json::{Value, json};
use support::entra::*;
use support::*;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One device code per app, each approved at the first poll with a token for its API.
async fn mount_one_device_code_per_app(server: &MockServer) {
    for (client, device_code, user_code, token) in [
        (GRAPH_COMMAND_LINE_TOOLS, "dc-graph", "GRAPH-1", jwt(GRAPH, json!({}))),
        (AZURE_POWERSHELL, "dc-arm", "ARM-2", jwt(ARM, json!({}))),
    ] {
        Mock::given(method("POST"))
            .and(path(DEVICE_PATH))
            .and(body_string_contains(format!("client_id={client}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "device_code": device_code, "user_code": user_code, "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 60, "interval": 0,
                "message": format!("To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code {user_code} to authenticate."),
            })))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .and(body_string_contains(format!("device_code={device_code}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&token, "rt")))
            .mount(server)
            .await;
    }
}

fn prompts(events: &EventSink) -> Vec<Value> {
    events_of(events)
        .into_iter()
        .filter(|e| e["event"] == "deviceCode")
        .collect()
}

fn token_resources(context: &SignInStatus) -> Vec<&str> {
    context.tokens().iter().map(|t| t.resource.name()).collect()
}

#[tokio::test]
async fn each_default_app_prompts_with_its_label_and_arm_only_when_first_needed() {
    let server = MockServer::start().await;
    mount_one_device_code_per_app(&server).await;
    let auth = authenticator(None);
    let options = ConnectOptions {
        client_id: None,
        ..device_code_options(&server.uri())
    };
    let events = EventSink::buffered();
    let context = auth.connect(options, &events).await.unwrap();
    let graph = prompts(&events);
    assert_eq!(graph.len(), 1, "connect signs in to Graph only: {graph:?}");
    assert_eq!(graph[0]["resource"], "Microsoft Graph");
    assert_eq!(
        (graph[0]["step"].as_u64(), graph[0]["steps"].as_u64()),
        (Some(1), Some(2))
    );
    let message = graph[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("(1 of 2: Microsoft Graph) ") && message.contains("GRAPH-1"),
        "{message}"
    );
    assert_eq!(token_resources(&context), ["Microsoft Graph"]);
    assert_eq!(requests_to(&server, DEVICE_PATH).await.len(), 1);

    let events = EventSink::buffered();
    auth.access_token(Resource::Arm, None, &events, true).await.unwrap();
    let arm = prompts(&events);
    assert_eq!(arm.len(), 1, "{arm:?}");
    assert_eq!(arm[0]["resource"], "Azure Resource Manager");
    assert_eq!((arm[0]["step"].as_u64(), arm[0]["steps"].as_u64()), (Some(2), Some(2)));
    let message = arm[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("(2 of 2: Azure Resource Manager) ") && message.contains("ARM-2"),
        "{message}"
    );
}

#[tokio::test]
async fn one_app_registration_signs_in_once_for_both_apis() {
    let server = MockServer::start().await;
    mount_device_code_sign_in(&server, &jwt(GRAPH, json!({}))).await;
    let auth = authenticator(None);
    let events = EventSink::buffered();
    let context = auth.connect(device_code_options(&server.uri()), &events).await.unwrap();
    let shown = prompts(&events);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(
        (shown[0]["step"].as_u64(), shown[0]["steps"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        shown[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("(Microsoft Graph and Azure Resource Manager) "),
        "{}",
        shown[0]["message"]
    );
    assert_eq!(requests_to(&server, DEVICE_PATH).await.len(), 1);
    assert_eq!(token_resources(&context), ["Azure Resource Manager", "Microsoft Graph"]);
    let refreshed_for_arm =
        requests_to(&server, TOKEN_PATH).await.iter().map(form).any(|f| {
            f["grant_type"] == "refresh_token" && f["refresh_token"] == "rt-1" && f["scope"].contains(".default")
        });
    assert!(
        refreshed_for_arm,
        "ARM's token came from the Graph sign-in's refresh token"
    );
}
