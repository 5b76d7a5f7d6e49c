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

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    let site = pairlink::server::site::Files::of::<BuiltSite>();
    match pairlink::server::cli::main(site).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pairlink: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
