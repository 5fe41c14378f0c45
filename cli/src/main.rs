//! `vetmai`: the veTMAI command line. Locks TMAI, shows a wallet's veTMAI, level and guaranteed
//! veTMAI, claims revenue, runs governance and sale rounds — reading state over JSON-RPC and
//! building instructions with `vetmai-client`. See `docs/cli.md`.
mod chain;
mod cmd;
mod error;
mod out;
mod parse;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use solana_commitment_config::CommitmentConfig;

use crate::chain::Ctx;
use crate::error::CliError;

#[derive(Parser)]
#[command(
    name = "vetmai",
    version,
    about = "veTMAI: lock TMAI for veTMAI, claim revenue, vote, commit to sale rounds",
    long_about = None,
    propagate_version = true
)]
struct Cli {
    /// Keypair file that signs and pays (Solana CLI JSON format)
    #[arg(short = 'k', long, env = "VETMAI_KEYPAIR", global = true, value_name = "PATH")]
    keypair: Option<PathBuf>,
    /// RPC URL, or a moniker: localhost, devnet, testnet, mainnet-beta
    #[arg(
        short = 'u',
        long,
        env = "VETMAI_URL",
        global = true,
        default_value = "localhost",
        value_name = "URL_OR_MONIKER"
    )]
    url: String,
    /// Commitment for reads and for confirming transactions
    #[arg(long, env = "VETMAI_COMMITMENT", global = true, value_enum, default_value_t = Commitment::Confirmed)]
    commitment: Commitment,
    /// Output format; json prints one JSON document (errors too, with a nonzero exit)
    #[arg(long, env = "VETMAI_OUTPUT", global = true, value_enum, default_value_t = OutputFormat::Human)]
    output: OutputFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Commitment {
    Processed,
    Confirmed,
    Finalized,
}

#[derive(Subcommand)]
enum Command {
    /// Print the keypair's wallet address
    Address,
    /// A wallet's positions, veTMAI, level, guaranteed veTMAI and pending rewards
    #[command(visible_alias = "status")]
    Show(cmd::show::ShowArgs),
    /// The deployment: TMAI mint, admin, parameters, totals and reward pools
    Config,
    /// Initialize the program for a TMAI mint (once per deployment; the signer becomes admin)
    Init {
        /// The TMAI mint (SPL Token or Token-2022)
        #[arg(long)]
        mint: String,
    },
    /// Create, extend, top up, unlock and withdraw locks
    #[command(subcommand)]
    Lock(cmd::lock::LockCmd),
    /// Claim a position's rewards: paid out, or reinvested into a lock (TMAI rewards)
    Claim(cmd::rewards::ClaimArgs),
    /// Reward pools: create one for a mint, crank one
    #[command(subcommand)]
    Pool(cmd::rewards::PoolCmd),
    /// Deposit revenue into a mint's reward pool (revenue authority)
    Deposit(cmd::rewards::DepositArgs),
    /// Governance set-up: create the DAO, hand the admin rights to it
    #[command(subcommand)]
    Dao(cmd::gov::DaoCmd),
    /// Create a proposal (level 1 or more)
    Propose(Box<cmd::gov::ProposeArgs>),
    /// Vote on a proposal (or change your vote)
    Vote(cmd::gov::VoteArgs),
    /// Record a proposal's outcome once its voting has ended (anyone)
    Finalize(cmd::gov::ProposalArg),
    /// Execute a passed proposal after its timelock (anyone)
    Execute(cmd::gov::ExecuteArgs),
    /// List proposals with their state and tallies
    Proposals,
    /// Early-access sale rounds: open, commit, settle, withdraw proceeds, list
    #[command(subcommand)]
    Sale(cmd::sale::SaleCmd),
}

fn main() {
    let cli = Cli::parse();
    let json_out = cli.output == OutputFormat::Json;
    let result = run(cli);
    match result {
        Ok(report) => {
            if json_out {
                println!("{}", serde_json::to_string_pretty(&report.json).unwrap_or_default());
            } else {
                println!("{}", report.human.trim_end());
            }
        }
        Err(e) => {
            if json_out {
                let doc = serde_json::json!({ "error": e.to_json() });
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            } else {
                eprintln!("error: {e}");
                match &e {
                    CliError::Program(f) => eprintln!("failed check: {}", f.check),
                    CliError::Transaction { check, .. } => eprintln!("failed check: {check}"),
                    _ => {}
                }
                if let CliError::Preflight { check, .. } = &e {
                    eprintln!("failed check: {check} (checked before sending; nothing was sent)");
                }
            }
            std::process::exit(e.exit_code());
        }
    }
}

fn run(cli: Cli) -> Result<out::Report, CliError> {
    let url = parse::rpc_url(&cli.url)?;
    let commitment = match cli.commitment {
        Commitment::Processed => CommitmentConfig::processed(),
        Commitment::Confirmed => CommitmentConfig::confirmed(),
        Commitment::Finalized => CommitmentConfig::finalized(),
    };
    let keypair = cli.keypair.unwrap_or_else(parse::default_keypair_path);
    let ctx = Ctx::new(url, commitment, keypair);
    match cli.command {
        Command::Address => cmd::show::address(&ctx),
        Command::Show(a) => cmd::show::show(&ctx, a),
        Command::Config => cmd::show::config(&ctx),
        Command::Init { mint } => cmd::admin::init(&ctx, &mint),
        Command::Lock(c) => cmd::lock::run(&ctx, c),
        Command::Claim(a) => cmd::rewards::claim(&ctx, a),
        Command::Pool(c) => cmd::rewards::pool(&ctx, c),
        Command::Deposit(a) => cmd::rewards::deposit(&ctx, a),
        Command::Dao(c) => cmd::gov::dao(&ctx, c),
        Command::Propose(a) => cmd::gov::propose(&ctx, *a),
        Command::Vote(a) => cmd::gov::vote(&ctx, a),
        Command::Finalize(a) => cmd::gov::finalize(&ctx, a),
        Command::Execute(a) => cmd::gov::execute(&ctx, a),
        Command::Proposals => cmd::gov::list(&ctx),
        Command::Sale(c) => cmd::sale::run(&ctx, c),
    }
}
