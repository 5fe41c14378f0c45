//! `vetmai-sandbox`: the whole veTMAI system on one machine — an in-process validator with the
//! program registered natively, a private Postgres, the indexer and the access API as supervised
//! processes, and the web app — seeded with a demo world. State lives in `--dir` (default
//! `.sandbox`): a second start resumes it, `--reset` starts over. Ctrl-C stops everything.
mod procs;
mod snapshot;
mod web;
mod world;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use serde_json::json;
use solana_signer::Signer;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;
use vetmai_localnet::pg::PersistentPostgres;
use vetmai_localnet::Localnet;

use crate::procs::{http_get, run_once, sibling, Supervised};
use crate::world::World;

#[derive(Parser, Debug)]
#[command(name = "vetmai-sandbox", version, about)]
struct Args {
    /// Where the sandbox keeps its state (keypairs, Postgres cluster, account snapshot, logs).
    #[arg(long, env = "VETMAI_SANDBOX_DIR", default_value = ".sandbox")]
    dir: PathBuf,
    /// Delete the saved state and seed a new world.
    #[arg(long)]
    reset: bool,
    /// Validator JSON-RPC port (the websocket is the next port).
    #[arg(long, default_value_t = 8899)]
    rpc_port: u16,
    /// Access API port.
    #[arg(long, default_value_t = 8080)]
    api_port: u16,
    /// Web app port.
    #[arg(long, default_value_t = 3000)]
    app_port: u16,
    /// Indexer metrics/health port.
    #[arg(long, default_value_t = 9464)]
    indexer_port: u16,
    /// Private Postgres port.
    #[arg(long, default_value_t = 54329)]
    pg_port: u16,
    /// The built web app.
    #[arg(long, default_value = "app/dist")]
    app_dir: PathBuf,
    /// Where `vetmai-indexer` and `vetmai-api` are (default: next to this executable).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Seconds between account snapshots (also taken at shutdown).
    #[arg(long, default_value_t = 30)]
    snapshot_secs: u64,
}

const READY_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,solana=warn,agave=warn,solana_metrics=off".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    // Registered before anything starts: a Ctrl-C or SIGTERM during start-up is kept (neither lost
    // nor ignored, as SIGINT is for a job a non-interactive shell puts in the background) and
    // stops the sandbox cleanly as soon as it is up.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let bin_dir = match &args.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()?.parent().context("executable has no directory")?.to_path_buf(),
    };
    let indexer_bin = sibling(&bin_dir, "vetmai-indexer")?;
    let api_bin = sibling(&bin_dir, "vetmai-api")?;

    if args.reset && args.dir.exists() {
        vetmai_localnet::pg::stop_cluster(&args.dir.join("pg"));
        std::fs::remove_dir_all(&args.dir).with_context(|| format!("removing {}", args.dir.display()))?;
        tracing::info!(dir = %args.dir.display(), "reset: previous state removed");
    }
    for sub in ["keys", "logs"] {
        std::fs::create_dir_all(args.dir.join(sub)).with_context(|| format!("creating {}", args.dir.display()))?;
    }
    let dir = args.dir.canonicalize()?;
    let logs = dir.join("logs");

    let started = Instant::now();
    let pg = PersistentPostgres::open(&dir.join("pg"), args.pg_port).context("starting Postgres")?;
    let db = pg.url();

    // The chain: resumed from the last snapshot, or a new genesis with a new world.
    let snapshot_path = dir.join("accounts.json");
    let saved = World::load(&dir)?;
    let resume = saved.is_some() && snapshot_path.exists();
    let mut builder = Localnet::builder()
        .rpc_port(args.rpc_port)
        .payer(world::payer(&dir)?)
        .upgrade_authority(world::admin(&dir)?.pubkey());
    if resume {
        let accounts = snapshot::load(&snapshot_path)?;
        tracing::info!(accounts = accounts.len(), "resuming from the saved accounts");
        builder = builder.accounts(accounts);
    }
    let net = builder.start().await.context("starting the validator")?;
    let world = match saved.filter(|_| resume) {
        Some(w) => {
            // Slots restart at zero on a new genesis: the mirror is rebuilt from it.
            run_once(&indexer_bin, &["--database-url".into(), db.clone(), "reset".into()]).await?;
            w
        }
        None => {
            tracing::info!("seeding the demo world");
            let _ = std::fs::remove_file(dir.join("world.json"));
            run_once(&indexer_bin, &["--database-url".into(), db.clone(), "reset".into()]).await?;
            World::seed(&net, &dir).await.context("seeding the demo world")?
        }
    };
    snapshot::save(&snapshot_path, &net.snapshot(&world.system_accounts()).await?)?;

    // Indexer and API.
    let (stop_tx, stop_rx) = watch::channel(false);
    let api_addr = format!("127.0.0.1:{}", args.api_port);
    let indexer_addr = format!("127.0.0.1:{}", args.indexer_port);
    let indexer = Supervised::spawn(
        "indexer",
        indexer_bin,
        vec![
            "--database-url".into(),
            db.clone(),
            "run".into(),
            "--rpc-url".into(),
            net.rpc_url(),
            "--ws-url".into(),
            net.pubsub_url(),
            "--listen".into(),
            indexer_addr.clone(),
        ],
        logs.join("indexer.log"),
        stop_rx.clone(),
    )?;
    let api = Supervised::spawn(
        "api",
        api_bin,
        vec!["--database-url".into(), db.clone(), "--listen".into(), api_addr.clone(), "--migrate".into()],
        logs.join("api.log"),
        stop_rx.clone(),
    )?;

    // The app.
    let app_url = format!("http://127.0.0.1:{}", args.app_port);
    let api_url = format!("http://{api_addr}");
    let mut sandbox = world.json.clone();
    sandbox["cluster"] = json!("sandbox");
    sandbox["rpc_url"] = json!(net.rpc_url());
    sandbox["ws_url"] = json!(net.pubsub_url());
    sandbox["api_url"] = json!(api_url);
    if let Some(obj) = sandbox.as_object_mut() {
        let wallets = obj.remove("wallets").unwrap_or_default();
        obj.insert("dev_wallets".into(), wallets);
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.app_port))
        .await
        .with_context(|| format!("binding the app port {}", args.app_port))?;
    let mut app_stop = stop_rx.clone();
    let app_dir = args.app_dir.clone();
    let app_server = tokio::spawn(async move {
        let serve = axum::serve(listener, web::router(app_dir, sandbox)).with_graceful_shutdown(async move {
            let _ = app_stop.changed().await;
        });
        if let Err(e) = serve.await {
            tracing::error!("app server: {e}");
        }
    });

    let ready = wait_ready(&api_addr).await;
    let cli = bin_dir.join("vetmai");
    print_banner(&dir, &world, &net, &cli, &api_url, &app_url, &indexer_addr, &db, started.elapsed(), &ready);

    // Run until Ctrl-C / SIGTERM, snapshotting as we go.
    let mut tick = tokio::time::interval(Duration::from_secs(args.snapshot_secs.max(1)));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = interrupt.recv() => break,
            _ = term.recv() => break,
            _ = tick.tick() => {
                if let Err(e) = save(&net, &world, &snapshot_path).await {
                    tracing::warn!("snapshot failed: {e:#}");
                }
            }
        }
    }
    eprintln!("\nstopping: saving state, stopping the app, API, indexer, validator and Postgres …");
    if let Err(e) = save(&net, &world, &snapshot_path).await {
        tracing::error!("final snapshot failed (the previous one is kept): {e:#}");
    }
    let _ = stop_tx.send(true);
    api.join().await;
    indexer.join().await;
    let _ = app_server.await;
    drop(net);
    drop(pg);
    eprintln!("stopped; state kept in {} (start again to resume, or pass --reset)", dir.display());
    Ok(())
}

async fn save(net: &Localnet, world: &World, path: &Path) -> anyhow::Result<()> {
    snapshot::save(path, &net.snapshot(&world.system_accounts()).await?)
}

/// Waits until the API reports the indexer live and the world mirrored.
async fn wait_ready(api_addr: &str) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut last = String::new();
    while Instant::now() < deadline {
        match http_get(api_addr, "/readyz").await {
            Ok((200, _)) => match http_get(api_addr, "/v1/stats").await {
                Ok((200, body)) if body.contains("\"stakers\"") && !body.contains("\"stakers\":0") => return Ok(()),
                Ok((code, body)) => last = format!("/v1/stats → {code} {body}"),
                Err(e) => last = e.to_string(),
            },
            Ok((code, body)) => last = format!("/readyz → {code} {body}"),
            Err(e) => last = format!("API not reachable yet: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(last)
}

#[allow(clippy::too_many_arguments)]
fn print_banner(
    dir: &Path,
    world: &World,
    net: &Localnet,
    cli: &Path,
    api_url: &str,
    app_url: &str,
    indexer_addr: &str,
    db: &str,
    took: Duration,
    ready: &Result<(), String>,
) {
    let mut out = String::new();
    let status = match ready {
        Ok(()) => format!("veTMAI sandbox ready in {:.1} s", took.as_secs_f64()),
        Err(why) => format!("veTMAI sandbox started, but the indexer/API are not ready yet ({why}); see the logs"),
    };
    out.push_str(&format!("\n  {status}\n\n"));
    out.push_str(&format!("  web app        {app_url}\n"));
    out.push_str(&format!("  access API     {api_url}   (OpenAPI: {api_url}/openapi.json)\n"));
    out.push_str(&format!("  validator RPC  {}   websocket {}\n", net.rpc_url(), net.pubsub_url()));
    out.push_str(&format!("  indexer        http://{indexer_addr}/metrics   /readyz\n"));
    out.push_str(&format!("  Postgres       {db}\n"));
    out.push_str(&format!("  program        {}\n", world.json["program_id"].as_str().unwrap_or_default()));
    out.push_str(&format!("  TMAI mint      {}\n", world.json["tmai_mint"].as_str().unwrap_or_default()));
    out.push_str(&format!("  logs           {}\n\n  wallets (keypair files):\n", dir.join("logs").display()));
    for (name, path, note) in world.wallet_files() {
        out.push_str(&format!("    {name:<6} {}  — {note}\n", path.display()));
    }
    let alice = dir.join("keys").join("alice.json");
    out.push_str(&format!(
        "\n  try next:\n\
         \x20   open {app_url}, connect the dev wallet \"alice\", lock 20 000 TMAI for 12 months and watch the tier change\n\
         \x20   {cli} -u {rpc} -k {alice} lock create 20000 --months 12\n\
         \x20   {cli} -u {rpc} -k {alice} show\n\
         \x20   curl {api_url}/v1/wallets/$({cli} -k {alice} address)\n\
         \x20   curl {api_url}/v1/proposals   curl {api_url}/v1/rounds   curl {api_url}/v1/stats\n\
         \n  Ctrl-C stops everything; state is kept in {dir} (start again to resume, --reset to start over).\n",
        rpc = net.rpc_url(),
        cli = cli.display(),
        alice = alice.display(),
        dir = dir.display(),
    ));
    println!("{out}");
}
