//! `pairlink serve | migrate | tenant create | key create`. Output meant for scripts (the
//! JSON of `tenant create` and `key create`) is the only thing written to stdout.
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde_json::json;
use tokio::net::TcpListener;

use super::{
    Settings,
    config::{Config, DEFAULT_CONFIG_FILE},
    domain::{NumberId, TenantId},
    leptos_options, serve, services,
    site::{Files, Site},
    telemetry,
};
use crate::ui::assets::Assets;

#[derive(Parser)]
#[command(name = "pairlink", version, about = "Hosted pairing links for WhatsApp numbers")]
struct Cli {
    /// The configuration file: Leptos's options and the [pairlink] table.
    #[arg(long, global = true, env = "PAIRLINK_CONFIG", default_value = DEFAULT_CONFIG_FILE)]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and pages (the default). Address from LEPTOS_SITE_ADDR.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the settings this process would run with (secrets masked), where each came
    /// from and the environment variable that sets it; a bad setting fails here as at start.
    Config,
    /// Ask a running server's `/healthz` and exit 0 if it answers: the container image's
    /// health check, which has no shell or curl.
    Health {
        /// Default: `/healthz` at LEPTOS_SITE_ADDR (loopback when that is every interface).
        #[arg(long)]
        url: Option<String>,
    },
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Manage dashboard users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a dashboard user; the password is prompted for, or read from stdin when piped.
    /// Prints {"userId", "tenantId", "email"}.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant and its first tenant-scoped key; prints {"tenantId", "apiKey"}.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an API key; prints {"tenantId", "apiKey", …}. The key is shown only now.
    Create {
        #[arg(long)]
        tenant: String,
        /// Bind the key to one number (a number-scoped key).
        #[arg(long)]
        number: Option<String>,
    },
}

/// Runs the command line; `built_in` is the site `main.rs` embedded (empty in a binary
/// built without one).
pub async fn main(built_in: Files) -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(&cli.config)?;
    super::check_config(&config)?;
    telemetry::init(&config.log, &config.log_format);
    let config_file = cli.config.to_string_lossy().into_owned();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let leptos = leptos_options(&config_file)?;
            let site = choose_site(&leptos, built_in);
            // Before anything else: a server whose pages cannot load their code must not start.
            let assets = super::assets::load(&site)?;
            let listener = TcpListener::bind(leptos.site_addr)
                .await
                .with_context(|| format!("listening on {}", leptos.site_addr))?;
            serve(Settings::new(config, leptos, site, assets), listener).await
        }
        Command::Config => print_config(&config, &cli.config, &config_file, built_in),
        Command::Health { url } => health(url, &config_file).await,
        Command::Migrate => {
            let store = super::store::connect(&config.database_url, 1).await?;
            eprintln!("migrations applied to the {} database", store.backend());
            Ok(())
        }
        Command::Tenant {
            command: TenantCommand::Create { name },
        } => {
            let state = offline_state(config, &config_file).await?;
            let (tenant, issued) = services::tenants::create_tenant(&state, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            print_json(json!({ "tenantId": tenant.id, "apiKey": issued.secret.reveal(), "keyId": issued.key.id }))
        }
        Command::Key {
            command: KeyCommand::Create { tenant, number },
        } => {
            let state = offline_state(config, &config_file).await?;
            let tenant = TenantId::from_trusted(tenant);
            let number = number.map(NumberId::from_trusted);
            let issued = services::tenants::issue_key(&state, &tenant, number.as_ref())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            print_json(json!({ "tenantId": tenant, "apiKey": issued.secret.reveal(), "keyId": issued.key.id, "numberId": number }))
        }
        Command::User {
            command: UserCommand::Create { tenant, email },
        } => {
            let password = read_password()?;
            let state = offline_state(config, &config_file).await?;
            let user = services::accounts::create_user(&state, &TenantId::from_trusted(tenant), &email, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            print_json(json!({ "userId": user.id, "tenantId": user.tenant_id, "email": user.email.as_str() }))
        }
    }
}

async fn health(url: Option<String>, config_file: &str) -> anyhow::Result<()> {
    let url = match url {
        Some(url) => url,
        None => {
            let mut addr = leptos_options(config_file)?.site_addr;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            format!("http://{addr}/healthz")
        }
    };
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build()?;
    let status = client.get(&url).send().await.with_context(|| format!("asking {url}"))?.status();
    anyhow::ensure!(status.is_success(), "{url} answered {status}");
    println!("{url}: {status}");
    Ok(())
}

/// The folder `LEPTOS_SITE_ROOT` names, else the site built into the binary, else the
/// repository's `target/site` (see [`Site::choose`]).
fn choose_site(leptos: &leptos::config::LeptosOptions, built_in: Files) -> Site {
    let from_environment = std::env::var_os("LEPTOS_SITE_ROOT").is_some_and(|v| !v.is_empty());
    Site::choose(&leptos.site_root, built_in, from_environment)
}

/// From a prompt that does not echo when a person runs the command, else the first line of
/// stdin (scripts: `echo "$PW" | pairlink user create …`).
fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// The app's state without serving, for commands that use the service layer: no engine (no
/// linking window may open), no webhook worker (a command that exits would leave deliveries
/// half-sent), no background task, no lease taken.
async fn offline_state(mut config: Config, config_file: &str) -> anyhow::Result<super::state::AppState> {
    config.sandbox = false;
    config.embedded_engine = false;
    config.evolution_url.clear();
    config.webhook_worker = false;
    config.default_engine.clear();
    let leptos = leptos_options(config_file).unwrap_or_else(|_| leptos::config::LeptosOptions::builder().output_name("pairlink").build());
    let addr = leptos.site_addr;
    let site = Site::Disk(std::path::Path::new(&*leptos.site_root).into());
    super::assemble(Settings::new(config, leptos, site, Assets::unbuilt()), addr).await
}

/// `pairlink config`: the `[pairlink]` settings, then Leptos's own (`LEPTOS_<NAME>`).
fn print_config(config: &Config, file: &std::path::Path, config_file: &str, built_in: Files) -> anyhow::Result<()> {
    let leptos = leptos_options(config_file)?;
    let site = choose_site(&leptos, built_in).describe();
    let mut rows: Vec<[String; 4]> = super::config::report(config, &Config::figment(file))
        .into_iter()
        .map(|l| [l.name, l.value, l.from, l.variable])
        .collect();
    for (name, value) in [
        ("site_addr", leptos.site_addr.to_string()),
        ("site_root", leptos.site_root.to_string()),
        ("site_pkg_dir", leptos.site_pkg_dir.to_string()),
        ("output_name", leptos.output_name.to_string()),
    ] {
        let variable = format!("LEPTOS_{}", name.to_ascii_uppercase());
        let from = if std::env::var_os(&variable).is_some() {
            "environment"
        } else {
            "leptos options"
        };
        rows.push([name.into(), value, from.into(), variable]);
    }
    // Which site the pages load: the one built in unless LEPTOS_SITE_ROOT names a folder.
    rows.push([
        "site".into(),
        site,
        "LEPTOS_SITE_ROOT or built in".into(),
        "LEPTOS_SITE_ROOT".into(),
    ]);
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1).min(60), width(2));
    println!("# the settings this process would use; secrets masked");
    println!("{:w0$}  {:w1$}  {:w2$}  variable", "setting", "value", "from");
    for [name, value, from, variable] in rows {
        println!("{name:w0$}  {value:w1$}  {from:w2$}  {variable}");
    }
    Ok(())
}

fn print_json(value: serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(&value)?);
    Ok(())
}
