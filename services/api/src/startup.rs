//! Start-up: connecting (waiting for NATS and PostgreSQL), the namespace's streams, the
//! schema migrations, and the HTTP server with its middleware, until the shutdown token
//! fires.

use crate::auth::Tokens;
use crate::cache::{watch_completions, watch_deletions, Answers, Current};
use crate::limits::{Slots, SpoolBudget};
use crate::metrics::Metrics;
use crate::routes::{self, dashboard};
use crate::settings::Settings;
use crate::state::{AppState, UploadLimits};
use crate::telemetry::{request_id_header, ApiRootSpan};
use crate::{auth, error, limits, metrics, openapi};
use actix_web::middleware::{from_fn, Condition, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use tiqets_contract::Names;
use tiqets_intake::Publisher;
pub use tiqets_service::{Dependencies, Endpoints};
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

/// Why the api could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Connect(#[from] tiqets_service::StartError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP server: {0}")]
    Server(#[source] std::io::Error),
}

impl Settings {
    /// Where the api connects to ([`Dependencies::connect`]).
    pub fn endpoints(&self) -> Endpoints<'_> {
        Endpoints {
            nats_url: &self.common.nats_url,
            names: Names::new(self.common.namespace.clone()),
            client_name: "tiqets-api",
            database_url: &self.database_url,
            db_pool_size: self.db_pool_size,
        }
    }
}

/// A bound, not yet running HTTP server.
pub struct Application {
    server: actix_web::dev::Server,
    addr: SocketAddr,
}

impl Application {
    /// Builds the server on `listener` (bind port 0 in tests). It stops gracefully when
    /// `shutdown` fires: no new connections, running requests get
    /// `settings.shutdown_timeout`, event streams end at once.
    pub fn build(
        settings: &Settings,
        deps: Dependencies,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> Result<Application, StartError> {
        let addr = listener.local_addr().map_err(StartError::Server)?;
        let current = Arc::new(Current::default());
        tokio::spawn(watch_completions(
            deps.bus.clone(),
            current.clone(),
            shutdown.clone(),
        ));
        let answers = Arc::new(Answers::new(settings.cache_bytes));
        tokio::spawn(watch_deletions(
            deps.bus.clone(),
            answers.clone(),
            current.clone(),
            shutdown.clone(),
        ));
        let tokens = web::Data::new(Tokens {
            write: settings.api_token.clone(),
            read: settings.read_token.clone(),
        });
        let state = web::Data::new(AppState {
            publisher: Publisher::new(deps.bus.clone()),
            pool: deps.pool,
            bus: deps.bus,
            uploads: UploadLimits {
                max_bytes: settings.upload_max_bytes,
                dir: settings.upload_dir.clone(),
                slots: Slots::new(settings.upload_max_concurrent),
                spool: SpoolBudget::new(settings.spool_max_bytes),
            },
            sse_heartbeat: settings.sse_heartbeat,
            event_streams: Slots::new(settings.max_event_streams),
            shutdown: shutdown.clone(),
            metrics: web::Data::new(Metrics::new()),
            answers,
            current,
        });
        let web_dir = settings.web_dir.clone();
        let cors = settings.cors_origins.clone();
        // One limiter for all workers: a client's requests count wherever they land.
        let rate = limits::rate_limit(settings.rate_per_second, settings.rate_burst);
        if dashboard::service(&web_dir).is_none() {
            tracing::info!(web_dir = %web_dir.display(), "no dashboard there (no index.html); not serving one");
        }
        let server = HttpServer::new(move || {
            let app = App::new()
                .app_data(state.clone())
                .app_data(tokens.clone())
                .app_data(state.metrics.clone())
                .configure(error::extractor_errors)
                .service(openapi::resource())
                .configure(|cfg| routes::configure(cfg, rate.as_ref()))
                // The last `wrap` runs first: the query token taken out, CORS, tracing,
                // request id, metrics, JSON errors; the token guard is the `/api` scope's.
                .wrap(ErrorHandlers::new().default_handler(error::json_errors))
                .wrap(from_fn(metrics::record))
                .wrap(from_fn(request_id_header))
                .wrap(TracingLogger::<ApiRootSpan>::new())
                .wrap(Condition::new(cors.enabled(), cors.middleware()))
                .wrap(from_fn(auth::strip_query_token));
            let app = match dashboard::service(&web_dir) {
                Some(files) => app.service(files),
                None => app,
            };
            app.default_service(web::to(error::not_found))
        })
        .workers(settings.workers)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .shutdown_signal(shutdown.cancelled_owned())
        .listen(listener)
        .map_err(StartError::Server)?
        .run();
        Ok(Application { server, addr })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the shutdown token fires and the workers have stopped.
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        self.server.await.map_err(StartError::Server)
    }
}

/// Connects, migrates, binds `TIQETS_API_ADDR` and serves until `shutdown` fires.
pub async fn run(settings: Settings, shutdown: CancellationToken) -> Result<(), StartError> {
    let Some(deps) = Dependencies::connect(settings.endpoints(), &shutdown).await? else {
        return Ok(());
    };
    let listener = TcpListener::bind(settings.addr).map_err(|source| StartError::Bind {
        addr: settings.addr,
        source,
    })?;
    let app = Application::build(&settings, deps, listener, shutdown)?;
    tracing::info!(addr = %app.addr(), "api listening");
    app.run_until_stopped().await
}
