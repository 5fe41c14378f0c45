//! The indexer and the API as supervised child processes: logs to files, restarted with backoff
//! if they exit on their own, stopped with SIGTERM (then SIGKILL) on shutdown.
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A binary built next to this one (`cargo build --workspace --bins`).
pub fn sibling(bin_dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = bin_dir.join(name);
    anyhow::ensure!(
        path.exists(),
        "{} not found: build the workspace binaries first (cargo build --workspace --bins), or pass --bin-dir",
        path.display()
    );
    Ok(path)
}

fn start(bin: &Path, args: &[String], log: &Path) -> anyhow::Result<Child> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let err = out.try_clone()?;
    Command::new(bin)
        .args(args)
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))
}

async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}

/// A supervised child: runs until `stop` flips, restarting it (1 s, 2 s, … up to 30 s apart)
/// whenever it exits by itself.
pub struct Supervised {
    name: &'static str,
    task: JoinHandle<()>,
}

impl Supervised {
    pub fn spawn(
        name: &'static str,
        bin: PathBuf,
        args: Vec<String>,
        log: PathBuf,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<Self> {
        let mut child = start(&bin, &args, &log)?;
        let task = tokio::spawn(async move {
            let mut backoff = Duration::from_secs(1);
            loop {
                tokio::select! {
                    status = child.wait() => {
                        tracing::error!(%name, ?status, log = %log.display(), "exited; restarting in {backoff:?}");
                        tokio::select! {
                            _ = tokio::time::sleep(backoff) => {}
                            _ = stop.changed() => return,
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                        match start(&bin, &args, &log) {
                            Ok(c) => child = c,
                            Err(e) => tracing::error!(%name, "restart failed: {e:#}"),
                        }
                    }
                    _ = stop.changed() => {
                        terminate(&mut child).await;
                        return;
                    }
                }
            }
        });
        Ok(Self { name, task })
    }

    /// Waits for the child to be stopped (after the stop signal was sent).
    pub async fn join(self) {
        if let Err(e) = self.task.await {
            tracing::error!(name = self.name, "supervisor task failed: {e}");
        }
    }
}

/// Runs a binary to completion (e.g. `vetmai-indexer reset`), failing with its output.
pub async fn run_once(bin: &Path, args: &[String]) -> anyhow::Result<()> {
    let out = Command::new(bin).args(args).output().await.with_context(|| format!("running {}", bin.display()))?;
    anyhow::ensure!(
        out.status.success(),
        "{} {} failed: {}{}",
        bin.display(),
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// `GET http://{addr}{path}` over a plain TCP connection: (status, body).
pub async fn http_get(addr: &str, path: &str) -> anyhow::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut buf = vec![];
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}
