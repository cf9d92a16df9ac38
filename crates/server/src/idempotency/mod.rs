//! `Idempotency-Key` on state-changing requests: the first answer to a key is kept with a hash of the request,
//! and a repeat with the same key and the same request gets that answer again, changing nothing. The same key
//! with another request is refused (422 `idempotency_key_reused`); a repeat while the first is still running is
//! told so (409 `request_in_progress`).
//!
//! What it must never do (security review F1, F2, F8, F11):
//! - answer one caller with another's answer: keys are scoped by the *authenticated* caller (the staff member, the
//!   card manufacturer, the agency, the citizen's session, or "anonymous"), resolved here before anything is
//!   replayed; a request whose credentials do not hold is passed to its handler untouched, which refuses it;
//! - keep or replay a refusal of the caller (401, 403, 408, 413, 429) or a server error (5xx);
//! - keep personal data in clear: answers are sealed (XChaCha20-Poly1305, associated data = scope and key), and
//!   a handler may keep a small recipe instead of its answer ([`ReplayWith`]: the manufacturer's batch is
//!   rebuilt from its id, never stored) or nothing at all ([`NoStore`]: every verification is checked, limited
//!   and audited anew);
//! - buffer a large body for an anonymous caller ([`ANONYMOUS_BODY_LIMIT`]);
//! - leave a key "in progress" forever: a dropped request releases its key (also when it is dropped while the
//!   key is being claimed), and one whose process died is taken over after [`ABANDONED_AFTER`]. Rows expire after the configured time and are purged by a worker.

pub mod seal;

pub use seal::ReplaySeal;

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::time::Duration;
use store::journey::IdempotencyClaim;

/// The largest request body read for an anonymous caller that sends a key.
pub const ANONYMOUS_BODY_LIMIT: usize = 64 * 1024;
/// A claim still in progress this long after it was made belongs to a request that died.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(2 * crate::REQUEST_TIMEOUT.as_secs());

const ANONYMOUS: &str = "anonymous";

/// Response extension: keep these bytes instead of the answer; a repeat runs the handler again with
/// [`Replaying`] holding them, and the handler rebuilds its first answer without acting again.
#[derive(Debug, Clone)]
pub struct ReplayWith(pub Vec<u8>);

/// Request extension on a repeat whose first answer was kept as a [`ReplayWith`] recipe.
#[derive(Debug, Clone)]
pub struct Replaying(pub Vec<u8>);

/// Response extension: do not keep this answer; a repeat runs the handler again.
#[derive(Debug, Clone, Copy)]
pub struct NoStore;

/// What is kept for a finished request: a whole answer or a handler's recipe.
enum Kept {
    Answer { content_type: String, body: Vec<u8> },
    Recipe(Vec<u8>),
}

impl Kept {
    fn encode(&self) -> Vec<u8> {
        match self {
            Kept::Answer { content_type, body } => {
                let ct = content_type.as_bytes();
                let ct = &ct[..ct.len().min(255)];
                let mut out = Vec::with_capacity(2 + ct.len() + body.len());
                out.push(0);
                out.push(u8::try_from(ct.len()).unwrap_or(0));
                out.extend_from_slice(ct);
                out.extend_from_slice(body);
                out
            }
            Kept::Recipe(r) => {
                let mut out = Vec::with_capacity(1 + r.len());
                out.push(1);
                out.extend_from_slice(r);
                out
            }
        }
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (&kind, rest) = bytes.split_first()?;
        match kind {
            0 => {
                let (&n, rest) = rest.split_first()?;
                let n = usize::from(n);
                let ct = rest.get(..n)?;
                Some(Kept::Answer {
                    content_type: String::from_utf8(ct.to_vec()).ok()?,
                    body: rest.get(n..)?.to_vec(),
                })
            }
            1 => Some(Kept::Recipe(rest.to_vec())),
            _ => None,
        }
    }
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::POST | Method::DELETE) {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").cloned() else {
        return next.run(req).await;
    };
    // Credentials that do not hold: the handler answers 401/403; nothing is claimed, kept or replayed.
    let Some(principal) = principal(&state, req.headers()).await else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) => k.to_string(),
        _ => return invalid_key(),
    };
    let scope = format!("{} {} {principal}", req.method(), req.uri().path());
    let limit = if principal == ANONYMOUS {
        ANONYMOUS_BODY_LIMIT
    } else {
        crate::ENROLLMENT_BODY_LIMIT
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        return too_large();
    };
    let hash = request_hash(&parts.method, &parts.uri, &bytes);
    let now = chrono::Utc::now();
    let abandoned = chrono::Duration::from_std(ABANDONED_AFTER).unwrap_or(chrono::Duration::MAX);
    let ttl = chrono::Duration::from_std(state.settings.idempotency_ttl)
        .unwrap_or(chrono::Duration::hours(24));
    // The claim runs in a task of its own: a request dropped while its key is being claimed (the client went
    // away) would otherwise leave a claim that no guard releases. A claim nobody is waiting for is released.
    let (tx, rx) = tokio::sync::oneshot::channel();
    {
        let (store, scope, key) = (state.store.clone(), scope.clone(), key.clone());
        tokio::spawn(async move {
            let claim = store
                .idempotency_claim(&scope, &key, &hash, now, now - abandoned, now - ttl)
                .await;
            if let Err(Ok(IdempotencyClaim::Fresh)) = tx.send(claim) {
                if let Err(e) = store.idempotency_release(&scope, &key).await {
                    tracing::warn!(error = %e, "idempotency key not released");
                }
            }
        });
    }
    let Ok(claim) = rx.await else {
        return ApiError::internal().into_response();
    };
    let aad = format!("{scope}\n{key}");
    match claim {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(IdempotencyClaim::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let kept = state
                .services
                .replay_seal
                .0
                .open(&aad, &body)
                .ok()
                .and_then(|b| Kept::decode(&b));
            let mut res = match kept {
                Some(Kept::Answer { content_type, body }) => {
                    let mut res = Response::new(Body::from(body));
                    *res.status_mut() = status;
                    if let Ok(v) = HeaderValue::from_str(&content_type) {
                        res.headers_mut().insert(header::CONTENT_TYPE, v);
                    }
                    res
                }
                Some(Kept::Recipe(recipe)) => {
                    let mut req = Request::from_parts(parts, Body::from(bytes));
                    req.extensions_mut().insert(Replaying(recipe));
                    next.run(req).await
                }
                None => {
                    tracing::error!(
                        "a kept idempotent answer does not open (sealed under another key?)"
                    );
                    return ApiError::internal().into_response();
                }
            };
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return res;
        }
        Ok(IdempotencyClaim::InProgress) => {
            return ApiError::conflict(
                "request_in_progress",
                "درخواست نخست با همین کلید هنوز در جریان است",
                "the first request with this Idempotency-Key is still running",
            )
            .into_response()
        }
        Ok(IdempotencyClaim::Mismatch) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "این کلید تکرارناپذیری پیش‌تر برای درخواست دیگری به کار رفته است",
                "this Idempotency-Key was used for a different request",
            )
            .into_response()
        }
        Ok(IdempotencyClaim::Fresh) => {}
    }
    let mut claimed = Claimed {
        state: state.clone(),
        scope: scope.clone(),
        key: key.clone(),
        armed: true,
    };
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !worth_keeping(res.status()) || res.extensions().get::<NoStore>().is_some() {
        // Released before the answer leaves, so the caller's next request with the key runs at once.
        match state.store.idempotency_release(&scope, &key).await {
            Ok(()) => claimed.armed = false,
            Err(e) => tracing::warn!(error = %e, "idempotency key not released"),
        }
        return res;
    }
    let (rparts, rbody) = res.into_parts();
    let kept = match rparts.extensions.get::<ReplayWith>() {
        Some(ReplayWith(recipe)) => (Kept::Recipe(recipe.clone()), rbody),
        None => {
            let Ok(bytes) = to_bytes(rbody, crate::ENROLLMENT_BODY_LIMIT).await else {
                tracing::error!("an answer too large to keep for Idempotency-Key");
                return ApiError::internal().into_response();
            };
            let content_type = rparts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let answer = Kept::Answer {
                content_type,
                body: bytes.to_vec(),
            };
            (answer, Body::from(bytes))
        }
    };
    let (kept, body) = kept;
    let saved = match state.services.replay_seal.0.seal(&aad, &kept.encode()) {
        Ok(sealed) => {
            state
                .store
                .idempotency_finish(&scope, &key, rparts.status.as_u16(), &sealed)
                .await
        }
        Err(e) => {
            tracing::error!(error = %e, "idempotent answer not sealed");
            return ApiError::internal().into_response();
        }
    };
    match saved {
        Ok(()) => claimed.armed = false,
        Err(e) => tracing::error!(error = %e, "idempotency record not saved"),
    }
    Response::from_parts(rparts, body)
}

/// Answers kept for a repeat: not the caller's refusals (401, 403, 429), not a timeout or an oversized body,
/// not a server error.
fn worth_keeping(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::TOO_MANY_REQUESTS
        ))
}

/// A claim that is released unless its answer was kept: when the handler's answer is not worth keeping, when
/// keeping it failed, and when the request is dropped half-way (the client went away, the timeout fired).
struct Claimed {
    state: AppState,
    scope: String,
    key: String,
    armed: bool,
}

impl Drop for Claimed {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, scope, key) = (
            self.state.store.clone(),
            std::mem::take(&mut self.scope),
            std::mem::take(&mut self.key),
        );
        rt.spawn(async move {
            if let Err(e) = store.idempotency_release(&scope, &key).await {
                tracing::warn!(error = %e, "idempotency key not released");
            }
        });
    }
}

/// The request as far as a repeat must match it: method, path with query, body.
fn request_hash(method: &Method, uri: &axum::http::Uri, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b"\0");
    h.update(
        uri.path_and_query()
            .map_or(uri.path(), |p| p.as_str())
            .as_bytes(),
    );
    h.update(b"\0");
    h.update(body);
    hex::encode(h.finalize())
}

/// Who the request's credentials name, checked: `None` when one of them does not hold. Every credential the
/// request presents is part of the scope, so an answer is only repeated to a request that proves the same.
async fn principal(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let mut who = Vec::new();
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let token = crate::auth::bearer_token(v.to_str().ok()?)?;
        let staff = crate::auth::Staff::from_token(state, token).await.ok()?;
        who.push(format!("staff:{}", staff.username));
    }
    if headers.contains_key("x-api-key") {
        let hash = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|k| (1..=200).contains(&k.len()))
            .map(crate::agency::key::key_hash)?;
        if let Some(v) = state.store.vendor_by_key(&hash).await.ok()? {
            who.push(format!("vendor:{}", v.id));
        } else {
            let k = crate::agency::key::agency_key(state, &hash).await.ok()??;
            who.push(format!("agency:{}", k.agency.id));
        }
    }
    if crate::admin::login::token(headers).is_some() {
        let staff = crate::admin::login::staff(state, headers).await?;
        who.push(format!("staff:{}", staff.username));
    }
    // The portal's cookie names a tracking code and carries a tag over the holder's national code: it holds when
    // the tag checks against the application's holder.
    let now = std::time::SystemTime::now();
    for value in crate::web::session::cookie_values(headers) {
        let Some(tc) = value
            .split('.')
            .next()
            .and_then(|t| domain::TrackingCode::parse(t).ok())
        else {
            continue;
        };
        let Some((holder, _)) = state.store.owner_and_state(&tc).await.ok().flatten() else {
            continue;
        };
        let citizen = crate::web::session::Citizen {
            national_code: holder.as_str().to_string(),
            tracking_code: tc.as_str().to_string(),
        };
        if citizen.opened_by(&state.services.web_secret, value, now) {
            let id = Sha256::digest(format!(
                "{}.{}",
                citizen.national_code, citizen.tracking_code
            ));
            who.push(format!("citizen:{}", &hex::encode(id)[..32]));
        }
    }
    Some(if who.is_empty() {
        ANONYMOUS.to_string()
    } else {
        who.join("|")
    })
}

fn invalid_key() -> Response {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_idempotency_key",
        "کلید تکرارناپذیری باید ۱ تا ۲۵۵ نویسهٔ لاتین باشد",
        "Idempotency-Key must be 1 to 255 visible ASCII characters",
    )
    .into_response()
}

fn too_large() -> Response {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_body",
        "بدنهٔ درخواست بیش از اندازه است",
        "request body too large",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_answers_round_trip_and_open_only_under_their_scope() {
        let seal = ReplaySeal::new([7; 32]);
        let kept = Kept::Answer {
            content_type: "application/json".into(),
            body: b"{\"a\":1}".to_vec(),
        };
        let sealed = seal.0.seal("s\nk", &kept.encode()).expect("seal");
        assert!(!sealed.windows(7).any(|w| w == b"{\"a\":1}"));
        let opened = seal.0.open("s\nk", &sealed).expect("open");
        match Kept::decode(&opened) {
            Some(Kept::Answer { content_type, body }) => {
                assert_eq!(content_type, "application/json");
                assert_eq!(body, b"{\"a\":1}");
            }
            _ => panic!("not an answer"),
        }
        assert!(seal.0.open("other\nk", &sealed).is_err());
        assert!(matches!(
            Kept::decode(&Kept::Recipe(b"17".to_vec()).encode()),
            Some(Kept::Recipe(r)) if r == b"17"
        ));
    }

    #[test]
    fn refusals_are_never_kept() {
        for s in [401, 403, 408, 413, 429, 500, 503] {
            assert!(!worth_keeping(StatusCode::from_u16(s).expect("status")));
        }
        for s in [200, 201, 204, 404, 409, 422] {
            assert!(worth_keeping(StatusCode::from_u16(s).expect("status")));
        }
    }
}
