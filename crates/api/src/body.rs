//! A deadline for request bodies.
//!
//! actix answers 408 to a client that is slow to send a request's head, but once the head
//! is in it waits for the body as long as the client keeps the connection open: a request
//! announcing `Content-Length: 1000` and sending nothing would hold a connection (and a
//! handler) indefinitely. This middleware gives every body a deadline from the moment its
//! head arrived; past it, reading the body fails, the JSON extractor turns that into 408
//! problem+json ([`ApiError::RequestTimeout`]), and the connection is closed.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpMessage};
use futures_util::Stream;

use crate::state::AppState;

/// What a body that missed its deadline fails with.
const TIMED_OUT: &str = "the request body did not arrive in time";

/// Puts the configured deadline on the body of every request that has one.
pub async fn deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let has_body =
        req.headers().contains_key(header::CONTENT_LENGTH) || req.headers().contains_key(header::TRANSFER_ENCODING);
    let limit = req.app_data::<web::Data<AppState>>().map(|state| state.config.body_timeout);
    if let (true, Some(limit)) = (has_body, limit) {
        let inner = req.take_payload();
        let timed = Timed { inner, timer: Box::pin(tokio::time::sleep(limit)), expired: false };
        req.set_payload(Payload::Stream { payload: Box::pin(timed) });
    }
    next.call(req).await
}

/// A body stream that fails once its deadline has passed.
struct Timed {
    inner: Payload,
    timer: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Pending => {
                if this.timer.as_mut().poll(cx).is_ready() {
                    this.expired = true;
                    let timed_out = std::io::Error::new(std::io::ErrorKind::TimedOut, TIMED_OUT);
                    return Poll::Ready(Some(Err(PayloadError::Io(timed_out))));
                }
                Poll::Pending
            }
            ready => ready,
        }
    }
}

/// Whether a body read failed because its deadline passed.
#[must_use]
pub fn timed_out(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}
