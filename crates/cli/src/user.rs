//! `jaring user …`: accounts from the command line (the first administrator is made here).

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use jaring_app::accounts::{self, UserSpec};
use jaring_domain::access::Role;
use jaring_domain::RegionCode;
use jaring_store::Database;

/// What to do with accounts.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from the terminal (hidden) or one line of standard input.
    Add {
        /// Login name.
        username: String,
        /// Role: operator_desa, operator_kecamatan, admin_kabupaten, petugas_bpjs, auditor.
        #[arg(long)]
        role: String,
        /// Region the role is bound to (a village for operator_desa, a kecamatan for
        /// operator_kecamatan, the regency otherwise).
        #[arg(long)]
        region: String,
        /// Full name shown in pages and the audit log.
        #[arg(long, default_value = "")]
        name: String,
        /// Let the user keep this password (by default they must change it at first sign-in).
        #[arg(long)]
        keep_password: bool,
    },
    /// Set a new password (read like `add`); the user must change it at next sign-in unless --keep.
    Passwd {
        /// Login name.
        username: String,
        /// Do not force a change at next sign-in.
        #[arg(long)]
        keep: bool,
    },
    /// Disable an account: its sessions end and its API tokens are revoked.
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// Login name.
        username: String,
    },
    /// List accounts.
    List,
    /// Make an API token for a machine client (shown once; keep it secret).
    Token {
        /// Login name whose rights the token carries.
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "api")]
        label: String,
    },
}

fn read_password(prompt: &str) -> Result<String> {
    let stdin = std::io::stdin();
    let pw = if stdin.is_terminal() {
        rpassword::prompt_password(prompt).context("cannot read the password")?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if pw.is_empty() {
        bail!("kata sandi kosong / empty password");
    }
    Ok(pw)
}

/// Runs a `jaring user` command as `actor`.
pub fn run(db: &Database, command: UserCommand, actor: &str) -> Result<()> {
    let who = |hint: Option<RegionCode>| accounts::cli_principal(db, actor, hint);
    match command {
        UserCommand::Add {
            username,
            role,
            region,
            name,
            keep_password,
        } => {
            let role = Role::from_code(&role).with_context(|| {
                format!(
                    "peran tidak dikenal / unknown role '{role}' (one of: {})",
                    Role::ALL
                        .iter()
                        .map(|r| r.as_code())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let region =
                RegionCode::parse(&region).map_err(|e| anyhow::anyhow!("--region: {e}"))?;
            let password = read_password("Kata sandi / password: ")?;
            let full_name = if name.trim().is_empty() {
                username.clone()
            } else {
                name
            };
            let id = accounts::add_user(
                db,
                &who(Some(region))?,
                &UserSpec {
                    username: username.clone(),
                    full_name,
                    role,
                    region,
                    password,
                    must_change_password: !keep_password,
                },
            )?;
            println!(
                "Akun dibuat / account created: {username} (#{id}), {} {region}",
                role.label_id()
            );
        }
        UserCommand::Passwd { username, keep } => {
            let password = read_password("Kata sandi baru / new password: ")?;
            accounts::reset_password(db, &who(None)?, &username, &password, !keep)?;
            println!("Kata sandi diganti / password changed: {username}");
        }
        UserCommand::Disable { username } => {
            accounts::set_disabled(db, &who(None)?, &username, true)?;
            println!("Akun dinonaktifkan / account disabled: {username}");
        }
        UserCommand::Enable { username } => {
            accounts::set_disabled(db, &who(None)?, &username, false)?;
            println!("Akun diaktifkan / account enabled: {username}");
        }
        UserCommand::List => {
            let rows = accounts::users(db, &who(None)?)?;
            for u in rows {
                println!(
                    "{:<16} {:<20} {:<14} {}{}",
                    u.username,
                    u.role,
                    u.region_code,
                    u.full_name,
                    if u.disabled {
                        "  [nonaktif/disabled]"
                    } else {
                        ""
                    }
                );
            }
        }
        UserCommand::Token { username, label } => {
            let token = accounts::create_token(db, &who(None)?, &username, &label)?;
            println!("{token}");
            eprintln!("Simpan token ini; tidak akan ditampilkan lagi. / Keep this token; it is not shown again.");
        }
    }
    Ok(())
}
