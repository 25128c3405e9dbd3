//! The `Authenticated` extractor: a verified access token whose session is live and whose
//! user is active, turned into an [`Actor`] from the database (never from the token's
//! or the body's say-so).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use tandem_domain::Actor;
use tandem_service::sessions;

use crate::auth::jwt;
use crate::error::ApiError;
use crate::state::AppState;

/// The caller of an authenticated route.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub family_id: String,
    /// The request id, for audit events.
    pub request_id: Option<String>,
}

/// The request id tracing-actix-web assigned, if any.
pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<tracing_actix_web::RequestId>().map(ToString::to_string)
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header =
            req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let request_id = request_id(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("app state missing"))?;
            let header =
                header.ok_or(ApiError::Unauthorized("sign in first: send Authorization: Bearer <access token>"))?;
            let token = header
                .strip_prefix("Bearer ")
                .or_else(|| header.strip_prefix("bearer "))
                .ok_or(ApiError::Unauthorized("the Authorization header must be Bearer <access token>"))?
                .trim()
                .to_owned();
            let now = state.clock.now();
            let claims = jwt::verify(&state.keys, &state.config, &token, now)?;
            if let Some(actor) = state.sessions.get(&claims.sid, now)
                && actor.user_id == claims.sub
            {
                return Ok(Self { actor, family_id: claims.sid, request_id });
            }
            let (sid, sub) = (claims.sid.clone(), claims.sub.clone());
            let live = crate::db::call_anon(&state, request_id.as_deref(), move |env| sessions::live(env, &sid, &sub))
                .await?
                .ok_or(ApiError::Unauthorized("the session has ended; sign in again"))?;
            let actor = live.actor;
            state.sessions.put(&claims.sid, actor.clone(), live.expires_at, now);
            Ok(Self { actor, family_id: claims.sid, request_id })
        })
    }
}
