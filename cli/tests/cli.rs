//! The real `vetmai` binary against an in-process validator with the program registered natively
//! (`vetmai-localnet`), every command's success and its main failure, in `--output json` (parsed)
//! and human form.
//!
//! Two validators in all: the first runs on wall-clock time and covers everything that does not
//! need time to pass. Locks end after a week at the earliest and votes after an hour, so for
//! `withdraw`, `finalize`, `execute` and settling a round the first validator's accounts are
//! snapshotted, moved back in time (locks, pools and rounds by 64 epochs — the score schedules'
//! ring length, so their rings stay aligned; proposals by just past their voting end, or their
//! timelock), and loaded into a second validator's genesis, where the same binary finishes the
//! lifecycle.
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, AccountSerialize, Discriminator};
use anchor_spl::associated_token::get_associated_token_address;
use anchor_spl::token_interface::TokenAccount;
use serde_json::Value;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use vetmai::state::RewardHistory;
use vetmai_client::{pda, ProgramAccount};
use vetmai_localnet::{GenesisAccount, Localnet};

const UNIT: u64 = 1_000_000;
const EPOCH: i64 = 604_800;
const DAY: i64 = 86_400;
/// Locks, pools and rounds move back this far: 64 epochs (the ring length) ≈ 448 days.
const SHIFT: i64 = 64 * EPOCH;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with a clean environment (no VETMAI_* variables leak in).
async fn vetmai_env(args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_vetmai"));
    cmd.args(args);
    for v in ["VETMAI_KEYPAIR", "VETMAI_URL", "VETMAI_COMMITMENT", "VETMAI_OUTPUT"] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().await.expect("run vetmai");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

struct Cli {
    url: String,
}

impl Cli {
    async fn run(&self, who: &Path, args: &[&str], json: bool) -> Out {
        let kp = who.to_string_lossy().into_owned();
        let mut all = vec!["-u", self.url.as_str(), "-k", kp.as_str()];
        if json {
            all.extend(["--output", "json"]);
        }
        all.extend(args);
        vetmai_env(&all, &[]).await
    }

    /// Succeeds, and its JSON output parses.
    async fn ok(&self, who: &Path, args: &[&str]) -> Value {
        let o = self.run(who, args, true).await;
        assert_eq!(o.code, 0, "vetmai {args:?} failed:\n{}\n{}", o.stdout, o.stderr);
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("vetmai {args:?}: bad JSON ({e}):\n{}", o.stdout))
    }

    /// Fails with exit code 1 and a JSON error naming `check`; returns the error object.
    async fn fail(&self, who: &Path, args: &[&str], check: &str) -> Value {
        let o = self.run(who, args, true).await;
        let v: Value = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("vetmai {args:?}: bad JSON ({e}):\n{}\n{}", o.stdout, o.stderr));
        assert_eq!(v["error"]["check"], check, "vetmai {args:?}: {v:#}");
        assert_eq!(o.code, 1, "vetmai {args:?} exit code");
        v["error"].clone()
    }

    /// Fails with a decoded program error: its name, code and the program's own message.
    async fn fail_program(&self, who: &Path, args: &[&str], e: vetmai::VetmaiError) -> Value {
        let err = self.fail(who, args, &e.name()).await;
        assert_eq!(err["kind"], "program", "{err:#}");
        assert_eq!(err["code"], u32::from(e), "{err:#}");
        assert_eq!(err["error_message"], e.to_string(), "{err:#}");
        assert!(err["message"].as_str().unwrap().contains(&e.to_string()), "{err:#}");
        err
    }
}

fn ui(v: &Value) -> &str {
    v["ui"].as_str().unwrap_or_else(|| panic!("not an amount: {v}"))
}

fn base(v: &Value) -> u128 {
    v["base_units"].as_str().unwrap_or_else(|| panic!("not an amount: {v}")).parse().unwrap()
}

fn key_file(dir: &Path, name: &str, kp: &Keypair) -> PathBuf {
    let p = dir.join(format!("{name}.json"));
    write_keypair_file(kp, &p).expect("write keypair");
    p
}

async fn token_amount(net: &Localnet, account: &Pubkey) -> u64 {
    match net.rpc().get_account(account).await {
        Ok(a) => TokenAccount::try_deserialize_unchecked(&mut &a.data[..]).unwrap().amount,
        Err(_) => 0,
    }
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("vetmai-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn address_reads_the_keypair_from_flag_env_or_default_path() {
    let dir = temp_dir().join("address");
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".config/solana")).unwrap();
    let default = Keypair::new();
    write_keypair_file(&default, home.join(".config/solana/id.json")).unwrap();
    let (envk, flagk) = (Keypair::new(), Keypair::new());
    let env_path = key_file(&dir, "env", &envk);
    let flag_path = key_file(&dir, "flag", &flagk);
    let home_s = home.to_string_lossy().into_owned();
    let env_s = env_path.to_string_lossy().into_owned();
    let flag_s = flag_path.to_string_lossy().into_owned();

    let o = vetmai_env(&["address"], &[("HOME", &home_s)]).await;
    assert_eq!((o.code, o.stdout.trim()), (0, default.pubkey().to_string().as_str()), "{}", o.stderr);
    let o = vetmai_env(&["address"], &[("HOME", &home_s), ("VETMAI_KEYPAIR", &env_s)]).await;
    assert_eq!(o.stdout.trim(), envk.pubkey().to_string());
    let o = vetmai_env(&["-k", &flag_s, "address", "--output", "json"], &[("VETMAI_KEYPAIR", &env_s)]).await;
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["address"], flagk.pubkey().to_string());
    let o = vetmai_env(&["address"], &[("HOME", &home_s), ("VETMAI_OUTPUT", "json")]).await;
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["address"], default.pubkey().to_string());

    // A missing keypair file names the path and how to pass another.
    let missing = dir.join("nope.json").to_string_lossy().into_owned();
    let o = vetmai_env(&["-k", &missing, "address"], &[]).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("cannot read the keypair file") && o.stderr.contains(&missing), "{}", o.stderr);
    let o = vetmai_env(&["-k", &missing, "--output", "json", "address"], &[]).await;
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!((v["error"]["kind"].as_str(), v["error"]["check"].as_str()), (Some("input"), Some("input")));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn bad_arguments_fail_before_any_request() {
    let dir = temp_dir().join("args");
    std::fs::create_dir_all(&dir).unwrap();
    let kp = key_file(&dir, "k", &Keypair::new()).to_string_lossy().into_owned();
    // Unknown moniker.
    let o = vetmai_env(&["-u", "moonnet", "-k", &kp, "show"], &[]).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("`moonnet` is not an RPC URL or a moniker"), "{}", o.stderr);
    // A lock needs a duration; a duration needs a unit it knows. (Port 1: nothing is contacted.)
    let o = vetmai_env(&["-u", "http://127.0.0.1:1", "-k", &kp, "lock", "create", "100"], &[]).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("give the lock duration"), "{}", o.stderr);
    let o = vetmai_env(&["-u", "http://127.0.0.1:1", "-k", &kp, "lock", "create", "100", "12x"], &[]).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("`12x` is not a duration"), "{}", o.stderr);
    // clap's own usage errors.
    let o = vetmai_env(&["lock", "create"], &[]).await;
    assert_eq!(o.code, 2);
    let o = vetmai_env(&["claim", "0", "--into", "1"], &[]).await;
    assert_eq!(o.code, 2, "--into needs --reinvest: {}", o.stderr);
    // An unreachable RPC endpoint is an RPC failure, exit 1.
    let o = vetmai_env(&["-u", "http://127.0.0.1:1", "-k", &kp, "--output", "json", "show"], &[]).await;
    assert_eq!(o.code, 1);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "rpc");
    assert!(v["error"]["message"].as_str().unwrap().contains("http://127.0.0.1:1"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Moves a snapshotted account back in time: locks, pools, histories and rounds by [`SHIFT`],
/// proposals by `proposal_shift(id)`.
fn shift_back(mut a: GenesisAccount, proposal_shift: impl Fn(u64) -> i64) -> GenesisAccount {
    if a.owner != vetmai::ID {
        return a;
    }
    let epochs = (SHIFT / EPOCH) as u64;
    fn encode<T: AccountSerialize>(v: &T, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        v.try_serialize(&mut out).expect("serialize");
        assert!(out.len() <= len);
        out.resize(len, 0);
        out
    }
    let len = a.data.len();
    a.data = match vetmai_client::decode_any(&a.data).expect("program account") {
        ProgramAccount::Config(mut c) => {
            c.totals.score.fixed.epoch -= epochs;
            encode(&*c, len)
        }
        ProgramAccount::Staker(mut s) => {
            s.fixed.epoch -= epochs;
            encode(&*s, len)
        }
        ProgramAccount::Position(mut p) => {
            p.created_at -= SHIFT;
            if p.end != 0 {
                p.end -= SHIFT;
            }
            encode(&*p, len)
        }
        ProgramAccount::RewardPool(mut p) => {
            p.stream.last_update -= SHIFT;
            p.stream.end -= SHIFT;
            p.history_start_epoch -= epochs;
            p.score.fixed.epoch -= epochs;
            encode(&*p, len)
        }
        ProgramAccount::RewardHistory(mut h) => {
            h.start_epoch -= epochs;
            let mut out = RewardHistory::DISCRIMINATOR.to_vec();
            out.extend_from_slice(bytemuck::bytes_of(&*h));
            out
        }
        ProgramAccount::Proposal(mut p) => {
            let s = proposal_shift(p.id);
            p.created_at -= s;
            p.voting_ends_at -= s;
            encode(&*p, len)
        }
        ProgramAccount::VoteRecord(mut v) => {
            v.updated_at -= proposal_shift(0);
            encode(&*v, len)
        }
        ProgramAccount::SaleRound(mut r) => {
            r.start -= SHIFT;
            r.end -= SHIFT;
            encode(&*r, len)
        }
        ProgramAccount::Dao(_) | ProgramAccount::Commitment(_) => a.data,
    };
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_against_a_validator() {
    let dir = temp_dir().join("lifecycle");
    std::fs::create_dir_all(&dir).unwrap();
    // The admin deploys the program: it is the upgrade authority `init` requires.
    let deployer = Keypair::new();
    let net = Localnet::builder().upgrade_authority(deployer.pubkey()).start().await.expect("validator");
    let cli = Cli { url: net.rpc_url() };
    let tmai = net.create_tmai_mint(6).await.unwrap().tmai_mint;
    let usdc = net.create_tmai_mint(6).await.unwrap().tmai_mint;
    let (tmai_s, usdc_s) = (tmai.to_string(), usdc.to_string());
    let names = ["admin", "alice", "bob", "carol", "dave"];
    net.airdrop(deployer.pubkey(), 10_000_000_000).await.unwrap();
    let mut kps = vec![deployer];
    for _ in &names[1..] {
        kps.push(net.funded_keypair(10_000_000_000).await.unwrap());
    }
    let files: Vec<PathBuf> = names.iter().zip(&kps).map(|(n, k)| key_file(&dir, n, k)).collect();
    let [admin, alice, bob, carol, dave] = [&files[0], &files[1], &files[2], &files[3], &files[4]];
    let [admin_k, alice_k, bob_k, carol_k, dave_k] = [0, 1, 2, 3, 4].map(|i| kps[i].pubkey());
    for (owner, t, u) in
        [(admin_k, 100_000, 100_000), (alice_k, 50_000, 1_000), (bob_k, 30_000, 0), (carol_k, 3_000_000, 20_000)]
    {
        net.associated_token_account(owner, tmai, t * UNIT).await.unwrap();
        if u > 0 {
            net.associated_token_account(owner, usdc, u * UNIT).await.unwrap();
        }
    }

    // --- address, and reads before the program is initialized.
    let v = cli.ok(alice, &["address"]).await;
    assert_eq!(v["address"], alice_k.to_string());
    let o = cli.run(alice, &["address"], false).await;
    assert_eq!(o.stdout.trim(), alice_k.to_string());
    let e = cli.fail(alice, &["show"], "config_missing").await;
    assert!(e["message"].as_str().unwrap().contains("vetmai init"), "{e}");
    cli.fail(dave, &["config"], "config_missing").await;

    // --- init: only the upgrade authority.
    cli.fail_program(alice, &["init", "--mint", &tmai_s], vetmai::VetmaiError::NotUpgradeAuthority).await;
    let v = cli.ok(admin, &["init", "--mint", &tmai_s]).await;
    assert_eq!(
        (v["admin"].as_str(), v["config"].as_str()),
        (Some(&*admin_k.to_string()), Some(&*pda::config().to_string()))
    );
    assert_eq!(v["decimals"], 6);
    cli.fail(admin, &["init", "--mint", &tmai_s], "already_initialized").await;

    // --- reward pools and revenue.
    let e = cli.fail_program(alice, &["pool", "create", "--mint", &usdc_s], vetmai::VetmaiError::Unauthorized).await;
    assert_eq!((e["instruction_name"].as_str(), e["source"].as_str()), (Some("create_reward_pool"), Some("program")));
    let o = cli.run(alice, &["pool", "create", "--mint", &usdc_s], false).await;
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("Unauthorized (6001): Signer is not the config admin"), "{}", o.stderr);
    assert!(o.stderr.contains("failed check: Unauthorized"), "{}", o.stderr);
    let v = cli.ok(admin, &["pool", "create", "--mint", &usdc_s]).await;
    assert_eq!((v["index"].as_u64(), v["pool"].as_str()), (Some(0), Some(&*pda::reward_pool(&usdc).to_string())));
    cli.fail(admin, &["pool", "create", "--mint", &usdc_s], "pool_exists").await;
    assert_eq!(cli.ok(admin, &["pool", "create", "--mint", &tmai_s]).await["index"], 1);
    let v = cli.ok(admin, &["deposit", "1000", "--mint", &usdc_s]).await;
    assert_eq!((ui(&v["amount"]), ui(&v["total_deposited"])), ("1000", "1000"));
    cli.ok(admin, &["deposit", "10000", "--mint", &tmai_s]).await;
    let e = cli.fail(admin, &["deposit", "1000000", "--mint", &usdc_s], "insufficient_balance").await;
    assert!(e["message"].as_str().unwrap().contains("holds 99000"), "{e}");
    cli.fail(admin, &["deposit", "1", "--mint", &Pubkey::new_unique().to_string()], "no_reward_pool").await;

    // --- locks.
    let v = cli.ok(alice, &["lock", "create", "20000", "12mo"]).await;
    assert_eq!((v["index"].as_u64(), v["kind"].as_str()), (Some(0), Some("fixed")));
    assert_eq!((ui(&v["amount"]), ui(&v["score"]), v["multiplier_bps"].as_str()), ("20000", "40000", Some("20000")));
    assert_eq!(v["address"], pda::position(&alice_k, 0).to_string());
    let e = cli.fail_program(alice, &["lock", "create", "1", "3d"], vetmai::VetmaiError::DurationTooShort).await;
    assert_eq!(e["code"], 6009);
    let o = cli.run(alice, &["lock", "create", "1", "3d"], false).await;
    assert!(o.stderr.contains("DurationTooShort (6009): Lock duration is shorter than min_lock"), "{}", o.stderr);
    let e = cli.fail(alice, &["lock", "create", "1000000", "12mo"], "insufficient_balance").await;
    assert!(e["message"].as_str().unwrap().contains("holds 30000 TMAI, 1000000 TMAI needed"), "{e}");
    let o = cli.run(alice, &["lock", "create", "1.1234567", "12mo"], true).await;
    assert_eq!(o.code, 2);
    assert!(o.stdout.contains("more than 6 decimal places"), "{}", o.stdout);
    let v = cli.ok(alice, &["lock", "create", "1000", "--months", "6", "--constant"]).await;
    assert_eq!((v["index"].as_u64(), v["kind"].as_str(), v["end"].is_null()), (Some(1), Some("constant"), true));
    assert_eq!(v["duration"], 6 * 2_628_000);
    cli.fail_program(alice, &["lock", "extend", "0", "6mo"], vetmai::VetmaiError::ExtendNotLonger).await;
    let v = cli.ok(alice, &["lock", "extend", "1", "12mo"]).await;
    assert_eq!((v["duration"].as_u64(), ui(&v["score"])), (Some(365 * 86_400), "2000"));
    let v = cli.ok(alice, &["lock", "increase", "0", "500.5"]).await;
    assert_eq!(ui(&v["amount"]), "20500.5");
    let alice_pos0 = pda::position(&alice_k, 0).to_string();
    let e = cli.fail(bob, &["lock", "increase", &alice_pos0, "5"], "not_position_owner").await;
    assert!(e["message"].as_str().unwrap().contains(&alice_k.to_string()), "{e}");
    cli.fail(alice, &["lock", "increase", "7", "5"], "no_such_position").await;
    cli.fail_program(alice, &["lock", "unlock", "0"], vetmai::VetmaiError::NotConstant).await;
    let v = cli.ok(alice, &["lock", "unlock", "1"]).await;
    assert_eq!(v["kind"], "fixed");
    assert!(v["end"].as_i64().unwrap() > v["created_at"].as_i64().unwrap() + 364 * DAY);
    let e = cli.fail(alice, &["lock", "withdraw", "0"], "position_locked").await;
    assert!(e["message"].as_str().unwrap().contains("is locked until"), "{e}");
    let o = cli.run(alice, &["lock", "withdraw", "0"], false).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("failed check: position_locked (checked before sending; nothing was sent)"),
        "{}",
        o.stderr
    );
    cli.ok(bob, &["lock", "create", "100", "12mo"]).await;
    cli.ok(bob, &["lock", "create", "50", "30d", "--constant"]).await;
    cli.ok(carol, &["lock", "create", "2500000", "12mo"]).await;

    // --- show and config.
    let v = cli.ok(alice, &["show"]).await;
    let positions = v["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 2);
    let sum: u128 = positions.iter().map(|p| base(&p["current_score"])).sum();
    assert_eq!(base(&v["ve"]), sum);
    let config: vetmai::state::Config =
        vetmai_client::decode(&net.rpc().get_account(&pda::config()).await.unwrap().data).unwrap();
    assert_eq!(v["level"], vetmai_math::level(sum, &config.params.level_thresholds));
    assert_eq!(v["level"], 1);
    assert_eq!(
        (base(&v["guaranteed"]), v["guaranteed_level"].as_u64()),
        (sum, Some(1)),
        "both locks outlast the month"
    );
    assert_eq!((ui(&v["balance"]), ui(&v["locked"])), ("28499.5", "21500.5"));
    assert_eq!(v["next_level"]["level"], 2);
    assert_eq!(base(&v["next_level"]["missing"]), 111_000 * u128::from(UNIT) - sum);
    let v = cli.ok(alice, &["show", "--through", "400d"]).await;
    assert_eq!((ui(&v["guaranteed"]), v["guaranteed_level"].as_u64()), ("0", Some(0)), "no lock lasts 400 days");
    let v = cli.ok(alice, &["show", &carol_k.to_string()]).await;
    assert_eq!((v["level"].as_u64(), ui(&v["ve"])), (Some(8), "5000000"));
    let o = cli.run(alice, &["show"], false).await;
    assert!(o.stdout.contains("(level 1)") && o.stdout.contains("#0 ") && o.stdout.contains("#1 "), "{}", o.stdout);
    let v = cli.ok(dave, &["config"]).await;
    assert_eq!(v["reward_pools"].as_array().unwrap().len(), 2);
    assert_eq!((v["totals"]["open_positions"].as_u64(), v["totals"]["stakers"].as_u64()), (Some(5), Some(3)));
    assert_eq!(v["tmai_mint"], tmai_s);

    // --- claims: payout of every pool, reinvest of the TMAI pool.
    let before = cli.ok(alice, &["show"]).await["positions"][0]["amount"].clone();
    let v = cli.ok(alice, &["claim", "0", "--reinvest"]).await;
    let reinvested = base(&v["claimed"][0]["amount"]);
    assert!(reinvested > 0, "TMAI rewards streamed: {v}");
    let after = cli.ok(alice, &["show"]).await["positions"][0]["amount"].clone();
    assert_eq!(base(&after), base(&before) + reinvested);
    let usdc_ata = get_associated_token_address(&alice_k, &usdc);
    let usdc_before = token_amount(&net, &usdc_ata).await;
    let v = cli.ok(alice, &["claim", "0"]).await;
    assert_eq!((v["mode"].as_str(), v["claimed"].as_array().unwrap().len()), (Some("payout"), 2));
    let paid = base(&v["claimed"][0]["amount"]);
    assert!(paid > 0, "USDC rewards streamed: {v}");
    assert_eq!(u128::from(token_amount(&net, &usdc_ata).await - usdc_before), paid);
    cli.fail_program(alice, &["claim", "0", "--reinvest", "--pool", &usdc_s], vetmai::VetmaiError::ReinvestNotTmai)
        .await;
    cli.fail(alice, &["claim", "0", "--pool", "3"], "no_reward_pool").await;
    cli.fail(alice, &["claim", "5"], "no_such_position").await;

    // --- governance on a live clock.
    cli.fail(
        alice,
        &["propose", "--title", "t", "--description-url", "u", "--content-hash", &"00".repeat(32)],
        "dao_missing",
    )
    .await;
    cli.fail(dave, &["proposals"], "dao_missing").await;
    cli.fail(dave, &["sale", "list"], "dao_missing").await;
    cli.fail_program(alice, &["dao", "init"], vetmai::VetmaiError::Unauthorized).await;
    let v = cli.ok(admin, &["dao", "init"]).await;
    assert_eq!(
        (v["dao"].as_str(), v["sale_authority"].as_str()),
        (Some(&*pda::dao().to_string()), Some(&*admin_k.to_string()))
    );
    cli.fail(admin, &["dao", "init"], "dao_exists").await;
    let hash = "ab".repeat(32);
    let p = [
        "propose",
        "--title",
        "Raise the VIP quota",
        "--description-url",
        "https://example.org/p/0",
        "--content-hash",
        &hash,
    ];
    let v = cli.ok(alice, &p).await;
    assert_eq!(
        (v["id"].as_u64(), v["state"].as_str(), v["content_hash"].as_str()),
        (Some(0), Some("voting"), Some(&*hash))
    );
    cli.fail_program(alice, &p, vetmai::VetmaiError::ProposalLimitReached).await;
    cli.fail_program(bob, &p, vetmai::VetmaiError::LevelTooLow).await;
    cli.fail(dave, &p, "level_too_low").await;
    let content = dir.join("p1.md");
    std::fs::write(&content, "Pay carol 100 USDC").unwrap();
    let carol_usdc = get_associated_token_address(&carol_k, &usdc);
    let content_s = content.to_string_lossy().into_owned();
    let carol_usdc_s = carol_usdc.to_string();
    let v = cli
        .ok(
            carol,
            &[
                "propose",
                "--title",
                "Grant",
                "--description-url",
                "https://example.org/p/1",
                "--content-file",
                &content_s,
                "transfer-treasury",
                "--mint",
                &usdc_s,
                "--to",
                &carol_usdc_s,
                "100",
            ],
        )
        .await;
    assert_eq!(
        (v["id"].as_u64(), v["action"]["type"].as_str(), v["action"]["amount"].as_str()),
        (Some(1), Some("transfer_treasury"), Some("100000000"))
    );
    use sha2::Digest;
    assert_eq!(
        v["content_hash"],
        sha2::Sha256::digest(b"Pay carol 100 USDC").iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let v = cli
        .ok(
            carol,
            &[
                "propose",
                "--title",
                "Shorter votes",
                "--description-url",
                "u",
                "--content-hash",
                &hash,
                "params",
                "--voting-period",
                "3d",
            ],
        )
        .await;
    assert_eq!((v["id"].as_u64(), v["action"]["type"].as_str()), (Some(2), Some("update_params")));
    let o = cli
        .run(carol, &["propose", "--title", "x", "--description-url", "u", "--content-hash", &hash, "params"], true)
        .await;
    assert_eq!(o.code, 2, "an empty parameter change is refused: {}", o.stdout);
    let v = cli.ok(alice, &["vote", "0", "yes"]).await;
    assert_eq!((v["changed"].as_bool(), v["choice"].as_str()), (Some(false), Some("yes")));
    let weight = base(&v["weight"]);
    assert!(weight > 0);
    assert_eq!(base(&v["tally"]["yes"]), weight);
    let v = cli.ok(alice, &["vote", "0", "no"]).await;
    assert_eq!((v["changed"].as_bool(), base(&v["tally"]["no"]), base(&v["tally"]["yes"])), (Some(true), weight, 0));
    cli.ok(carol, &["vote", "1", "yes"]).await;
    cli.ok(carol, &["vote", &pda::proposal(2).to_string(), "yes"]).await;
    cli.fail(dave, &["vote", "0", "yes"], "no_voting_weight").await;
    cli.fail(alice, &["vote", "9", "yes"], "no_such_proposal").await;
    cli.fail_program(dave, &["finalize", "0"], vetmai::VetmaiError::VotingNotEnded).await;
    let e = cli.fail(dave, &["execute", "0"], "proposal_state").await;
    assert!(e["message"].as_str().unwrap().contains("is voting"), "{e}");
    let v = cli.ok(dave, &["proposals"]).await;
    assert_eq!(v["proposals"].as_array().unwrap().len(), 3);
    // The treasury the TransferTreasury proposal pays from: the DAO's USDC treasury PDA, created
    // by anyone, funded like any token account.
    let v = cli.ok(dave, &["dao", "treasury", "--mint", &usdc_s]).await;
    assert_eq!(v["treasury"], pda::treasury(&usdc).to_string());
    cli.fail(dave, &["dao", "treasury", "--mint", &usdc_s], "treasury_exists").await;
    net.mint_to(usdc, pda::treasury(&usdc), 1_000 * UNIT).await.unwrap();

    // --- a sale round.
    let open = ["sale", "open", "--mint", &usdc_s, "--cap", "100000", "--duration", "3d"];
    cli.fail_program(alice, &open, vetmai::VetmaiError::Unauthorized).await;
    let v = cli.ok(admin, &open).await;
    assert_eq!((v["id"].as_u64(), ui(&v["total_cap"])), (Some(0), "100000"));
    let v = cli.ok(carol, &["sale", "commit", "0", "5000"]).await;
    assert_eq!((v["level"].as_u64(), ui(&v["committed"]), ui(&v["level_cap"])), (Some(8), "5000", "10000"));
    cli.fail_program(carol, &["sale", "commit", "0", "6000"], vetmai::VetmaiError::LevelCapExceeded).await;
    cli.fail_program(alice, &["sale", "commit", "0", "10"], vetmai::VetmaiError::WindowNotOpen).await;
    cli.fail(dave, &["sale", "commit", "0", "10"], "window_not_open").await;
    cli.fail(carol, &["sale", "commit", "1", "10"], "no_such_round").await;
    cli.fail_program(
        dave,
        &["sale", "settle", "0", "--wallet", &carol_k.to_string()],
        vetmai::VetmaiError::RoundNotEnded,
    )
    .await;
    cli.fail(dave, &["sale", "settle", "0"], "no_commitment").await;
    cli.fail_program(admin, &["sale", "withdraw-proceeds", "0"], vetmai::VetmaiError::RoundNotEnded).await;
    let v = cli.ok(dave, &["sale", "list"]).await;
    assert_eq!(ui(&v["rounds"][0]["total_committed"]), "5000");

    // --- governance takes over the config.
    cli.fail_program(alice, &["dao", "transfer"], vetmai::VetmaiError::Unauthorized).await;
    cli.ok(admin, &["dao", "transfer"]).await;
    assert_eq!(cli.ok(dave, &["config"]).await["dao_in_charge"], true);
    let v = cli.ok(admin, &["pool", "crank", "--mint", &usdc_s]).await;
    assert_eq!(v["pool"], pda::reward_pool(&usdc).to_string());
    cli.fail(admin, &["pool", "crank", "--mint", &Pubkey::new_unique().to_string()], "no_reward_pool").await;

    // --- the same accounts, ~448 days later (see the module doc).
    let snapshot = net.snapshot(&[admin_k, alice_k, bob_k, carol_k, dave_k]).await.unwrap();
    let payer = Keypair::try_from(&net.payer().to_bytes()[..]).unwrap();
    drop(cli);
    drop(net);
    let shift = |id: u64| if id == 2 { 7 * DAY + 3_600 } else { 9 * DAY };
    let accounts: Vec<_> = snapshot.into_iter().map(|(k, a)| (k, shift_back(a, shift))).collect();
    let net = Localnet::builder().payer(payer).accounts(accounts).start().await.expect("second validator");
    let cli = Cli { url: net.rpc_url() };

    // Voting has ended: votes are refused by the program, proposals are finalized.
    cli.fail_program(alice, &["vote", "0", "yes"], vetmai::VetmaiError::VotingClosed).await;
    let v = cli.ok(dave, &["finalize", "0"]).await;
    assert_eq!(v["state"], "defeated", "alice alone is far from the 25% quorum");
    cli.fail(dave, &["finalize", "0"], "proposal_state").await;
    let e = cli.fail(dave, &["execute", "0"], "proposal_state").await;
    assert!(e["message"].as_str().unwrap().contains("is defeated"), "{e}");
    assert_eq!(cli.ok(dave, &["finalize", "1"]).await["state"], "passed");
    let carol_before = token_amount(&net, &carol_usdc).await;
    let v = cli.ok(dave, &["execute", "1"]).await;
    assert_eq!(v["state"], "executed");
    assert_eq!(token_amount(&net, &carol_usdc).await, carol_before + 100 * UNIT);
    assert_eq!(cli.ok(dave, &["finalize", "2"]).await["state"], "passed");
    cli.fail_program(dave, &["execute", "2"], vetmai::VetmaiError::TimelockActive).await;

    // Every lock has ended: veTMAI is gone, withdrawals pay tokens and rewards (pools are cranked
    // through the 64 boundaries first, by the CLI).
    let v = cli.ok(alice, &["show"]).await;
    assert_eq!((ui(&v["ve"]), v["level"].as_u64()), ("0", Some(0)));
    assert!(v["positions"].as_array().unwrap().iter().all(|p| p["withdrawable"] == true), "{v}");
    let pending_usdc = base(&v["positions"][0]["pending_rewards"][0]["amount"]);
    let amount0 = base(&v["positions"][0]["amount"]);
    let alice_tmai = get_associated_token_address(&alice_k, &tmai);
    let (tmai_before, usdc_before) = (token_amount(&net, &alice_tmai).await, token_amount(&net, &usdc_ata).await);
    let v = cli.ok(alice, &["lock", "withdraw", "0"]).await;
    assert_eq!(base(&v["amount"]), amount0);
    assert_eq!(base(&v["rewards"][0]["amount"]), pending_usdc);
    let tmai_reward = base(&v["rewards"][1]["amount"]);
    assert_eq!(u128::from(token_amount(&net, &alice_tmai).await - tmai_before), amount0 + tmai_reward);
    assert_eq!(u128::from(token_amount(&net, &usdc_ata).await - usdc_before), pending_usdc);
    cli.fail(alice, &["lock", "withdraw", "0"], "no_such_position").await;
    // The exit that does not touch reward vaults: TMAI back, rewards kept claimable.
    let amount1 = base(&show_position(&cli, alice, 1).await["amount"]);
    let tmai_before = token_amount(&net, &alice_tmai).await;
    let v = cli.ok(alice, &["lock", "exit", "1"]).await;
    assert_eq!(
        (base(&v["amount"]), v["rewards"].as_str(), v["closed"].as_bool()),
        (amount1, Some("kept"), Some(false)),
        "{v}"
    );
    assert_eq!(u128::from(token_amount(&net, &alice_tmai).await - tmai_before), amount1);
    cli.fail(alice, &["lock", "exit", "1"], "position_empty").await;
    cli.ok(alice, &["claim", "1"]).await;
    cli.ok(alice, &["lock", "withdraw", "1"]).await;
    let v = cli.ok(alice, &["show"]).await;
    assert_eq!((v["positions"].as_array().unwrap().len(), ui(&v["locked"])), (0, "0"));
    let e = cli.fail(bob, &["lock", "withdraw", "1"], "constant_not_unlocking").await;
    assert!(e["message"].as_str().unwrap().contains("vetmai lock unlock 1"), "{e}");
    cli.ok(bob, &["lock", "withdraw", "0"]).await;

    // The round has ended: settle, withdraw the proceeds.
    let v = cli.ok(dave, &["sale", "settle", "0", "--wallet", &carol_k.to_string()]).await;
    assert_eq!((ui(&v["allocation"]), ui(&v["refund"])), ("5000", "0"));
    cli.fail(dave, &["sale", "settle", "0", "--wallet", &carol_k.to_string()], "already_settled").await;
    cli.fail_program(alice, &["sale", "withdraw-proceeds", "0"], vetmai::VetmaiError::Unauthorized).await;
    let v = cli.ok(admin, &["sale", "withdraw-proceeds", "0"]).await;
    assert_eq!(ui(&v["amount"]), "5000");
    assert_eq!(v["destination"], get_associated_token_address(&admin_k, &usdc).to_string());

    drop(cli);
    drop(net);
    std::fs::remove_dir_all(&dir).ok();
}

/// Position `index` as `show` reports it for `wallet`.
async fn show_position(cli: &Cli, wallet: &Path, index: u64) -> Value {
    let v = cli.ok(wallet, &["show"]).await;
    v["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["index"] == index)
        .cloned()
        .unwrap_or_else(|| panic!("no position {index}: {v}"))
}
