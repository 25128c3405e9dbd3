//! One-click unsubscribe (RFC 8058) and its confirmation page. No sign-in: the signed
//! token in the link says who and which reminder kind.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use tandem_service::preferences;
use utoipa::IntoParams;

use crate::auth::extractor::request_id;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

/// Which unsubscribe.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeParams {
    /// `true` stops every reminder kind, not only the one the link was for.
    pub all: Option<bool>,
}

/// Escapes text for an HTML attribute or element.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A form that POSTs the one-click unsubscribe for `token`. The action is relative to
/// `/unsubscribe/{token}`, so it works behind a proxy that serves this under a prefix.
fn unsubscribe_form(token: &str, all: bool, label: &str) -> String {
    let query = if all { "?all=true" } else { "" };
    format!(
        "<form method=\"post\" action=\"{}{query}\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\"><button type=\"submit\">{label}</button></form>",
        escape_html(token)
    )
}

/// A self-contained page: no scripts, no external assets, nothing that fetches or
/// changes anything on its own.
fn html_page(title: &str, body: &str) -> HttpResponse {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}button{{font:inherit;padding:.5rem 1rem;margin:.25rem 0}}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(page)
}

/// Whether the caller is a browser that wants a page rather than a one-click client.
fn wants_html(req: &HttpRequest) -> bool {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

#[utoipa::path(
    tag = "notifications",
    operation_id = "unsubscribeOneClick",
    summary = "One-click unsubscribe (RFC 8058)",
    description = "The target of `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (the body, if any, is ignored), and of the buttons on the confirmation page. No login: the signed token says who and which reminder kind; `?all=true` stops every reminder. This is the only way the link changes anything. Idempotent: repeating it changes nothing more. Answers plain text, or a small HTML page when the caller accepts `text/html` (a browser submitting the page's form).",
    params(("token" = String, Path, description = "The signed token from the link."), UnsubscribeParams),
    responses(
        (status = 200, description = "Unsubscribed.", content(
            (String = "text/plain", example = "Unsubscribed from: daily_check_in\n"),
            (String = "text/html")
        ))
    )
)]
#[post("/unsubscribe/{token}")]
pub async fn unsubscribe_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<UnsubscribeParams>,
) -> ApiResult<HttpResponse> {
    let token = path.into_inner();
    let (signer, chosen, all) = (state.signer.clone(), token.clone(), query.all.unwrap_or(false));
    let done = db::call_anon(&state, request_id(&req).as_deref(), move |env| {
        preferences::unsubscribe(env, &signer, &chosen, all)
    })
    .await?;
    if !wants_html(&req) {
        return Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("Unsubscribed from: {}\n", done.kinds.join(", "))));
    }
    let body = if done.all {
        "<p>You will receive no more reminder emails. You can turn them back on any time in the app.</p>".to_owned()
    } else {
        format!(
            "<p>You will not get this kind of reminder email any more. You can change this any time in the app.</p>{}",
            unsubscribe_form(&token, true, "Stop all reminders")
        )
    };
    Ok(html_page("Unsubscribed", &body))
}

#[utoipa::path(
    tag = "notifications",
    operation_id = "unsubscribePage",
    summary = "Unsubscribe confirmation page",
    description = "For people who open the link in a browser, and for mail scanners that fetch every link: it changes nothing. It shows a button that unsubscribes from this reminder kind and one that stops all reminders; both POST to this path. Works without login.",
    params(("token" = String, Path, description = "The signed token from the link."), UnsubscribeParams),
    responses(
        (status = 200, description = "A self-contained HTML page with the buttons.", body = String, content_type = "text/html")
    )
)]
#[get("/unsubscribe/{token}")]
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<UnsubscribeParams>,
) -> ApiResult<HttpResponse> {
    let token = path.into_inner();
    let all = preferences::unsubscribe_target(&state.signer, &token, query.all.unwrap_or(false))?.all;
    let body = if all {
        format!(
            "<p>Stop all reminder emails? You can turn them back on any time in the app.</p>{}",
            unsubscribe_form(&token, true, "Stop all reminders")
        )
    } else {
        format!(
            "<p>Stop this kind of reminder email? You can change this any time in the app.</p>{}<p>Or stop every reminder email:</p>{}",
            unsubscribe_form(&token, false, "Unsubscribe"),
            unsubscribe_form(&token, true, "Stop all reminders")
        )
    };
    Ok(html_page("Reminder emails", &body))
}
