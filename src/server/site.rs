//! Where the browser files come from: the site built into the binary (`scripts/build.sh`
//! embeds `target/site` into `main.rs`, so one file is the whole deployment), or a folder
//! a developer names with `LEPTOS_SITE_ROOT` (`cargo leptos watch` rebuilds it as they edit).
//! Files built in are answered from memory the way the folder's are by `tower_http`'s
//! `ServeDir`: the precompressed `.br` or `.gz` beside a file when the browser takes it, with
//! its content type and an entity tag for revalidation.
use std::{borrow::Cow, collections::HashMap, path::Path, sync::Arc};

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::Response,
};

/// The site the process serves.
#[derive(Clone)]
pub enum Site {
    /// A built site in a folder, read as requests come.
    Disk(Arc<Path>),
    /// The files built into the binary.
    Memory(Arc<Files>),
}

impl Site {
    /// `LEPTOS_SITE_ROOT` set by whoever started the process: that folder. Otherwise the site
    /// built into the binary, or, for a binary built without one (a plain `cargo build`),
    /// `site_root`, where the repository's build leaves it.
    pub fn choose(site_root: &str, built_in: Files, root_from_environment: bool) -> Self {
        if root_from_environment || built_in.is_empty() {
            Self::Disk(Path::new(site_root).into())
        } else {
            Self::Memory(Arc::new(built_in))
        }
    }

    /// The file at `path` (relative to the site's root, `/`-separated), when it is there.
    pub fn read(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        match self {
            Self::Disk(root) => std::fs::read(root.join(path)).ok().map(Cow::Owned),
            Self::Memory(files) => files.get(path).map(|f| Cow::Borrowed(&*f.bytes)),
        }
    }

    pub fn has(&self, path: &str) -> bool {
        match self {
            Self::Disk(root) => root.join(path).is_file(),
            Self::Memory(files) => files.get(path).is_some(),
        }
    }

    /// Where a person looks for a missing file: the folder, or the binary.
    pub fn describe(&self) -> String {
        match self {
            Self::Disk(root) => root.display().to_string(),
            Self::Memory(files) => format!("built into the binary ({} files)", files.len()),
        }
    }
}

/// One built-in file.
pub struct File {
    bytes: Cow<'static, [u8]>,
    /// From the SHA-256 rust-embed took at build time: no hashing at start-up.
    etag: HeaderValue,
    /// Guessed from the name at build time (`mime_guess`, as `ServeDir` does).
    content_type: HeaderValue,
}

/// The files built into the binary, by path relative to the site's root.
#[derive(Default)]
pub struct Files(HashMap<String, File>);

impl Files {
    /// Every file of an embedded folder; `E` is derived in `main.rs`, where the site is
    /// included, so a rebuilt site recompiles the binary's one small crate, not this library.
    pub fn of<E: rust_embed::Embed>() -> Self {
        let files = E::iter()
            .filter_map(|name| {
                let file = E::get(&name)?;
                let hash = file.metadata.sha256_hash();
                let etag = format!("\"{}\"", hash[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
                let etag = HeaderValue::from_str(&etag).expect("hex is a valid header value");
                let content_type =
                    HeaderValue::from_str(file.metadata.mimetype()).unwrap_or(HeaderValue::from_static("application/octet-stream"));
                Some((
                    name.into_owned(),
                    File {
                        bytes: file.data,
                        etag,
                        content_type,
                    },
                ))
            })
            .collect();
        Self(files)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, path: &str) -> Option<&File> {
        self.0.get(path)
    }

    /// The answer to a GET or HEAD of `path`, or `None` when no such file is built in (the
    /// caller decides what a miss is). Takes the `.br` or `.gz` copy the browser accepts.
    pub fn respond(&self, method: &Method, path: &str, request: &HeaderMap) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let identity = self.get(path)?;
        let (file, encoding) = [("br", ".br"), ("gzip", ".gz")]
            .into_iter()
            .filter(|(coding, _)| accepts(request, coding))
            .find_map(|(coding, suffix)| self.get(&format!("{path}{suffix}")).map(|f| (f, Some(coding))))
            .unwrap_or((identity, None));
        let mut response = Response::builder()
            // The type of what was asked for, not of its compressed copy.
            .header(header::CONTENT_TYPE, identity.content_type.clone())
            .header(header::ETAG, file.etag.clone());
        if let Some(coding) = encoding {
            response = response.header(header::CONTENT_ENCODING, coding);
        }
        let unchanged = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim() == "*" || tag.trim().trim_start_matches("W/") == file.etag);
        let response = if unchanged {
            response.status(StatusCode::NOT_MODIFIED).body(Body::empty())
        } else {
            let body = match &file.bytes {
                Cow::Borrowed(bytes) => Bytes::from_static(bytes),
                Cow::Owned(bytes) => Bytes::from(bytes.clone()),
            };
            response.header(header::CONTENT_LENGTH, body.len()).body(Body::from(body))
        };
        Some(response.expect("static header names and values"))
    }
}

/// Whether `Accept-Encoding` takes `coding` (named or by `*`), and not with `q=0`.
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        let file = |bytes: &'static [u8], tag: &'static str, kind: &'static str| File {
            bytes: Cow::Borrowed(bytes),
            etag: HeaderValue::from_static(tag),
            content_type: HeaderValue::from_static(kind),
        };
        Files(HashMap::from([
            ("pkg/app.wasm".to_owned(), file(b"plain", "\"p\"", "application/wasm")),
            ("pkg/app.wasm.br".to_owned(), file(b"brotli", "\"b\"", "application/x-brotli")),
            ("pkg/app.wasm.gz".to_owned(), file(b"gzip", "\"g\"", "application/gzip")),
            ("favicon.svg".to_owned(), file(b"<svg/>", "\"f\"", "image/svg+xml")),
        ]))
    }

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.clone(), HeaderValue::from_static(v))).collect()
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec()
    }

    #[tokio::test]
    async fn the_best_accepted_copy_is_sent_with_its_type() {
        let files = files();
        let ask = |accept: &'static str| {
            files
                .respond(&Method::GET, "pkg/app.wasm", &headers(&[(header::ACCEPT_ENCODING, accept)]))
                .unwrap()
        };
        let br = ask("gzip, deflate, br");
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(br.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(body(br).await, b"brotli");
        let gz = ask("gzip, br;q=0");
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(body(gz).await, b"gzip");
        let plain = ask("identity");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::CONTENT_LENGTH], "5");
        assert_eq!(body(plain).await, b"plain");
        // A file with no compressed copy is sent as it is, whatever the browser takes.
        let svg = files
            .respond(&Method::GET, "favicon.svg", &headers(&[(header::ACCEPT_ENCODING, "br")]))
            .unwrap();
        assert!(svg.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(svg.headers()[header::CONTENT_TYPE], "image/svg+xml");
    }

    #[test]
    fn a_matching_entity_tag_is_not_modified_and_misses_are_the_callers() {
        let files = files();
        let again = files
            .respond(&Method::GET, "favicon.svg", &headers(&[(header::IF_NONE_MATCH, "\"x\", \"f\"")]))
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(files.respond(&Method::GET, "nope.js", &HeaderMap::new()).is_none());
        assert!(files.respond(&Method::POST, "favicon.svg", &HeaderMap::new()).is_none());
    }

    #[test]
    fn the_environment_or_an_empty_binary_choose_the_folder() {
        assert!(matches!(Site::choose("target/site", files(), false), Site::Memory(_)));
        assert!(matches!(Site::choose("target/site", files(), true), Site::Disk(_)));
        assert!(matches!(Site::choose("target/site", Files::default(), false), Site::Disk(_)));
    }
}
