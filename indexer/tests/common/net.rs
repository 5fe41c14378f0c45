//! Validator-side helpers: the scripted lifecycle, a cuttable TCP proxy, raw HTTP GET, and a
//! child-process indexer.
#![allow(dead_code)]
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vetmai::{ClaimMode, CreateProposalArgs, LockKind, OpenRoundArgs, ProposalAction, VoteChoice};
use vetmai_client::ix::{ClaimAccounts, Deployment, PoolRef};
use vetmai_client::pda;
use vetmai_localnet::{Localnet, Wallet};

use super::{DAY, TMAI};

pub struct Lifecycle {
    pub dep: Deployment,
    pub admin: Keypair,
    pub wallets: Vec<Wallet>,
    /// The USDC-like reward and payment mint.
    pub usdc: PoolRef,
}

/// A token account of `mint` (SPL Token, mint authority = the payer) owned by `owner`, holding `amount`.
pub async fn token_account(net: &Localnet, owner: Pubkey, mint: Pubkey, amount: u64) -> Pubkey {
    net.token_account(owner, mint, amount).await.expect("token account")
}

/// Locks of both kinds, increase, extend, begin_unlock (no withdraw: the validator's clock cannot
/// be warped past the 7-day minimum lock).
pub async fn lifecycle(net: &Localnet) -> Lifecycle {
    let (dep, admin) = net.deploy(6).await.expect("deploy");
    let a = net.wallet(&dep, 1_000_000 * TMAI).await.expect("wallet a");
    let b = net.wallet(&dep, 1_000_000 * TMAI).await.expect("wallet b");
    let c = net.wallet(&dep, 1_000_000 * TMAI).await.expect("wallet c");
    let send = |ix, kp: &Keypair| {
        let kp = kp.insecure_clone();
        async move { net.send(&[ix], &[&kp]).await.expect("lifecycle tx") }
    };
    send(dep.create_lock(a.key(), a.token, 0, 10_000 * TMAI, 30 * DAY, LockKind::Fixed), &a.kp).await;
    send(dep.increase_amount(a.key(), a.token, pda::position(&a.key(), 0), 5_000 * TMAI), &a.kp).await;
    send(dep.extend_lock(a.key(), pda::position(&a.key(), 0), 60 * DAY), &a.kp).await;
    send(dep.create_lock(b.key(), b.token, 0, 20_000 * TMAI, 90 * DAY, LockKind::Constant), &b.kp).await;
    send(dep.begin_unlock(b.key(), pda::position(&b.key(), 0)), &b.kp).await;
    send(dep.create_lock(c.key(), c.token, 0, 50_000 * TMAI, 180 * DAY, LockKind::Constant), &c.kp).await;
    send(dep.create_lock(c.key(), c.token, 1, 3_000 * TMAI, 14 * DAY, LockKind::Fixed), &c.kp).await;
    send(dep.extend_lock(c.key(), pda::position(&c.key(), 0), 365 * DAY), &c.kp).await;

    // Rewards: a USDC-like pool and a TMAI pool; revenue streams; a streams-to-date payout.
    let usdc_dep = net.create_tmai_mint(6).await.expect("usdc mint");
    let usdc = PoolRef { mint: usdc_dep.tmai_mint, token_program: usdc_dep.token_program };
    let tmai = PoolRef { mint: dep.tmai_mint, token_program: dep.token_program };
    let mut dep = dep;
    for pool in [usdc, tmai] {
        send(dep.create_reward_pool(admin.pubkey(), pool), &admin).await;
        dep.add_pool(pool.address());
    }
    let revenue = token_account(net, admin.pubkey(), usdc.mint, 70_000 * TMAI).await;
    send(dep.deposit_revenue(admin.pubkey(), usdc, revenue, 70_000 * TMAI), &admin).await;
    let a_usdc = token_account(net, a.key(), usdc.mint, 0).await;
    let claim =
        ClaimAccounts { pool: usdc, pool_index: 0, destination: Some(a_usdc), target: None, history_chunk: None };
    let crank = dep.crank_pool(usdc, (0, None));
    net.send(&[crank, dep.claim_rewards(a.key(), pda::position(&a.key(), 0), ClaimMode::Payout, &claim)], &[&a.kp])
        .await
        .expect("crank + claim");

    // Governance: the DAO, a proposal, two votes.
    send(dep.init_dao(admin.pubkey(), Pubkey::default(), admin.pubkey()), &admin).await;
    let args = CreateProposalArgs {
        title: "Fund the USDC pool".into(),
        description_url: "https://example.org/p/0".into(),
        content_hash: [9; 32],
        action: ProposalAction::Signal,
    };
    send(dep.create_proposal(c.key(), 0, args), &c.kp).await;
    send(dep.cast_vote(c.key(), pda::proposal(0), VoteChoice::Yes), &c.kp).await;
    send(dep.cast_vote(a.key(), pda::proposal(0), VoteChoice::No), &a.kp).await;

    // A sale round open to every level ≥ 1 now, and a commitment.
    let now = net.now().await.expect("now");
    let mut window = [0u64; 11];
    window[0] = u64::MAX;
    let round = OpenRoundArgs {
        total_cap: 10_000 * TMAI,
        start: now - 60,
        end: now + DAY as i64,
        level_caps: None,
        window_open: Some(window),
    };
    send(dep.open_round(admin.pubkey(), 0, usdc, round), &admin).await;
    let c_usdc = token_account(net, c.key(), usdc.mint, 5_000 * TMAI).await;
    send(dep.commit(c.key(), pda::round(0), usdc, c_usdc, 1_000 * TMAI), &c.kp).await;
    Lifecycle { dep, admin, wallets: vec![a, b, c], usdc }
}

/// More activity for an existing wallet: one increase on its first position.
pub async fn bump(net: &Localnet, dep: &Deployment, w: &Wallet, amount: u64) {
    net.send(&[dep.increase_amount(w.key(), w.token, pda::position(&w.key(), 0), amount)], &[&w.kp])
        .await
        .expect("increase");
}

/// A new lock at `index` for `w`.
pub async fn new_lock(net: &Localnet, dep: &Deployment, w: &Wallet, index: u64) -> Pubkey {
    net.send(&[dep.create_lock(w.key(), w.token, index, 1_000 * TMAI, 7 * DAY, LockKind::Fixed)], &[&w.kp])
        .await
        .expect("create_lock");
    pda::position(&w.key(), index)
}

pub fn socket_of(url: &str) -> SocketAddr {
    let hostport = url.split("://").nth(1).unwrap_or(url).trim_end_matches('/');
    hostport.parse().expect("host:port")
}

/// A TCP proxy between the indexer and the validator's websocket that the test can cut.
pub struct Proxy {
    pub addr: SocketAddr,
    blocked: Arc<AtomicBool>,
    generation: tokio::sync::watch::Sender<u64>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let blocked = Arc::new(AtomicBool::new(false));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let (b, g) = (blocked.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if b.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cut = g.subscribe();
                tokio::spawn(async move {
                    let Ok(mut out) = TcpStream::connect(upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut out) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { addr, blocked, generation }
    }

    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Drops every open connection.
    pub fn cut(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    /// While blocked, new connections are closed at once.
    pub fn block(&self, on: bool) {
        self.blocked.store(on, Ordering::SeqCst);
    }
}

/// `GET path` over plain HTTP/1.1: (status, body).
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect http");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// The real `vetmai-indexer run` binary as a child process (SIGKILLed on drop).
pub struct IndexerProcess {
    child: Child,
}

impl IndexerProcess {
    pub fn spawn(database_url: &str, rpc_url: &str, ws_url: &str, listen: SocketAddr, log: &std::path::Path) -> Self {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_vetmai-indexer"))
            .args(["run", "--rpc-url", rpc_url, "--ws-url", ws_url, "--listen", &listen.to_string()])
            .args(["--reconcile-secs", "3600", "--batch-size", "500"])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn vetmai-indexer");
        Self { child }
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for IndexerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
