//! Each partner's needs map: the map as the caller may see it, and the author's own
//! items (create with `Idempotency-Key`, edit, delete; every change kept).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use tandem_domain::needs_map::ItemKind;
use tandem_domain::vocabulary::EntryVisibility;
use tandem_service::needs_map;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::needs_map::{NeedsMap, NeedsMapItem};
use crate::{db, idempotency};

#[utoipa::path(
    tag = "needs-map",
    operation_id = "getNeedsMap",
    summary = "The couple's needs map, as the caller may see it",
    description = "Partners get `mine` (their own desires and boundaries, every visibility) and `partner` (the other partner's shared items); the couple's clinicians get `partners`, both partners' shared and clinician items side by side, never private ones. Everyone gets every compromise (proposed, agreed, withdrawn; a withdrawn one never says who withdrew it). The ETag and every time in the body come only from what the caller may see: another partner's private edits never move them. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The map, with an ETag of exactly this view.", body = NeedsMap)
    )
)]
#[get("/couples/{couple_id}/needs-map")]
pub async fn get_needs_map(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let map = NeedsMap::of(db::call(&state, &auth, move |cx| needs_map::get(cx, &path)).await?);
    Ok(HttpResponse::Ok().insert_header((header::ETAG, map.etag()?)).json(map))
}

/// A new desire or boundary.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNeedsMapItem {
    #[schema(value_type = ItemKind, example = "desire")]
    pub kind: String,
    /// Short: 1 to 280 characters.
    #[schema(example = "Unhurried mornings together at the weekend", min_length = 1, max_length = 280)]
    pub text: String,
    /// Up to 2,000 characters.
    #[schema(example = "Coffee in bed, no phones", max_length = 2000)]
    pub note: Option<String>,
    /// Who may read it besides the author: nobody (`private`), the clinicians
    /// (`clinician`), or also the other partner (`shared`).
    #[schema(value_type = EntryVisibility, example = "shared")]
    pub visibility: String,
}

#[utoipa::path(
    tag = "needs-map",
    operation_id = "createNeedsMapItem",
    summary = "Add a desire or boundary to your own map (partners)",
    description = "Partners only. Honours `Idempotency-Key` like check-ins: a retry with the same key and body returns the first answer. A private item is seen by its author alone: nothing the other partner or a clinician reads changes. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per item, reused on retries.")
    ),
    request_body = NewNeedsMapItem,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The item.", body = NeedsMapItem),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/needs-map/items")]
pub async fn create_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewNeedsMapItem>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    let item = needs_map::NewItem {
        kind: input.kind.clone(),
        text: input.text.clone(),
        note: input.note.clone(),
        visibility: input.visibility.clone(),
    };
    let prepared = db::call(&state, &auth, move |cx| needs_map::prepare_item(cx, &path, item)).await?;
    idempotency::run(&state, &auth, &req, "needs_map_item.create", &input, StatusCode::CREATED, move |conn| {
        Ok(NeedsMapItem::of(needs_map::record_item(conn, prepared)?))
    })
    .await
}

/// Changes to one of your items; omitted fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedsMapItemPatch {
    #[schema(value_type = Option<ItemKind>, example = "boundary")]
    pub kind: Option<String>,
    #[schema(example = "No tickling, ever", min_length = 1, max_length = 280)]
    pub text: Option<String>,
    /// An empty string removes the note.
    #[schema(example = "It takes me straight out of the moment", max_length = 2000)]
    pub note: Option<String>,
    #[schema(value_type = Option<EntryVisibility>, example = "clinician")]
    pub visibility: Option<String>,
}

#[utoipa::path(
    tag = "needs-map",
    operation_id = "updateNeedsMapItem",
    summary = "Change one of your items (its author)",
    description = "Only the item's author; to anyone else it does not exist (404), whatever its visibility. The previous state is kept in the item's history. Changing the visibility changes who sees the item from now on; earlier states stay in the history of those who could read them. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("item_id" = String, Path, description = "The item's id.")
    ),
    request_body = NeedsMapItemPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The item as changed.", body = NeedsMapItem),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[patch("/couples/{couple_id}/needs-map/items/{item_id}")]
pub async fn update_item(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<NeedsMapItemPatch>,
) -> ApiResult<web::Json<NeedsMapItem>> {
    let (couple_id, item_id) = path.into_inner();
    let b = body.into_inner();
    let patch = needs_map::ItemPatch { kind: b.kind, text: b.text, note: b.note.map(Some), visibility: b.visibility };
    let row = db::call(&state, &auth, move |cx| needs_map::update_item(cx, &couple_id, &item_id, patch)).await?;
    Ok(web::Json(NeedsMapItem::of(row)))
}

#[utoipa::path(
    tag = "needs-map",
    operation_id = "deleteNeedsMapItem",
    summary = "Delete one of your items (its author)",
    description = "Only the item's author; to anyone else it does not exist (404). The item leaves the map; its history keeps the deletion, seen only by those who could read the item. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("item_id" = String, Path, description = "The item's id.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/couples/{couple_id}/needs-map/items/{item_id}")]
pub async fn delete_item(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (couple_id, item_id) = path.into_inner();
    db::call(&state, &auth, move |cx| needs_map::delete_item(cx, &couple_id, &item_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
