//! The demo world a fresh sandbox is seeded with: the TMAI mint and program config, a USDC-like
//! reward and payment mint, four wallets across the tiers, a reward pool with revenue streaming,
//! an open proposal with votes, and an open sale round with a commitment.
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use anyhow::Context;
use serde_json::{json, Value};
use solana_keypair::{read_keypair_file, write_keypair_file, Keypair};
use solana_signer::Signer;
use vetmai::{CreateProposalArgs, LockKind, OpenRoundArgs, ProposalAction, VoteChoice};
use vetmai_client::ix::PoolRef;
use vetmai_client::pda;
use vetmai_localnet::Localnet;

pub const DECIMALS: u8 = 6;
const UNIT: u64 = 1_000_000;
const DAY: u64 = 86_400;

/// One demo wallet: what it starts with and locks.
struct Persona {
    name: &'static str,
    tmai: u64,
    usdc: u64,
    /// (whole TMAI, days, kind) per lock.
    locks: &'static [(u64, u64, LockKind)],
    note: &'static str,
}

const PERSONAS: [Persona; 4] = [
    Persona {
        name: "alice",
        tmai: 50_000,
        usdc: 2_000,
        locks: &[],
        note: "no lock yet: Free tier (lock 20 000 TMAI for 12 months to reach Advanced)",
    },
    Persona {
        name: "bob",
        tmai: 30_000,
        usdc: 2_000,
        locks: &[(15_000, 365, LockKind::Fixed)],
        note: "15 000 TMAI for 12 months: level 1, Advanced",
    },
    Persona {
        name: "carol",
        tmai: 400_000,
        usdc: 10_000,
        locks: &[(250_000, 365, LockKind::Constant)],
        note: "250 000 TMAI constant 12-month lock: level 4, Premium",
    },
    Persona {
        name: "dave",
        tmai: 5_000_000,
        usdc: 50_000,
        locks: &[(3_000_000, 365, LockKind::Fixed), (10_000, 7, LockKind::Fixed)],
        note: "3 000 000 TMAI for 12 months (and 10 000 for a week): level 9, VIP; proposer",
    },
];

/// A seeded (or resumed) world, as `world.json` records it.
pub struct World {
    pub json: Value,
}

fn keypair(path: &Path) -> anyhow::Result<Keypair> {
    if path.exists() {
        return read_keypair_file(path).map_err(|e| anyhow::anyhow!("reading keypair {}: {e}", path.display()));
    }
    let kp = Keypair::new();
    write_keypair_file(&kp, path).map_err(|e| anyhow::anyhow!("writing keypair {}: {e}", path.display()))?;
    Ok(kp)
}

/// The genesis mint keypair (fees, SOL, mint authority), kept across restarts.
pub fn payer(dir: &Path) -> anyhow::Result<Keypair> {
    keypair(&dir.join("keys").join("payer.json"))
}

/// The admin keypair, kept across restarts: it deploys the program (its upgrade authority, the
/// only signer `initialize` accepts) and runs the demo world's admin steps.
pub fn admin(dir: &Path) -> anyhow::Result<Keypair> {
    keypair(&dir.join("keys").join("admin.json"))
}

impl World {
    pub fn load(dir: &Path) -> anyhow::Result<Option<World>> {
        let path = dir.join("world.json");
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(Some(World { json: serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))? }))
    }

    /// Every wallet whose system account a snapshot keeps (SOL balances).
    pub fn system_accounts(&self) -> Vec<Pubkey> {
        let mut out = vec![];
        for w in self.json["wallets"].as_array().into_iter().flatten() {
            if let Some(k) = w["pubkey"].as_str().and_then(|k| k.parse().ok()) {
                out.push(k);
            }
        }
        if let Some(k) = self.json["admin"]["pubkey"].as_str().and_then(|k| k.parse().ok()) {
            out.push(k);
        }
        out
    }

    pub fn wallet_files(&self) -> Vec<(String, PathBuf, String)> {
        self.json["wallets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| {
                (
                    w["name"].as_str().unwrap_or_default().to_string(),
                    PathBuf::from(w["keypair"].as_str().unwrap_or_default()),
                    w["note"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// Seeds a new world on `net`, writing keypairs under `dir/keys` and `dir/world.json`.
    pub async fn seed(net: &Localnet, dir: &Path) -> anyhow::Result<World> {
        let keys = dir.join("keys");
        let admin = admin(dir)?;
        net.airdrop(admin.pubkey(), 100 * 1_000_000_000).await?;
        let mut dep = net.create_tmai_mint(DECIMALS).await.context("creating the TMAI mint")?;
        net.send(&[dep.initialize(admin.pubkey())], &[&admin]).await.context("initialize")?;
        let usdc_dep = net.create_tmai_mint(DECIMALS).await.context("creating the USDC mint")?;
        let usdc = PoolRef { mint: usdc_dep.tmai_mint, token_program: usdc_dep.token_program };
        net.send(&[dep.create_reward_pool(admin.pubkey(), usdc)], &[&admin]).await.context("reward pool")?;
        dep.add_pool(usdc.address());

        let mut wallets = vec![];
        let mut signers = vec![];
        for p in &PERSONAS {
            let path = keys.join(format!("{}.json", p.name));
            let kp = keypair(&path)?;
            net.airdrop(kp.pubkey(), 10 * 1_000_000_000).await?;
            let tmai = net.associated_token_account(kp.pubkey(), dep.tmai_mint, p.tmai * UNIT).await?;
            net.associated_token_account(kp.pubkey(), usdc.mint, p.usdc * UNIT).await?;
            for (i, (amount, days, kind)) in p.locks.iter().enumerate() {
                let ix = dep.create_lock(kp.pubkey(), tmai, i as u64, amount * UNIT, days * DAY, *kind);
                net.send(&[ix], &[&kp]).await.with_context(|| format!("{}'s lock {i}", p.name))?;
            }
            wallets.push(json!({
                "name": p.name,
                "pubkey": kp.pubkey().to_string(),
                "keypair": path.to_string_lossy(),
                "secret_key": kp.to_bytes().to_vec(),
                "note": p.note,
            }));
            signers.push(kp);
        }
        let [_alice, _bob, carol, dave] = &signers[..] else { unreachable!("four personas") };

        // Revenue: 100 000 USDC streaming to stakers over the distribution period.
        let revenue = net.associated_token_account(admin.pubkey(), usdc.mint, 100_000 * UNIT).await?;
        net.send(&[dep.deposit_revenue(admin.pubkey(), usdc, revenue, 100_000 * UNIT)], &[&admin])
            .await
            .context("deposit revenue")?;

        // Governance: the DAO and an open proposal with two votes.
        net.send(&[dep.init_dao(admin.pubkey(), admin.pubkey(), admin.pubkey())], &[&admin]).await.context("DAO")?;
        let args = CreateProposalArgs {
            title: "Raise the VIP API quota to 300 000 calls".into(),
            description_url: "https://example.org/vetmai/proposals/0".into(),
            content_hash: [7; 32],
            action: ProposalAction::Signal,
        };
        net.send(&[dep.create_proposal(dave.pubkey(), 0, args)], &[dave]).await.context("proposal")?;
        net.send(&[dep.cast_vote(dave.pubkey(), pda::proposal(0), VoteChoice::Yes)], &[dave]).await?;
        net.send(&[dep.cast_vote(carol.pubkey(), pda::proposal(0), VoteChoice::No)], &[carol]).await?;

        // An early-access round paid in USDC, open now for three days with the published windows.
        let now = net.now().await?;
        let round = OpenRoundArgs {
            total_cap: 250_000 * UNIT,
            start: now - 60,
            end: now + 3 * DAY as i64,
            level_caps: None,
            window_open: None,
        };
        net.send(&[dep.open_round(admin.pubkey(), 0, usdc, round)], &[&admin]).await.context("sale round")?;
        let dave_usdc = anchor_spl::associated_token::get_associated_token_address(&dave.pubkey(), &usdc.mint);
        net.send(&[dep.commit(dave.pubkey(), pda::round(0), usdc, dave_usdc, 5_000 * UNIT)], &[dave])
            .await
            .context("commitment")?;

        let world = World {
            json: json!({
                "program_id": vetmai::ID.to_string(),
                "tmai_mint": dep.tmai_mint.to_string(),
                "tmai_decimals": DECIMALS,
                "usdc_mint": usdc.mint.to_string(),
                "usdc_decimals": DECIMALS,
                "admin": { "pubkey": admin.pubkey().to_string(), "keypair": keys.join("admin.json").to_string_lossy() },
                "wallets": wallets,
            }),
        };
        let path = dir.join("world.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&world.json)?)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(world)
    }
}
