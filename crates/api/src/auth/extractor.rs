//! The `Authenticated` extractor: a verified access token whose session is live and whose
//! user is active, turned into an [`Actor`] from the database (never from the token's
//! or the body's say-so).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use tandem_domain::{Actor, UserStatus};
use tandem_store::{StoreError, sessions, time};

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
            let sid = claims.sid.clone();
            let looked_up = crate::db::read(&state, move |conn| match sessions::family_with_user(conn, &sid) {
                Ok(found) => Ok(Some(found)),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e.into()),
            })
            .await?;
            let revoked = ApiError::Unauthorized("the session has ended; sign in again");
            let Some((family, user)) = looked_up else {
                return Err(revoked);
            };
            let live = family.revoked_at.is_none()
                && time::from_db(family.expires_at) > now
                && user.id == claims.sub
                && user.status()? == UserStatus::Active;
            if !live {
                return Err(revoked);
            }
            let actor = user.actor()?;
            state.sessions.put(&claims.sid, actor.clone(), time::from_db(family.expires_at), now);
            Ok(Self { actor, family_id: claims.sid, request_id })
        })
    }
}
