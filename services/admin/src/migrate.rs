//! `tiqets-admin migrate`: applies the PostgreSQL schema migrations, as the owner role of
//! `deploy/k8s/base/database/roles.sql`, before the persister and the api start with their writer and
//! reader roles (which find the schema up to date and change nothing). Safe to run from
//! several places at once (see [`tiqets_store::migrate`]).

#[derive(clap::Args)]
pub struct Args {
    /// The database, as the owner role.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/tiqets"
    )]
    database_url: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let pool = tiqets_store::connect(&args.database_url)?;
        let applied = tiqets_store::migrate(&pool).await?;
        if applied.is_empty() {
            eprintln!("the schema is up to date");
        } else {
            eprintln!("applied migrations {applied:?}");
        }
        anyhow::Ok(())
    })
}
