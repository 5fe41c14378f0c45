//! A throwaway Postgres for tests and benchmarks.
//!
//! With `DATABASE_URL` set, a fresh database is created in that server (and dropped after);
//! otherwise a private cluster is made with `initdb` in a temporary directory, started with
//! `pg_ctl` on a free port (fsync off), and stopped and removed on drop. Binaries are looked for
//! in `$PG_BIN`, then `/usr/lib/postgresql/<newest>/bin`. As root, the cluster runs as the
//! `postgres` user (initdb refuses root).
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::LocalnetError;

pub struct TempPostgres {
    url: String,
    admin_url: Option<String>,
    db_name: String,
    cluster: Option<PathBuf>,
    pg_bin: Option<PathBuf>,
}

fn pg_bin() -> Result<PathBuf, LocalnetError> {
    if let Ok(p) = std::env::var("PG_BIN") {
        return Ok(PathBuf::from(p));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
        .filter(|(_, p)| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, p)| p)
        .ok_or_else(|| LocalnetError::Postgres("no initdb under /usr/lib/postgresql/*/bin; set PG_BIN".into()))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn run(bin: &Path, args: &[&str], as_postgres: bool) -> Result<(), LocalnetError> {
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let out = cmd.args(args).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(LocalnetError::Postgres(format!(
            "{} {:?} failed: {}{}",
            bin.display(),
            args,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

fn free_port() -> Result<u16, LocalnetError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn unique() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}_{}", std::process::id(), t % 1_000_000_000_000)
}

impl TempPostgres {
    /// Starts (or, with `DATABASE_URL`, creates) a fresh empty database.
    pub fn start() -> Result<Self, LocalnetError> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => {
                let db_name = format!("vetmai_test_{}", unique());
                psql(&url, &format!("create database {db_name}"))?;
                Ok(Self {
                    url: with_database(&url, &db_name),
                    admin_url: Some(url),
                    db_name,
                    cluster: None,
                    pg_bin: None,
                })
            }
            _ => Self::start_cluster(),
        }
    }

    fn start_cluster() -> Result<Self, LocalnetError> {
        let bin = pg_bin()?;
        let dir = std::env::temp_dir().join(format!("vetmai-pg-{}", unique()));
        let port = free_port()?;
        init_and_start(&bin, &dir, port, false)?;
        Ok(Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            admin_url: None,
            db_name: "postgres".into(),
            cluster: Some(dir),
            pg_bin: Some(bin),
        })
    }

    /// Connection string of the empty database.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Connection string of the server's maintenance database (for `create/drop database`).
    pub fn admin_url(&self) -> Option<&str> {
        self.admin_url.as_deref()
    }
}

/// Creates the cluster in `dir/data` unless it exists, then starts it on 127.0.0.1:`port` with its
/// socket and log in `dir`. `durable = false` turns fsync off (throwaway clusters). As root, the
/// cluster belongs to and runs as the `postgres` user.
fn init_and_start(bin: &Path, dir: &Path, port: u16, durable: bool) -> Result<(), LocalnetError> {
    let root = is_root();
    std::fs::create_dir_all(dir)?;
    if root {
        reachable_by_postgres(dir)?;
        run(Path::new("chown"), &["postgres:postgres", &dir.to_string_lossy()], false)?;
    }
    let data = dir.join("data");
    let data_s = data.to_string_lossy().to_string();
    if !data.join("PG_VERSION").exists() {
        run(&bin.join("initdb"), &["-D", &data_s, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], root)?;
    } else if run(&bin.join("pg_ctl"), &["-D", &data_s, "status"], root).is_ok() {
        // Left running by a process that was killed: stop it so it restarts with these settings.
        run(&bin.join("pg_ctl"), &["-D", &data_s, "-m", "fast", "-w", "stop"], root)?;
    }
    let fsync = if durable { "" } else { "-c fsync=off -c synchronous_commit=off -c full_page_writes=off " };
    let opts =
        format!("-p {port} -k {} -c listen_addresses=127.0.0.1 {fsync}-c max_connections=100", dir.to_string_lossy());
    let log = dir.join("log").to_string_lossy().to_string();
    run(&bin.join("pg_ctl"), &["-D", &data_s, "-o", &opts, "-l", &log, "-w", "start"], root)
}

/// As root the cluster runs as the `postgres` user, which must be able to enter every directory
/// above `dir` (a `mktemp -d` parent is private to root): say which one stops it, and what to do,
/// instead of initdb's bare "Permission denied".
fn reachable_by_postgres(dir: &Path) -> Result<(), LocalnetError> {
    let dir = dir.canonicalize()?;
    let enters = |p: &Path| {
        Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-x"])
            .arg(p)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let parents: Vec<&Path> = dir.ancestors().skip(1).collect();
    match parents.into_iter().rev().find(|p| !enters(p)) {
        None => Ok(()),
        Some(blocked) => Err(LocalnetError::Postgres(format!(
            "Postgres runs as the `postgres` user (initdb refuses root), and that user cannot enter {}, \
             a parent of {}: choose a directory it can reach (e.g. under /var/tmp), or allow it with \
             `chmod o+x {}`",
            blocked.display(),
            dir.display(),
            blocked.display()
        ))),
    }
}

/// A Postgres cluster kept in a directory across runs (the sandbox's): created on first use,
/// started on `port`, stopped on drop; the data stays.
pub struct PersistentPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl PersistentPostgres {
    pub fn open(dir: &Path, port: u16) -> Result<Self, LocalnetError> {
        let bin = pg_bin()?;
        init_and_start(&bin, dir, port, true)?;
        Ok(Self { dir: dir.to_path_buf(), bin, port })
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The server log.
    pub fn log(&self) -> PathBuf {
        self.dir.join("log")
    }
}

/// Stops the cluster in `dir` if one is running there (before deleting it, say).
pub fn stop_cluster(dir: &Path) {
    let data = dir.join("data");
    if let Ok(bin) = pg_bin() {
        if data.join("PG_VERSION").exists() {
            let data = data.to_string_lossy().to_string();
            let _ = run(&bin.join("pg_ctl"), &["-D", &data, "-m", "fast", "-w", "stop"], is_root());
        }
    }
}

impl Drop for PersistentPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").to_string_lossy().to_string();
        let _ = run(&self.bin.join("pg_ctl"), &["-D", &data, "-m", "fast", "-w", "stop"], is_root());
    }
}

/// Replaces the database name in a `postgres://` URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

fn psql(url: &str, sql: &str) -> Result<(), LocalnetError> {
    let psql = pg_bin().map(|b| b.join("psql")).unwrap_or_else(|_| PathBuf::from("psql"));
    run(&psql, &[url, "-v", "ON_ERROR_STOP=1", "-qc", sql], false)
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin_url {
            let _ = psql(admin, &format!("drop database if exists {} with (force)", self.db_name));
        }
        if let (Some(dir), Some(bin)) = (self.cluster.take(), self.pg_bin.take()) {
            let data = dir.join("data").to_string_lossy().to_string();
            let _ = run(&bin.join("pg_ctl"), &["-D", &data, "-m", "immediate", "-w", "stop"], is_root());
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state directory under a root-private parent: refused by name with the fix, before initdb.
    /// (Not root: the cluster runs as the caller, and the same directory just works.)
    #[test]
    fn a_state_dir_the_postgres_user_cannot_reach_is_refused_with_the_fix() {
        let private = std::env::temp_dir().join(format!("vetmai-private-{}", unique()));
        std::fs::create_dir_all(&private).unwrap();
        std::fs::set_permissions(&private, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        let dir = private.join("state");
        let port = free_port().unwrap();
        let opened = PersistentPostgres::open(&dir, port);
        if is_root() {
            let msg = opened.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(msg.contains("cannot enter") && msg.contains(&format!("chmod o+x {}", private.display())), "{msg}");
            assert!(!dir.join("data").exists(), "nothing half-made");
            std::fs::set_permissions(&private, std::os::unix::fs::PermissionsExt::from_mode(0o711)).unwrap();
            let pg = PersistentPostgres::open(&dir, port).expect("reachable now");
            assert!(pg.url().contains(&port.to_string()));
        } else {
            opened.expect("the caller's own directory");
        }
        stop_cluster(&dir);
        std::fs::remove_dir_all(&private).ok();
    }
}
