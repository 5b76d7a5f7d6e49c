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
    leptos_options, serve, services, telemetry,
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

pub async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(&cli.config)?;
    super::check_config(&config)?;
    telemetry::init(&config.log, &config.log_format);
    let config_file = cli.config.to_string_lossy().into_owned();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let leptos = leptos_options(&config_file)?;
            // Before anything else: a server whose pages cannot load their code must not start.
            let assets = super::assets::load(&leptos.site_root)?;
            let listener = TcpListener::bind(leptos.site_addr)
                .await
                .with_context(|| format!("listening on {}", leptos.site_addr))?;
            serve(Settings::new(config, leptos, assets), listener).await
        }
        Command::Config => print_config(&config, &cli.config, &config_file),
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
    super::assemble(Settings::new(config, leptos, Assets::unbuilt()), addr).await
}

/// `pairlink config`: the `[pairlink]` settings, then Leptos's own (`LEPTOS_<NAME>`).
fn print_config(config: &Config, file: &std::path::Path, config_file: &str) -> anyhow::Result<()> {
    let leptos = leptos_options(config_file)?;
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
