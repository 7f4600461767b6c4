//! jaring's HTTP adapter: server-rendered pages (Bahasa Indonesia first) and the JSON API, both thin
//! layers over the app crate. Store calls are blocking, so handlers run them on the blocking pool.
//!
//! Every route is declared once in [`route_table`], which builds the router and which the
//! authorisation-matrix test walks, so no route can be added without being tested for who may use it.

mod api;
mod api_jobs;
mod api_reports;
mod auth;
mod headers;
mod input;
mod metrics;
mod pages;
mod rejections;
mod server;
mod ui;
mod uploads;
mod worker;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use jaring_app::AppError;
use jaring_domain::RegionCode;
use jaring_store::Database;

pub use auth::{CSRF_HEADER, SESSION_COOKIE};
pub use server::Timeouts;

/// How the server runs (from `jaring serve`'s options, a config file or the environment).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Mark cookies `Secure` (set when jaring runs behind a TLS-terminating proxy). Requests that
    /// arrive with `X-Forwarded-Proto: https` get `Secure` cookies either way.
    pub secure_cookies: bool,
    /// Where uploaded files' error reports are kept for download.
    pub data_dir: PathBuf,
    /// Largest upload accepted, in bytes. Other requests may carry at most [`MAX_FORM_BODY`].
    pub max_upload: usize,
    /// Imports run at once; one more waits briefly, then is answered 429 with `Retry-After`. Each
    /// import holds a few hundred rows and its bookkeeping in memory (see docs/RELIABILITY.md).
    pub max_imports: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the real client (addresses or networks).
    /// Sign-in failures are counted per client; behind an untrusted peer the peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Waits for clients and for a place among the imports.
    pub timeouts: Timeouts,
    /// The key civil registries sign death events with (HMAC-SHA256); the intake is off without one.
    pub intake_key: Option<Secret>,
}

/// A secret that never appears in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The largest body of a request that is not an upload: forms and JSON are a few kilobytes.
pub const MAX_FORM_BODY: usize = 1 << 20;

/// Default for [`ServerConfig::max_upload`].
pub const DEFAULT_MAX_UPLOAD_MIB: usize = 64;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            secure_cookies: false,
            data_dir: std::env::temp_dir().join("jaring-data"),
            max_upload: DEFAULT_MAX_UPLOAD_MIB << 20,
            max_imports: 2,
            trusted_proxies: Vec::new(),
            timeouts: Timeouts::default(),
            intake_key: None,
        }
    }
}

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// Server settings.
    pub config: Arc<ServerConfig>,
    /// Whether the database holds demo data (demo accounts may keep their password).
    pub demo: bool,
    pub(crate) auth: Arc<auth::AuthState>,
    pub(crate) metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    refresh: Arc<tokio::sync::Notify>,
    /// Wakes the job worker.
    jobs: Arc<tokio::sync::Notify>,
    overview: Arc<Cached<jaring_app::Overview>>,
    names: Arc<Cached<jaring_app::residents::NameIndex>>,
    /// Budget projections per region: evaluating a programme's rule on every resident of a regency
    /// takes seconds, and a planning figure minutes old is still the plan.
    budgets: Arc<std::sync::Mutex<HashMap<RegionCode, Arc<Cached<pages::budget::Kept>>>>>,
    pub(crate) imports: Arc<tokio::sync::Semaphore>,
    searches: Arc<tokio::sync::Semaphore>,
}

/// A value computed from the database and reused for a while: counting a regency's residents or
/// reading its names takes tens of milliseconds, reading them from memory microseconds. A change made
/// through this server clears it at once; changes made elsewhere (the CLI) show after `ttl`.
pub(crate) struct Cached<T> {
    slot: std::sync::Mutex<Option<(std::time::Instant, Arc<T>)>>,
    ttl: std::time::Duration,
    /// Held while loading, so requests that miss together wait for one load instead of each running
    /// their own (four searches after an approval were loading the 233,000-name index four times).
    loading: tokio::sync::Mutex<()>,
    /// Bumped by `clear`: a load that began before a change is not kept as fresh after it.
    generation: std::sync::atomic::AtomicU64,
}

impl<T: Send + Sync + 'static> Cached<T> {
    fn new(seconds: u64) -> Cached<T> {
        Cached {
            slot: std::sync::Mutex::new(None),
            ttl: std::time::Duration::from_secs(seconds),
            loading: tokio::sync::Mutex::new(()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn clear(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut guard) = self.slot.lock() {
            *guard = None;
        }
    }

    fn fresh(&self) -> Option<Arc<T>> {
        let guard = self.slot.lock().ok()?;
        let (at, v) = guard.as_ref()?;
        (at.elapsed() < self.ttl).then(|| v.clone())
    }

    /// The value kept, however old (none after a change cleared it).
    fn kept(&self) -> Option<Arc<T>> {
        let guard = self.slot.lock().ok()?;
        guard.as_ref().map(|(_, v)| v.clone())
    }

    async fn get(
        &self,
        load: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<Arc<T>, WebError> {
        if let Some(v) = self.fresh() {
            return Ok(v);
        }
        // Expired but not cleared by a change: one request reloads, the others keep being answered
        // from the old value meanwhile. Waiting for the reload made every search stall once a
        // minute (reading 233,000 names takes a few hundred milliseconds; p99 300 ms at 32
        // connections).
        let _loading = match (self.kept(), self.loading.try_lock()) {
            (Some(old), Err(_)) => return Ok(old),
            (_, Ok(guard)) => guard,
            (None, Err(_)) => self.loading.lock().await,
        };
        // Whoever held the lock before may have just loaded it.
        if let Some(v) = self.fresh() {
            return Ok(v);
        }
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let fresh = Arc::new(blocking(load).await?);
        if let Ok(mut guard) = self.slot.lock() {
            if self.generation.load(std::sync::atomic::Ordering::SeqCst) == generation {
                *guard = Some((std::time::Instant::now(), fresh.clone()));
            }
        }
        Ok(fresh)
    }
}

impl AppState {
    /// State for `db` with default settings.
    pub fn new(db: Database) -> AppState {
        AppState::with_config(db, ServerConfig::default())
    }

    /// State for `db` with these settings.
    pub fn with_config(db: Database, config: ServerConfig) -> AppState {
        let demo = db
            .conn()
            .and_then(|mut c| jaring_store::settings::get(&mut c, jaring_app::SETTING_DEMO))
            .map(|v| v.is_some())
            .unwrap_or(false);
        AppState {
            db,
            imports: Arc::new(tokio::sync::Semaphore::new(config.max_imports.max(1))),
            searches: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            config: Arc::new(config),
            demo,
            auth: Arc::new(auth::AuthState::default()),
            metrics: metrics::install(),
            refresh: Arc::new(tokio::sync::Notify::new()),
            jobs: Arc::new(tokio::sync::Notify::new()),
            overview: Arc::new(Cached::new(30)),
            names: Arc::new(Cached::new(60)),
            budgets: Arc::default(),
        }
    }

    /// Where the annotated files of rejected rows are kept for download.
    pub(crate) fn errors_dir(&self) -> PathBuf {
        self.config.data_dir.join("errors")
    }

    /// The counts per region (cached).
    pub(crate) async fn overview(&self) -> Result<Arc<jaring_app::Overview>, WebError> {
        let db = self.db.clone();
        self.overview.get(move || jaring_app::overview(&db)).await
    }

    /// The budget projection of `region` (cached for ten minutes, not cleared by changes).
    pub(crate) async fn budget(
        &self,
        region: RegionCode,
        load: impl FnOnce() -> Result<pages::budget::Kept, AppError> + Send + 'static,
    ) -> Result<Arc<pages::budget::Kept>, WebError> {
        let slot = {
            let mut map = self
                .budgets
                .lock()
                .map_err(|_| WebError(AppError::Input("budget cache poisoned".into())))?;
            map.entry(region)
                .or_insert_with(|| Arc::new(Cached::new(600)))
                .clone()
        };
        slot.get(load).await
    }

    /// The resident search index (cached).
    pub(crate) async fn names(&self) -> Result<Arc<jaring_app::residents::NameIndex>, WebError> {
        let db = self.db.clone();
        self.names
            .get(move || jaring_app::residents::NameIndex::load(&db))
            .await
    }

    /// A turn to search the name index (CPU only; the rows are read after it): as many at once as
    /// there are cores, the rest waiting in order. 32 searches time-sliced on two cores, each also
    /// waiting for a pooled connection, answered most in 10 ms and some after 200 ms.
    pub(crate) async fn search_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.searches.clone().acquire_owned().await.ok()
    }

    /// Asks for this month's coverage snapshot to be recomputed soon (after approvals, edits and
    /// imports), so dashboards that read the snapshot show the change; bursts are coalesced.
    pub fn refresh_coverage(&self) {
        self.overview.clear();
        self.names.clear();
        self.refresh.notify_one();
    }

    /// Recomputes this month's snapshot whenever asked, at most once a second.
    async fn refresh_loop(self) {
        loop {
            self.refresh.notified().await;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let db = self.db.clone();
            let done = tokio::task::spawn_blocking(move || {
                jaring_app::coverage::refresh_current_snapshot(&db)
            })
            .await;
            match done {
                Ok(Ok(n)) => tracing::debug!(regions = n, "coverage snapshot refreshed"),
                Ok(Err(e)) => tracing::warn!(error = %e, "coverage snapshot refresh failed"),
                Err(e) => tracing::warn!(error = %e, "coverage snapshot refresh panicked"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        }
    }
}

/// The HTTP status an application error stands for.
pub(crate) fn status_of(e: &AppError) -> StatusCode {
    use jaring_store::StoreError;
    match e {
        AppError::NoRegency => StatusCode::SERVICE_UNAVAILABLE,
        AppError::UnknownRegion(_) | AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
        AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Denied(_) => StatusCode::FORBIDDEN,
        AppError::Input(_) | AppError::Format(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Store(
            StoreError::Stale { .. } | StoreError::Decided { .. } | StoreError::Conflict { .. },
        ) => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error shown as a small HTML page.
pub(crate) struct WebError(pub(crate) AppError);

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        if status.is_server_error() {
            tracing::warn!(error = %self.0, "request failed");
        }
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            "terjadi kesalahan di server / server error".to_string()
        } else {
            self.0.to_string()
        };
        (status, Html(ui::error_page(status, &message).into_string())).into_response()
    }
}

/// Runs a blocking store call on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, WebError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(WebError),
        Err(e) => Err(WebError(AppError::Internal(format!("worker failed: {e}")))),
    }
}

/// One route: method, path (axum syntax), whether it needs no sign-in, and its handler.
pub struct RouteInfo {
    /// HTTP method.
    pub method: Method,
    /// Path pattern, `{name}` for parameters.
    pub path: &'static str,
    /// Reachable without signing in.
    pub public: bool,
}

fn table() -> Vec<(RouteInfo, MethodRouter<AppState>)> {
    use pages::{
        account, admin, audit, budget, claims, dashboard, exports, imports, jobs, reports,
        residents, review, upkeep,
    };
    let r = |method: Method, path: &'static str, public: bool, h: MethodRouter<AppState>| {
        (
            RouteInfo {
                method,
                path,
                public,
            },
            h,
        )
    };
    vec![
        r(Method::GET, "/healthz", true, get(health)),
        r(Method::GET, "/metrics", true, get(metrics::render)),
        r(Method::GET, "/masuk", true, get(account::login_form)),
        r(Method::POST, "/masuk", true, post(account::login)),
        r(Method::GET, "/bahasa/{lang}", true, get(account::language)),
        r(Method::POST, "/keluar", false, post(account::logout)),
        r(
            Method::GET,
            "/akun/sandi",
            false,
            get(account::password_form),
        ),
        r(
            Method::POST,
            "/akun/sandi",
            false,
            post(account::change_password),
        ),
        r(Method::GET, "/", false, get(dashboard::home)),
        r(
            Method::GET,
            "/wilayah/{code}",
            false,
            get(dashboard::region),
        ),
        r(Method::GET, "/penduduk", false, get(residents::search)),
        r(
            Method::GET,
            "/penduduk/datang",
            false,
            get(reports::arrival_form),
        ),
        r(
            Method::POST,
            "/penduduk/datang",
            false,
            post(reports::arrival),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/meninggal",
            false,
            get(reports::death_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/meninggal",
            false,
            post(reports::death),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/kelahiran",
            false,
            get(reports::birth_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/kelahiran",
            false,
            post(reports::birth),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/pindah",
            false,
            get(reports::move_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/pindah",
            false,
            post(reports::move_out),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/pengangkatan",
            false,
            get(reports::appointment_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/pengangkatan",
            false,
            post(reports::appointment),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/pecah-kk",
            false,
            get(reports::split_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/pecah-kk",
            false,
            post(reports::split),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/koreksi",
            false,
            get(reports::correction_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/koreksi",
            false,
            post(reports::correction),
        ),
        r(Method::GET, "/penduduk/{id}", false, get(residents::person)),
        r(
            Method::GET,
            "/penduduk/{id}/ubah",
            false,
            get(residents::edit_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/ubah",
            false,
            post(residents::edit),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/surat-kematian.pdf",
            false,
            get(reports::death_letter),
        ),
        r(
            Method::GET,
            "/klaim/{id}/surat-ahli-waris.pdf",
            false,
            get(reports::heirs_letter),
        ),
        r(Method::GET, "/impor", false, get(imports::form)),
        r(Method::POST, "/impor", false, post(imports::upload)),
        r(
            Method::GET,
            "/impor/{id}/galat",
            false,
            get(imports::error_file),
        ),
        r(Method::GET, "/tinjau", false, get(review::queue)),
        r(
            Method::POST,
            "/tinjau/setujui-otomatis",
            false,
            post(review::approve_auto),
        ),
        r(Method::GET, "/tinjau/{id}", false, get(review::detail)),
        r(Method::GET, "/tinjau/{id}/foto", false, get(reports::photo)),
        r(
            Method::GET,
            "/tinjau/{id}/keberatan",
            false,
            get(reports::objection_form),
        ),
        r(
            Method::POST,
            "/tinjau/{id}/keberatan",
            false,
            post(reports::objection),
        ),
        r(
            Method::POST,
            "/tinjau/{id}/setujui",
            false,
            post(review::approve),
        ),
        r(
            Method::POST,
            "/tinjau/{id}/tolak",
            false,
            post(review::reject),
        ),
        r(Method::GET, "/program", false, get(admin::programmes)),
        r(
            Method::POST,
            "/program/{code}/aturan",
            false,
            post(admin::set_rule),
        ),
        r(Method::GET, "/klaim", false, get(claims::list)),
        r(Method::GET, "/klaim/{id}", false, get(claims::detail)),
        r(
            Method::POST,
            "/klaim/{id}/data",
            false,
            post(claims::update),
        ),
        r(
            Method::POST,
            "/klaim/{id}/ajukan",
            false,
            post(claims::submit),
        ),
        r(
            Method::POST,
            "/klaim/{id}/verifikasi",
            false,
            post(claims::verify),
        ),
        r(Method::POST, "/klaim/{id}/bayar", false, post(claims::pay)),
        r(
            Method::POST,
            "/klaim/{id}/tolak",
            false,
            post(claims::reject),
        ),
        r(
            Method::GET,
            "/penduduk/{id}/klaim",
            false,
            get(claims::new_form),
        ),
        r(
            Method::POST,
            "/penduduk/{id}/klaim",
            false,
            post(claims::open),
        ),
        r(Method::GET, "/anggaran", false, get(budget::page)),
        r(Method::GET, "/desa-terkini", false, get(upkeep::page)),
        r(Method::GET, "/ekspor", false, get(exports::index)),
        r(Method::GET, "/ekspor/{file}", false, get(exports::download)),
        r(Method::GET, "/audit", false, get(audit::page)),
        r(Method::GET, "/tugas", false, get(jobs::index)),
        r(Method::POST, "/tugas", false, post(jobs::start)),
        r(
            Method::POST,
            "/tugas/jadwal",
            false,
            post(jobs::set_schedule),
        ),
        r(Method::GET, "/tugas/{job}", false, get(jobs::detail)),
        r(Method::GET, "/tugas/{job}/berkas", false, get(jobs::file)),
        r(Method::GET, "/pengguna", false, get(admin::users)),
        r(Method::POST, "/pengguna", false, post(admin::add_user)),
        r(
            Method::POST,
            "/pengguna/{username}/nonaktif",
            false,
            post(admin::disable_user),
        ),
        r(Method::GET, "/api/v1/openapi.json", true, get(api::openapi)),
        r(Method::GET, "/api/v1/me", false, get(api::me)),
        r(Method::GET, "/api/v1/overview", false, get(api::overview)),
        r(Method::GET, "/api/v1/coverage", false, get(api::coverage)),
        r(Method::GET, "/api/v1/persons", false, get(api::persons)),
        r(Method::GET, "/api/v1/persons/{id}", false, get(api::person)),
        r(
            Method::POST,
            "/api/v1/persons/{id}/death",
            false,
            post(api_reports::death),
        ),
        r(
            Method::POST,
            "/api/v1/persons/{id}/births",
            false,
            post(api_reports::birth),
        ),
        r(
            Method::POST,
            "/api/v1/persons/{id}/move",
            false,
            post(api_reports::move_out),
        ),
        r(
            Method::POST,
            "/api/v1/persons/{id}/appointment",
            false,
            post(api_reports::appointment),
        ),
        r(
            Method::POST,
            "/api/v1/persons/{id}/split",
            false,
            post(api_reports::split),
        ),
        r(
            Method::POST,
            "/api/v1/persons/{id}/corrections",
            false,
            post(api_reports::correction),
        ),
        r(
            Method::POST,
            "/api/v1/arrivals",
            false,
            post(api_reports::arrival),
        ),
        r(Method::GET, "/api/v1/proposals", false, get(api::proposals)),
        r(
            Method::GET,
            "/api/v1/proposals/{id}",
            false,
            get(api::proposal),
        ),
        r(
            Method::POST,
            "/api/v1/proposals/{id}/approve",
            false,
            post(api::approve),
        ),
        r(
            Method::POST,
            "/api/v1/proposals/{id}/reject",
            false,
            post(api::reject),
        ),
        r(
            Method::POST,
            "/api/v1/proposals/{id}/objection",
            false,
            post(api_reports::objection),
        ),
        r(
            Method::GET,
            "/api/v1/programmes",
            false,
            get(api::programmes),
        ),
        r(Method::GET, "/api/v1/imports", false, get(api::imports)),
        r(Method::POST, "/api/v1/imports", false, post(api::import)),
        r(Method::GET, "/api/v1/audit", false, get(api::audit)),
        r(Method::GET, "/api/v1/users", false, get(api::users)),
        r(Method::GET, "/api/v1/jobs", false, get(api_jobs::list)),
        r(Method::POST, "/api/v1/jobs", false, post(api_jobs::start)),
        r(Method::GET, "/api/v1/jobs/{job}", false, get(api_jobs::get)),
        r(
            Method::POST,
            "/api/v1/intake/dci",
            true,
            post(api_jobs::dci),
        ),
        r(
            Method::POST,
            "/api/v1/intake/opencrvs",
            true,
            post(api_jobs::opencrvs),
        ),
    ]
}

/// Every route the server answers, as declared.
pub fn route_table() -> Vec<RouteInfo> {
    table().into_iter().map(|(info, _)| info).collect()
}

/// The routes that take a file: the only ones whose body may be larger than [`MAX_FORM_BODY`].
const UPLOAD_ROUTES: &[&str] = &["/impor", "/api/v1/imports"];

/// The routes that take a photo of a document, with the form or JSON around it (base64 in JSON).
const PHOTO_ROUTES: &[&str] = &["/penduduk/{id}/meninggal", "/api/v1/persons/{id}/death"];

/// A photo's body limit: the photo ([`jaring_app::events::Photo::MAX_BYTES`]) as base64 and the rest.
const MAX_PHOTO_BODY: usize = 4 * 1024 * 1024 + 512 * 1024;

/// The router with every page and API route.
pub fn router(state: AppState) -> Router {
    use axum::extract::DefaultBodyLimit;
    let max_upload = state.config.max_upload;
    let timeouts = state.config.timeouts;
    let mut router = Router::new();
    for (info, handler) in table() {
        let handler = if info.method == Method::POST && UPLOAD_ROUTES.contains(&info.path) {
            handler.layer(DefaultBodyLimit::max(max_upload))
        } else if info.method == Method::POST && PHOTO_ROUTES.contains(&info.path) {
            handler.layer(DefaultBodyLimit::max(MAX_PHOTO_BODY))
        } else {
            handler
        };
        router = router.route(info.path, handler);
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_FORM_BODY))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            timeouts.body_idle,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeouts.request,
        ))
        .layer(axum::middleware::from_fn(rejections::shaped))
        .layer(axum::middleware::from_fn(headers::secure))
        .layer(axum::middleware::from_fn(metrics::track))
        // gzip or brotli, whichever the client takes: a page over a weak mobile link is a few KB.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

async fn not_found() -> Response {
    WebError(AppError::NotFound).into_response()
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let db = state.db.clone();
    let ok = tokio::task::spawn_blocking(move || {
        db.conn().and_then(|mut c| c.query_i64("SELECT 1", &[]))
    })
    .await
    .map(|r| r.is_ok())
    .unwrap_or(false);
    if ok {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// Serves until Ctrl-C or SIGTERM, then finishes open requests.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "jaring listening");
    let swept = uploads::sweep(&state.config.data_dir);
    if swept > 0 {
        tracing::info!(files = swept, "removed uploads left by an earlier run");
    }
    tokio::spawn(state.clone().refresh_loop());
    tokio::spawn(state.clone().work_loop());
    let header_timeout = state.config.timeouts.header;
    server::run(router(state), header_timeout, listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn slow_load(loads: &Arc<AtomicUsize>) -> impl FnOnce() -> Result<usize, AppError> + Send {
        let loads = loads.clone();
        move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn requests_missing_together_share_one_load() {
        let cache = Arc::new(Cached::<usize>::new(60));
        let loads = Arc::new(AtomicUsize::new(0));
        let waiting: Vec<_> = (0..8)
            .map(|_| {
                let (cache, load) = (cache.clone(), slow_load(&loads));
                tokio::spawn(async move { *cache.get(load).await.ok().unwrap() })
            })
            .collect();
        for w in waiting {
            assert_eq!(
                w.await.unwrap(),
                1,
                "every request got the one load's value"
            );
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        // After a change, the next request loads again.
        cache.clear();
        assert_eq!(*cache.get(slow_load(&loads)).await.ok().unwrap(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_expired_value_is_served_while_one_request_reloads_it() {
        // Expired as soon as it is stored.
        let cache = Arc::new(Cached::<usize>::new(0));
        let loads = Arc::new(AtomicUsize::new(0));
        assert_eq!(*cache.get(slow_load(&loads)).await.ok().unwrap(), 1);
        let reloading = {
            let (cache, load) = (cache.clone(), slow_load(&loads));
            tokio::spawn(async move { *cache.get(load).await.ok().unwrap() })
        };
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let started = std::time::Instant::now();
        let meanwhile = *cache
            .get(|| Err(AppError::Internal("must not load".into())))
            .await
            .ok()
            .unwrap();
        assert_eq!(meanwhile, 1, "the old value, at once");
        assert!(started.elapsed() < std::time::Duration::from_millis(40));
        assert_eq!(reloading.await.unwrap(), 2);
        // After a change nothing old is served: the next request waits for a fresh load.
        cache.clear();
        assert_eq!(*cache.get(slow_load(&loads)).await.ok().unwrap(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_load_begun_before_a_change_is_not_kept() {
        let cache = Arc::new(Cached::<usize>::new(60));
        let loads = Arc::new(AtomicUsize::new(0));
        let early = {
            let (cache, load) = (cache.clone(), slow_load(&loads));
            tokio::spawn(async move { *cache.get(load).await.ok().unwrap() })
        };
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        cache.clear();
        assert_eq!(early.await.unwrap(), 1);
        assert_eq!(*cache.get(slow_load(&loads)).await.ok().unwrap(), 2);
    }
}
