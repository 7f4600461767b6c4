//! Accounts: Argon2id passwords, sessions for browsers, bearer tokens for machine clients, and the
//! `Principal` every scoped use case takes.
//!
//! Secrets (session cookies, API tokens) are 32 random bytes; only their SHA-256 is stored, so a
//! copy of the database does not let anyone sign in. Password hashes are Argon2id PHC strings with
//! the crate's defaults (19 MiB, 2 passes), which are OWASP's recommended minimum.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use jaring_domain::access::{Action, Grant, Role};
use jaring_domain::RegionCode;
use jaring_store::accounts::{self as store, NewUser, UserRow};
use jaring_store::audit::{self, AuditEntry};
use jaring_store::{Conn, Database};
use sha2::{Digest, Sha256};

use crate::AppError;

/// How long a browser session lasts without signing in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// A signed-in user: who, and what their role lets them do where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Account id.
    pub user_id: i64,
    /// Login name (recorded as the actor in the audit log).
    pub username: String,
    /// Full name.
    pub full_name: String,
    /// Role and region.
    pub grant: Grant,
    /// Must set a new password before anything else.
    pub must_change_password: bool,
}

impl Principal {
    /// Fails with `Denied` unless the role may take `action` in `region`.
    pub fn require(&self, action: Action, region: RegionCode) -> Result<(), AppError> {
        if self.grant.allows(action, region) {
            Ok(())
        } else {
            Err(AppError::Denied(format!(
                "{} ({}) tidak berwenang untuk ini di wilayah {region} / not allowed here",
                self.username,
                self.grant.role.label_id()
            )))
        }
    }

    /// Fails with `Denied` unless the role may take `action` somewhere in its scope.
    pub fn require_any(&self, action: Action) -> Result<(), AppError> {
        self.require(action, self.grant.scope)
    }

    /// The principal of the command line, run by whoever holds the database: the whole regency,
    /// admin rights, and its own audit actor (`cli`, or `cli:<name>` for `--actor name`), so a shell
    /// decision is never mistaken for a web account's.
    pub fn cli(regency: RegionCode, actor: &str) -> Principal {
        let actor = actor.trim();
        let name = if actor.is_empty() || actor == "cli" {
            "cli".into()
        } else {
            format!("cli:{actor}")
        };
        Principal::job(regency, &name)
    }

    /// A system principal recorded under the job's own name (`demo`, a scheduled run).
    pub fn job(regency: RegionCode, name: &str) -> Principal {
        let mut p = Principal::system(regency);
        p.username = name.to_string();
        p.full_name = name.to_string();
        p
    }

    /// A system principal for jobs (the demo, the monthly cycle): the whole regency, admin rights.
    pub fn system(regency: RegionCode) -> Principal {
        Principal {
            user_id: 0,
            username: "system".into(),
            full_name: "system".into(),
            grant: Grant {
                role: Role::AdminKabupaten,
                scope: regency,
            },
            must_change_password: false,
        }
    }
}

/// The command line's principal acting as `actor`: scoped to the regency this database serves, or,
/// before the first registry import sets it, to the regency of `hint` (the region a command names)
/// or of the accounts made so far.
pub fn cli_principal(
    db: &Database,
    actor: &str,
    hint: Option<RegionCode>,
) -> Result<Principal, AppError> {
    let regency_of = |c: RegionCode| c.at_level(jaring_domain::RegionLevel::Regency);
    let regency = match crate::overview::regency(db) {
        Ok(r) => r,
        Err(AppError::NoRegency) => match hint.and_then(regency_of) {
            Some(r) => r,
            None => store::list_all_users(&mut db.conn()?)?
                .iter()
                .find_map(|u| RegionCode::parse(&u.region_code).ok().and_then(regency_of))
                .ok_or(AppError::NoRegency)?,
        },
        Err(e) => return Err(e),
    };
    Ok(Principal::cli(regency, actor))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// 32 random bytes as hex.
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of a secret, as stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Argon2id hash of a password (PHC string with its own random salt).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Input(format!("cannot hash password: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Why a password is refused, in both languages.
pub fn check_password_policy(username: &str, password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::Input(format!(
            "kata sandi minimal {MIN_PASSWORD_LEN} karakter / a password needs at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if jaring_domain::fold(password).contains(&jaring_domain::fold(username)) {
        return Err(AppError::Input(
            "kata sandi tidak boleh memuat nama pengguna / a password must not contain the username"
                .into(),
        ));
    }
    Ok(())
}

fn principal(u: &UserRow) -> Result<Principal, AppError> {
    let role = Role::from_code(&u.role)
        .ok_or_else(|| AppError::Input(format!("user {}: unknown role {}", u.username, u.role)))?;
    let scope = RegionCode::parse(&u.region_code)
        .map_err(|e| AppError::Input(format!("user {}: {e}", u.username)))?;
    Ok(Principal {
        user_id: u.id,
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        grant: Grant { role, scope },
        must_change_password: u.must_change_password,
    })
}

fn audit_user(
    tx: &mut Conn,
    actor: &str,
    action: &str,
    u: &UserRow,
    reason: Option<String>,
) -> Result<(), AppError> {
    audit::lock(tx)?;
    audit::append(
        tx,
        &[AuditEntry {
            actor: actor.to_string(),
            action: action.to_string(),
            entity: "user".into(),
            entity_id: Some(u.id),
            village_code: None,
            person_id: None,
            before: None,
            after: Some(
                serde_json::json!({"username": u.username, "role": u.role, "region": u.region_code, "disabled": u.disabled})
                    .to_string(),
            ),
            reason,
        }],
    )?;
    Ok(())
}

/// A new account's details.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Login name: letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Full name.
    pub full_name: String,
    /// Role.
    pub role: Role,
    /// Region the role is bound to.
    pub region: RegionCode,
    /// Initial password.
    pub password: String,
    /// Whether the first sign-in must choose a new password.
    pub must_change_password: bool,
}

/// The account `username` if `who` manages accounts in its region; `NotFound` otherwise, so an
/// account outside one's region is not even confirmed to exist.
fn managed(tx: &mut Conn, who: &Principal, username: &str) -> Result<UserRow, AppError> {
    who.require_any(Action::ManageUsers)?;
    let u = store::find_user(tx, username)?.ok_or(AppError::NotFound)?;
    match RegionCode::parse(&u.region_code) {
        Ok(region) if who.grant.covers(region) => Ok(u),
        _ => Err(AppError::NotFound),
    }
}

/// Adds an account as `who` (who must manage accounts in its region; recorded in the audit log);
/// the region must exist in this database.
pub fn add_user(db: &Database, who: &Principal, spec: &UserSpec) -> Result<i64, AppError> {
    who.require(Action::ManageUsers, spec.region)?;
    let actor = who.username.as_str();
    let name = spec.username.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::Input(format!(
            "nama pengguna '{name}' hanya boleh huruf, angka, titik, garis bawah, tanda hubung / \
             a username holds only letters, digits, '.', '_' and '-'"
        )));
    }
    let grant = Grant::new(spec.role, spec.region).map_err(|e| AppError::Input(e.to_string()))?;
    crate::text::checked(
        ("nama lengkap", "the full name"),
        &spec.full_name,
        crate::text::MAX_FIELD,
    )?;
    check_password_policy(name, &spec.password)?;
    let hash = hash_password(&spec.password)?;
    db.transaction(|tx| {
        if tx
            .query_opt(
                "SELECT 1 FROM regions WHERE code = $1",
                &[grant.scope.to_string().into()],
            )?
            .is_none()
        {
            return Err(AppError::UnknownRegion(grant.scope.to_string()));
        }
        let id = store::insert_user(
            tx,
            &NewUser {
                username: name,
                full_name: spec.full_name.trim(),
                role: spec.role.as_code(),
                region_code: &grant.scope.to_string(),
                password_hash: &hash,
                must_change_password: spec.must_change_password,
            },
            now(),
        )?
        .ok_or_else(|| {
            AppError::Input(format!(
                "nama pengguna '{name}' sudah dipakai / username '{name}' is taken"
            ))
        })?;
        let row = store::get_user(tx, id)?.ok_or(AppError::NotFound)?;
        audit_user(tx, actor, "user.create", &row, None)?;
        Ok(id)
    })
}

/// The account with this name, if `who` manages it.
pub fn user(db: &Database, who: &Principal, username: &str) -> Result<UserRow, AppError> {
    managed(&mut db.conn()?, who, username)
}

/// Accounts visible to `who` (inside its scope).
pub fn users(db: &Database, who: &Principal) -> Result<Vec<UserRow>, AppError> {
    who.require_any(Action::ManageUsers)?;
    Ok(store::list_users(
        &mut db.conn()?,
        &who.grant.scope.to_string(),
    )?)
}

/// Checks a name and password. Unknown names cost as much as wrong passwords, so timing does not
/// tell which accounts exist.
pub fn authenticate(db: &Database, username: &str, password: &str) -> Result<Principal, AppError> {
    let found = store::find_user(&mut db.conn()?, username.trim())?;
    match found {
        Some(u) if !u.disabled && verify_password(password, &u.password_hash) => {
            store::touch_login(&mut db.conn()?, u.id, now())?;
            principal(&u)
        }
        Some(_) => Err(AppError::BadCredentials),
        None => {
            let _ = verify_password(password, DUMMY_HASH);
            Err(AppError::BadCredentials)
        }
    }
}

/// A fixed hash to verify against when the name is unknown (same cost as a real check).
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0S3/DJ+Hj1c0YgXn+dVtVY0aTlJx4aTQyo0ZmSbHgDI";

/// A new browser session: returns the cookie secret and the CSRF token of the session.
pub fn start_session(db: &Database, who: &Principal) -> Result<(String, String), AppError> {
    let secret = random_secret();
    let csrf = random_secret();
    let t = now();
    let mut conn = db.conn()?;
    // Expired sessions are removed as new ones begin, so the table holds only live ones.
    store::purge_sessions(&mut conn, t)?;
    store::insert_session(
        &mut conn,
        &secret_hash(&secret),
        who.user_id,
        &csrf,
        t,
        t + SESSION_SECONDS,
    )?;
    Ok((secret, csrf))
}

/// The principal and CSRF token of a live session.
pub fn session(db: &Database, secret: &str) -> Result<Option<(Principal, String)>, AppError> {
    match store::find_session(&mut db.conn()?, &secret_hash(secret), now())? {
        Some((u, csrf)) => Ok(Some((principal(&u)?, csrf))),
        None => Ok(None),
    }
}

/// Ends a session.
pub fn end_session(db: &Database, secret: &str) -> Result<(), AppError> {
    store::delete_session(&mut db.conn()?, &secret_hash(secret))?;
    Ok(())
}

/// Makes an API token for an account; the token is shown once and only its hash is kept.
pub fn create_token(
    db: &Database,
    who: &Principal,
    username: &str,
    label: &str,
) -> Result<String, AppError> {
    let token = format!("jrg_{}", random_secret());
    db.transaction(|tx| {
        let u = managed(tx, who, username)?;
        store::insert_token(tx, &secret_hash(&token), u.id, label, now())?;
        audit_user(tx, &who.username, "user.token", &u, Some(label.to_string()))?;
        Ok::<(), AppError>(())
    })?;
    Ok(token)
}

/// The principal of a bearer token.
pub fn token_principal(db: &Database, token: &str) -> Result<Option<Principal>, AppError> {
    store::find_token(&mut db.conn()?, &secret_hash(token))?
        .map(|u| principal(&u))
        .transpose()
}

/// Changes one's own password (the old one must be right); ends every other session.
pub fn change_password(
    db: &Database,
    who: &Principal,
    old: &str,
    new: &str,
) -> Result<(), AppError> {
    let u = store::get_user(&mut db.conn()?, who.user_id)?.ok_or(AppError::NotFound)?;
    if !verify_password(old, &u.password_hash) {
        return Err(AppError::Input(
            "kata sandi lama salah / the current password is wrong".into(),
        ));
    }
    if old == new {
        return Err(AppError::Input(
            "kata sandi baru harus berbeda / the new password must differ".into(),
        ));
    }
    check_password_policy(&u.username, new)?;
    let hash = hash_password(new)?;
    db.transaction(|tx| {
        store::set_password(tx, u.id, &hash, false, now())?;
        audit_user(tx, &who.username, "user.password", &u, None)?;
        Ok(())
    })
}

/// Sets an account's password by an administrator (or the CLI); the user must change it at next
/// sign-in when `must_change`.
pub fn reset_password(
    db: &Database,
    who: &Principal,
    username: &str,
    new: &str,
    must_change: bool,
) -> Result<(), AppError> {
    managed(&mut db.conn()?, who, username)?;
    check_password_policy(username, new)?;
    let hash = hash_password(new)?;
    db.transaction(|tx| {
        let u = managed(tx, who, username)?;
        store::set_password(tx, u.id, &hash, must_change, now())?;
        audit_user(tx, &who.username, "user.password_reset", &u, None)?;
        Ok(())
    })
}

/// Disables (or enables again) an account; disabling ends its sessions and revokes its tokens.
pub fn set_disabled(
    db: &Database,
    who: &Principal,
    username: &str,
    disabled: bool,
) -> Result<(), AppError> {
    db.transaction(|tx| {
        let u = managed(tx, who, username)?;
        if u.id == who.user_id && disabled {
            return Err(AppError::Input(
                "akun sendiri tidak dapat dinonaktifkan / you cannot disable your own account"
                    .into(),
            ));
        }
        store::set_disabled(tx, u.id, disabled, now())?;
        let u = store::get_user(tx, u.id)?.ok_or(AppError::NotFound)?;
        audit_user(
            tx,
            &who.username,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            &u,
            None,
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("sandi-rahasia-1").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("sandi-rahasia-1", &h));
        assert!(!verify_password("sandi-rahasia-2", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_names_cost_the_same() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(check_password_policy("maria", "pendek").is_err());
        let e = check_password_policy("maria", "Maria12345678").unwrap_err();
        assert!(e.to_string().contains("username"));
        assert!(check_password_policy("maria", "kopi-pagi-atambua").is_ok());
    }
}
