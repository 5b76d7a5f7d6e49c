/// The site `scripts/build.sh` built (`target/site`: the hashed, precompressed WASM, JS, CSS
/// and images), included in the binary so one file is the whole deployment. It is derived
/// here, not in the library: the build recompiles this small crate when the site changes.
/// rust-embed tracks the files it included, not the folder, so `scripts/build.sh` touches
/// this file after every site build (new hashed names are new files).
#[cfg(feature = "ssr")]
#[derive(rust_embed::Embed)]
#[folder = "target/site/"]
#[allow_missing = true]
// The unhashed build outputs stay on disk for `cargo leptos watch`; pages load the hashed ones.
#[exclude = "pkg/pairlink.js"]
#[exclude = "pkg/pairlink.wasm"]
#[exclude = "pkg/pairlink.css"]
#[exclude = "pkg/dashboard.js"]
#[exclude = "pkg/dashboard.wasm"]
#[exclude = "pkg/*.d.ts"]
struct BuiltSite;

#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// glibc builds run on jemalloc, for the whole process (SQLite's C too: the crate exports
/// `malloc` itself). glibc's allocator handed blocks between SQLite's connection threads and
/// the runtime's through its arena locks, and held the buffers of a burst of list pages for
/// good unless its thresholds were pinned. On jemalloc the 10,000-number list ran 0.99–1.57×
/// as many pages a second (1.20–1.26× in four of six same-run pairs), and the server kept
/// +38–40 MB after the bench against +48–53 MB (benches/RESULTS.md, #24). mimalloc, tried
/// earlier, held more.
#[cfg(all(feature = "ssr", target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("pairlink: could not start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let site = pairlink::server::site::Files::of::<BuiltSite>();
    match runtime.block_on(pairlink::server::cli::main(site)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pairlink: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
