//! What the server suites share: a server on a free port, an HTTP agent that does not follow
//! redirects, and a response's status with its body.
#![allow(dead_code)]

use std::path::Path;

use jaring_store::Database;

/// A server on a free port, running until the test process ends.
pub fn start(db: Database, data: &Path) -> String {
    start_with(
        db,
        jaring_web::ServerConfig {
            data_dir: data.to_path_buf(),
            ..Default::default()
        },
    )
}

/// A server with the given configuration on a free port.
pub fn start_with(db: Database, config: jaring_web::ServerConfig) -> String {
    let state = jaring_web::AppState::with_config(db, config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            jaring_web::serve(state, listener).await.unwrap();
        });
    });
    format!("http://{addr}")
}

/// An agent that shows redirects instead of following them.
pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).build()
}

/// The status and body of a response, error statuses included.
pub fn status_of(r: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    match r {
        Ok(r) => {
            let s = r.status();
            (s, r.into_string().unwrap_or_default())
        }
        Err(ureq::Error::Status(s, r)) => (s, r.into_string().unwrap_or_default()),
        Err(e) => panic!("{e}"),
    }
}
