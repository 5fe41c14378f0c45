//! Builds the program's Anchor IDL without anchor-cli or the SBF toolchain.
//!
//! `anchor-lang-idl`'s `IdlBuilder` runs `cargo test __anchor_private_print_idl --features idl-build`
//! natively in the program directory and assembles the printed pieces, the same path
//! `anchor idl build` takes.
//!
//! Usage: `idl-gen [--check] [OUT]` (default `idl/vetmai.json`). With `--check` it writes nothing
//! and fails when `OUT` differs from a freshly built IDL.
use std::path::PathBuf;

use anyhow::{bail, Context};

fn main() -> anyhow::Result<()> {
    let mut check = false;
    let mut out = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: idl-gen [--check] [OUT]   (default OUT: idl/vetmai.json)");
                return Ok(());
            }
            other if out.is_none() => out = Some(PathBuf::from(other)),
            other => bail!("unexpected argument {other:?}"),
        }
    }
    // The manifest directory `cargo run` gives at run time: the one baked in at compile time may
    // be another checkout's when target directories are shared (as CI's cache is).
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let root = manifest.join("../..").canonicalize()?;
    let out = out.unwrap_or_else(|| root.join("idl/vetmai.json"));
    // anchor-lang-idl passes the literal "+<toolchain>" to cargo when RUSTUP_TOOLCHAIN is set,
    // which it is whenever this runs under `cargo run`.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(root.join("programs/vetmai"))
        .cargo_args(vec!["--lib".into()])
        .build()
        .context("building the IDL")?;
    let fresh = serde_json::to_string_pretty(&idl)? + "\n";
    if check {
        let committed = std::fs::read_to_string(&out).with_context(|| format!("reading {}", out.display()))?;
        if committed != fresh {
            bail!("{} is stale: run `cargo run -p idl-gen` and commit the result", out.display());
        }
        eprintln!("{} is up to date", out.display());
    } else {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&out, fresh)?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
