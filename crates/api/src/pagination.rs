//! The one pagination helper at the HTTP edge: `?limit=&cursor=` in, `items` and
//! `next_cursor` out. Cursors are opaque to clients (base64url of the last row's id).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use tandem_service::records::{DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest, ids};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Paging parameters shared by every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// Validates the limit and decodes the cursor (a row id).
    pub fn request(&self) -> Result<PageRequest, ApiError> {
        self.decode(ids::is_valid)
    }

    /// For a list ordered by more than its ids (the timeline, by time): decodes the
    /// cursor and leaves checking its content to the use case that made it.
    pub fn request_ordered(&self) -> Result<PageRequest, ApiError> {
        self.decode(|_| true)
    }

    fn decode(&self, valid: fn(&str) -> bool) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::validation("limit", "must be between 1 and 200"));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => {
                let bytes = URL_SAFE_NO_PAD
                    .decode(c)
                    .map_err(|_| ApiError::validation("cursor", "is not a cursor this API issued"))?;
                let id = String::from_utf8(bytes)
                    .map_err(|_| ApiError::validation("cursor", "is not a cursor this API issued"))?;
                if !valid(&id) {
                    return Err(ApiError::validation("cursor", "is not a cursor this API issued"));
                }
                Some(id)
            }
        };
        Ok(PageRequest { after, limit })
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T: ToSchema> {
    /// The items of this page, in the list's documented order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Paginated<T> {
    /// Converts a store page, encoding its continuation as an opaque cursor.
    pub fn from_page<R>(page: Page<R>, f: impl FnMut(R) -> Result<T, ApiError>) -> Result<Self, ApiError> {
        let next_cursor = page.next_after.as_ref().map(|id| URL_SAFE_NO_PAD.encode(id.as_bytes()));
        Ok(Self { items: page.items.into_iter().map(f).collect::<Result<_, _>>()?, next_cursor })
    }
}
