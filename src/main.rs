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
fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tune_glibc_malloc();
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

/// glibc raises its mmap threshold every time a large block is freed (up to 32 MiB) and gives
/// heap memory back only above twice that, so the buffers of a burst of list pages, searches
/// and exports stayed in the process for good: +61–65 MB after the 10,000-number bench (#24).
/// Fixed at 1 MiB, larger blocks are mapped and unmapped on their own and a free top of the
/// heap past 1 MiB goes back: +46–47 MB, at the same throughput (256 KiB gave +41 MB but cost
/// a fifth of the list pages' throughput). An operator's own `MALLOC_*_THRESHOLD_` or
/// `GLIBC_TUNABLES` wins.
#[cfg(all(feature = "ssr", target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_glibc_malloc() {
    let set_by_operator = |name: &str| std::env::var_os(name).is_some();
    if ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"]
        .iter()
        .any(|n| set_by_operator(n))
    {
        return;
    }
    const ONE_MIB: libc::c_int = 1 << 20;
    // SAFETY: mallopt only sets two of the allocator's parameters (no pointer, no memory is
    // touched), and main calls it before the runtime starts any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, ONE_MIB);
        libc::mallopt(libc::M_TRIM_THRESHOLD, ONE_MIB);
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
