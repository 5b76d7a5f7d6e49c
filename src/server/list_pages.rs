//! Pages of the API's number list, kept as the bytes that were sent, each with the version of
//! the tenant's list it was read at ([`Store::number_list_version`]). A platform polls its
//! first page every few seconds and nearly every poll finds what the last one found; a kept
//! page answers at 3.5 to 4.2 times the rate of one read and serialized again (#24's bench,
//! `benches/RESULTS.md`).
//!
//! Correct across processes without any message between them: the version is the database's,
//! moved by triggers in the same transaction as every write that can change the list, and it
//! is read *before* the page, so a page kept under a version is never older than it. A kept
//! page is served only while the version read for the request is the same.
//!
//! [`Store::number_list_version`]: super::store::Store::number_list_version
use std::{
    hash::{Hash, Hasher},
    sync::{Arc, Mutex, PoisonError},
};

use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use hashlink::LruCache;

use super::domain::{NumberId, TenantId};

/// Bytes of pages kept at most, all tenants together: about fifty pages of 100 numbers
/// (80 KB each), the first pages platforms poll; a search's page is a few KB. At 16 MB the
/// bench's one-off walks and searches left the server 64 MB above idle after its run (#24's
/// bound is 60; 47 at 4 MB).
const BUDGET_BYTES: usize = 4 * 1024 * 1024;
/// Pages larger than this are not kept (the largest page, 500 numbers, is about 400 KB).
const LARGEST_KEPT: usize = 1024 * 1024;

/// Which page: whose list, seen through which key's scope, and the query exactly as asked
/// (the `Link` header repeats its parameters in their order).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub tenant: TenantId,
    pub scope: Option<NumberId>,
    pub query: String,
}

/// A page as sent: its body, its `Link` to the next page, and an entity tag of the body.
pub struct Page {
    version: i64,
    body: Bytes,
    etag: HeaderValue,
    link: Option<HeaderValue>,
}

impl Page {
    pub fn new(version: i64, body: Bytes, link: Option<HeaderValue>) -> Self {
        // SipHash with fixed keys: every process tags the same body alike, so a client's
        // `If-None-Match` works whichever process answers.
        let mut hasher = std::hash::DefaultHasher::new();
        body.hash(&mut hasher);
        let etag =
            HeaderValue::from_str(&format!("\"{:016x}{:08x}\"", hasher.finish(), body.len())).expect("hex digits are a valid header value");
        Self { version, body, etag, link }
    }

    /// The page as an answer to a request with `headers`: `304 Not Modified` when the request
    /// names this page's tag in `If-None-Match`.
    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let mut response = if names(headers, &self.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut r = self.body.clone().into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        };
        let out = response.headers_mut();
        out.insert(header::ETAG, self.etag.clone());
        // Per key, so no shared cache; a client's own cache asks again each time (and gets a
        // 304 while nothing changed).
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        if let Some(link) = &self.link {
            out.insert(header::LINK, link.clone());
        }
        response
    }
}

/// Whether `If-None-Match` names `etag` (or `*`); weak tags compare by their value, as the
/// header's weak comparison says (RFC 9110 §13.1.2).
fn names(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    headers.get_all(header::IF_NONE_MATCH).iter().any(|value| {
        value.as_bytes().split(|b| *b == b',').any(|tag| {
            let tag = tag.trim_ascii();
            tag == b"*" || tag.strip_prefix(b"W/").unwrap_or(tag) == ours
        })
    })
}

/// The kept pages, least recently used first out once they pass [`BUDGET_BYTES`].
#[derive(Default)]
pub struct ListPages {
    kept: Mutex<Kept>,
}

struct Kept {
    pages: LruCache<PageKey, Arc<Page>>,
    bytes: usize,
}

impl Default for Kept {
    fn default() -> Self {
        Self {
            pages: LruCache::new_unbounded(),
            bytes: 0,
        }
    }
}

fn weight(key: &PageKey, page: &Page) -> usize {
    page.body.len() + key.query.len() + 128
}

impl ListPages {
    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The page kept for `key`, if it was read at `version`.
    pub fn get(&self, key: &PageKey, version: i64) -> Option<Arc<Page>> {
        self.lock().pages.get(key).filter(|page| page.version == version).cloned()
    }

    pub fn keep(&self, key: PageKey, page: Arc<Page>) {
        if page.body.len() > LARGEST_KEPT {
            return;
        }
        let mut kept = self.lock();
        kept.bytes += weight(&key, &page);
        if let Some(old) = kept.pages.insert(key.clone(), page) {
            kept.bytes -= weight(&key, &old);
        }
        while kept.bytes > BUDGET_BYTES {
            let Some((k, p)) = kept.pages.remove_lru() else { break };
            kept.bytes -= weight(&k, &p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(query: &str) -> PageKey {
        PageKey {
            tenant: TenantId::from_trusted("ten_a"),
            scope: None,
            query: query.into(),
        }
    }

    fn headers(if_none_match: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(if_none_match).unwrap());
        h
    }

    #[test]
    fn a_page_is_served_only_at_the_version_it_was_read_at() {
        let pages = ListPages::default();
        pages.keep(key("limit=100"), Page::new(7, Bytes::from_static(b"{}"), None).into());
        assert!(pages.get(&key("limit=100"), 7).is_some());
        assert!(pages.get(&key("limit=100"), 8).is_none(), "a later version");
        assert!(pages.get(&key("limit=50"), 7).is_none(), "another query");
        let scoped = PageKey {
            scope: Some(NumberId::from_trusted("num_a")),
            ..key("limit=100")
        };
        assert!(pages.get(&scoped, 7).is_none(), "a key bound to one number");
    }

    #[test]
    fn if_none_match_with_the_pages_tag_is_answered_304_with_the_same_tag() {
        let page = Page::new(1, Bytes::from_static(b"{\"data\":[]}"), None);
        let full = page.respond(&HeaderMap::new());
        assert_eq!(full.status(), StatusCode::OK);
        let tag = full.headers()[header::ETAG].to_str().unwrap().to_owned();
        for asked in [tag.clone(), format!("W/{tag}"), format!("\"other\", {tag}"), "*".into()] {
            let r = page.respond(&headers(&asked));
            assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{asked}");
            assert_eq!(r.headers()[header::ETAG], tag.as_str());
        }
        assert_eq!(page.respond(&headers("\"other\"")).status(), StatusCode::OK);
        let other = Page::new(1, Bytes::from_static(b"{\"data\":[1]}"), None);
        assert_ne!(
            other.respond(&HeaderMap::new()).headers()[header::ETAG],
            tag.as_str(),
            "another body, another tag"
        );
    }

    #[test]
    fn pages_past_the_budget_go_least_recently_used_first() {
        let pages = ListPages::default();
        let size = LARGEST_KEPT / 2;
        let n = BUDGET_BYTES / size + 4;
        for i in 0..n {
            pages.keep(key(&i.to_string()), Page::new(1, Bytes::from(vec![b' '; size]), None).into());
            // The first page is read after each other, so it stays.
            assert!(pages.get(&key("0"), 1).is_some(), "page 0 after {i}");
        }
        let kept = pages.lock();
        assert!(kept.bytes <= BUDGET_BYTES, "{} bytes kept", kept.bytes);
        assert!(kept.pages.len() < n);
        drop(kept);
        assert!(pages.get(&key("1"), 1).is_none(), "the least recently used went first");
        assert!(pages.get(&key(&(n - 1).to_string()), 1).is_some());
    }

    #[test]
    fn a_page_larger_than_kept_pages_is_not_kept() {
        let pages = ListPages::default();
        pages.keep(key("big"), Page::new(1, Bytes::from(vec![b' '; LARGEST_KEPT + 1]), None).into());
        assert!(pages.get(&key("big"), 1).is_none());
    }
}
