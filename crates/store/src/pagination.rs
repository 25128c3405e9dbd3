//! The one cursor pagination helper. Lists are ordered by their UUIDv7 id, so rows
//! inserted while a client pages land after the page they are reading (newest-first
//! lists) or at the end (oldest-first lists): never skipped, never repeated.

/// The largest page a client may ask for.
pub const MAX_LIMIT: i64 = 200;
/// The page size when the client does not say.
pub const DEFAULT_LIMIT: i64 = 50;

/// Which page to read: after the row with id `after` (exclusive), at most `limit` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<String>,
    pub limit: i64,
}

impl PageRequest {
    /// One more row than asked for is fetched to learn whether a next page exists.
    #[must_use]
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}

/// A page of rows and the id to continue after, if there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with [`PageRequest::fetch_limit`].
    pub fn from_rows(mut rows: Vec<T>, req: &PageRequest, id_of: impl Fn(&T) -> &str) -> Self {
        let limit = usize::try_from(req.limit).unwrap_or(0);
        let next_after = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| id_of(r).to_owned())
        } else {
            None
        };
        Self { items: rows, next_after }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_after: self.next_after }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_points_at_its_last_row() {
        let req = PageRequest { after: None, limit: 2 };
        let page = Page::from_rows(vec!["a", "b", "c"], &req, |s| s);
        assert_eq!(page.items, vec!["a", "b"]);
        assert_eq!(page.next_after.as_deref(), Some("b"));
    }

    #[test]
    fn the_last_page_has_no_next() {
        let req = PageRequest { after: None, limit: 5 };
        let page = Page::from_rows(vec!["a", "b"], &req, |s| s);
        assert_eq!(page.next_after, None);
    }
}
