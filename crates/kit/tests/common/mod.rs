//! What the kit's end-to-end tests share: the service on a real port, and the kit's cable.

use axum::http::StatusCode;
use kit::KitDir;
use serde_json::json;
use testkit::{Call, TestApp};

/// The service listening on a real port (the kit talks HTTP to it): its URL.
pub async fn listen(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// Points the kit at another service address (pulling the cable: a port nobody listens on).
pub fn point_at(dir: &KitDir, server: &str) {
    let mut f = dir.read().unwrap();
    f.server = server.to_string();
    dir.write(&f).unwrap();
}

/// The desk's router on the kit's own database, in kit mode, and an operator's `Authorization`.
pub async fn kit_desk(dir: &KitDir, unit: &str) -> (axum::Router, String) {
    let store = dir.store().await.unwrap();
    testkit::app::create_staff(&store, "kitop", domain::Role::Operator, Some(unit), None).await;
    let mode = dir.mode().unwrap();
    let state = server::AppState::new(store, testkit::quiet())
        .with_services(|s| s.kit = Some(std::sync::Arc::new(mode)));
    let router = server::router(state);
    let a = Call::new(&router, "POST", "/api/v1/auth/login")
        .json(&json!({"username": "kitop", "password": testkit::PASSWORD}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let token = a.json()["token"].as_str().unwrap().to_string();
    (router, format!("Bearer {token}"))
}
