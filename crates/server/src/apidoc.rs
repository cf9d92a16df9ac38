//! The answers the OpenAPI document owes every operation because of what all routes share, added in one place so
//! that no handler's annotation can leave them out:
//! - an operation with a `security` requirement (or an `X-Api-Key` header): 401 `unauthorized` (`crate::auth`,
//!   the vendors' and agencies' key extractors);
//! - a JSON request body: 415 without the JSON content type, 422 `invalid_body` when it does not parse
//!   ([`crate::extract::ApiJson`]);
//! - a parameter in the path or the query: 422 `invalid_path` / `invalid_query` when it does not parse
//!   ([`crate::extract::ApiPath`], [`crate::extract::ApiQuery`]), or breaks its rule;
//! - `POST` and `DELETE`: 422 `invalid_idempotency_key` / `idempotency_key_reused` (`crate::idempotency`), and
//!   the `Idempotency-Key` parameter's form: 1 to 255 visible ASCII characters (inner spaces allowed).
//!
//! A status an operation documents itself is left as it is (its description names the codes it gives); this only
//! adds the ones it does not. Roles (403) and rate limits (429) differ per operation and stay in the annotations.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};

pub struct SharedAnswers;

impl utoipa::Modify for SharedAnswers {
    fn modify(&self, doc: &mut OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let ops = [
                (&mut item.get, false),
                (&mut item.put, false),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, false),
            ];
            for (op, keyed) in ops {
                if let Some(op) = op.as_mut() {
                    add(op, keyed);
                }
            }
        }
    }
}

/// What `crate::idempotency` takes as a key: visible ASCII, spaces only inside (HTTP trims the ends).
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]([\\t -~]*[!-~])?$";

fn idempotency_key_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some(IDEMPOTENCY_KEY_PATTERN))
        .build()
}

fn add(op: &mut Operation, idempotency_keyed: bool) {
    for p in op.parameters.iter_mut().flatten() {
        if p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case("idempotency-key") {
            p.schema = Some(idempotency_key_schema().into());
        }
    }
    let params = op.parameters.as_deref().unwrap_or_default();
    let api_key = params
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case("x-api-key"));
    let path_or_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query));
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty()) || api_key;
    let json_body = op.request_body.as_ref().is_some_and(is_json);

    if secured {
        answer(
            op,
            "401",
            "`unauthorized`: no valid session token (`Authorization: Bearer …`) or API key (`X-Api-Key`)",
        );
    }
    if json_body {
        answer(
            op,
            "415",
            "`invalid_body`: the body was not sent as `application/json`",
        );
    }
    let mut malformed = Vec::new();
    if json_body {
        malformed.push("`invalid_body`: the body is not JSON of the documented shape");
    }
    if path_or_query {
        malformed.push(
            "`invalid_path` / `invalid_query`, or the rule a parameter breaks (`invalid_tracking_code`, …)",
        );
    }
    if idempotency_keyed {
        malformed.push("`invalid_idempotency_key`, `idempotency_key_reused`");
    }
    if !malformed.is_empty() {
        answer(op, "422", &malformed.join("; "));
    }
}

fn is_json(body: &RequestBody) -> bool {
    body.content
        .keys()
        .any(|k| k.starts_with("application/json"))
}

/// Adds `status` with the error shape, unless the operation documents it already.
fn answer(op: &mut Operation, status: &str, description: &str) {
    if op.responses.responses.contains_key(status) {
        return;
    }
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    op.responses
        .responses
        .insert(status.to_string(), response.into());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn every_operation_documents_the_shared_answers() {
        let doc = serde_json::to_value(crate::openapi()).unwrap();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let has = |s: &str| op["responses"].get(s).is_some();
                let secured = op
                    .get("security")
                    .and_then(|s| s.as_array())
                    .is_some_and(|s| !s.is_empty());
                if secured {
                    assert!(has("401"), "{method} {path}: no 401");
                }
                if op["requestBody"]["content"]
                    .get("application/json")
                    .is_some()
                {
                    assert!(has("415") && has("422"), "{method} {path}: no 415/422");
                }
                if method == "post" || method == "delete" {
                    assert!(has("422"), "{method} {path}: no 422");
                }
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked} operations");
    }

    #[test]
    fn the_idempotency_key_is_documented_as_the_layer_takes_it() {
        let doc = serde_json::to_value(crate::openapi()).unwrap();
        let key = doc["paths"]["/api/v1/applications"]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Idempotency-Key")
            .unwrap()
            .clone();
        assert_eq!(key["schema"]["pattern"], super::IDEMPOTENCY_KEY_PATTERN);
        assert_eq!(key["schema"]["maxLength"], 255);
        assert_eq!(key["schema"]["minLength"], 1);
    }
}
