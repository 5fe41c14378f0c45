//! Every way a command fails, each naming the check that failed (`check`), so both a person and a
//! script (`--output json`) can tell what went wrong.
use serde_json::{json, Value};
use vetmai_client::ProgramErrorInfo;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad command-line input (an amount, a duration, an address, a file).
    #[error("{0}")]
    Input(String),
    /// A check made before sending, from the chain state read over RPC.
    #[error("{message}")]
    Preflight { check: &'static str, message: String },
    /// The program (or a program it called) rejected an instruction.
    #[error("{0}")]
    Program(Box<ProgramFailure>),
    /// The transaction failed before or outside any instruction (fees, blockhash, accounts).
    #[error("transaction rejected: {message}")]
    Transaction { check: String, message: String, logs: Vec<String> },
    /// The RPC endpoint could not be reached or answered with an error.
    #[error("RPC request to {url} failed: {message}")]
    Rpc { url: String, message: String },
}

/// A rejected instruction.
#[derive(Debug)]
pub struct ProgramFailure {
    /// Its position in the transaction.
    pub instruction: u8,
    /// Which instruction it was (`create_lock`, `crank_pool`, ...).
    pub instruction_name: String,
    /// The decoded custom error, when the code is known.
    pub decoded: Option<ProgramErrorInfo>,
    /// Human rendering of the failure (decoded error, or the runtime's instruction error).
    pub detail: String,
    /// The check that failed: the error variant name (e.g. `DurationTooShort`), or the runtime's
    /// instruction error kind.
    pub check: String,
    pub logs: Vec<String>,
}

impl std::fmt::Display for ProgramFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (instruction {} of the transaction) failed: {}",
            self.instruction_name, self.instruction, self.detail
        )
    }
}

impl CliError {
    pub fn preflight(check: &'static str, message: impl Into<String>) -> Self {
        CliError::Preflight { check, message: message.into() }
    }

    /// Exit status: 2 for bad input (as clap uses for usage errors), 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            _ => 1,
        }
    }

    pub fn to_json(&self) -> Value {
        let message = self.to_string();
        match self {
            CliError::Input(_) => json!({ "kind": "input", "check": "input", "message": message }),
            CliError::Preflight { check, .. } => json!({ "kind": "preflight", "check": check, "message": message }),
            CliError::Program(f) => json!({
                "kind": "program",
                "check": f.check,
                "message": message,
                "instruction": f.instruction,
                "instruction_name": f.instruction_name,
                "code": f.decoded.as_ref().map(|d| d.code),
                "name": f.decoded.as_ref().map(|d| d.name.clone()),
                "error_message": f.decoded.as_ref().map(|d| d.message.clone()),
                "source": f.decoded.as_ref().map(|d| d.source.as_str()),
                "logs": f.logs,
            }),
            CliError::Transaction { check, logs, .. } => {
                json!({ "kind": "transaction", "check": check, "message": message, "logs": logs })
            }
            CliError::Rpc { .. } => json!({ "kind": "rpc", "check": "rpc", "message": message }),
        }
    }
}

impl From<vetmai_client::AmountError> for CliError {
    fn from(e: vetmai_client::AmountError) -> Self {
        CliError::Input(e.to_string())
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;
