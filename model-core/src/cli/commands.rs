//! What each command does, on the databases of the chosen profile.

use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use super::args::{Args, BackendName, Command, DiagramFormat, bind_key};
use super::{diagram, profile};
use crate::database::Database;
use crate::dialect::{self, Dialect, expected_schema};
use crate::error::{Error, Result};
use crate::migrate::{Generate, Migrations};
use crate::schema::{self, BindSelection};
use crate::url::Backend;

/// Runs `args`; the exit code.
pub(crate) async fn run(args: Args) -> Result<u8> {
    let profile = profile::load(args.env.as_deref(), args.config.as_deref(), |name| {
        std::env::var(name).ok()
    })?;
    // On stderr, so `sql` and `diagram` print only what they draw.
    eprintln!("environment: {}", profile.env);
    let migrations = Migrations::new(args.migrations.unwrap_or(profile.migrations));
    let db = Database::connect(profile.config).await?;
    let code = match args.command {
        Command::CreateAll { binds, strict } => {
            let selection = selection(&binds);
            if strict {
                db.create_all_strict_in(selection).await?;
            } else {
                db.create_all_in(selection).await?;
            }
            println!("created the missing tables");
            0
        }
        Command::DropAll { binds, yes } => drop_all(&db, &binds, yes, args.no_input).await?,
        Command::Migrate {
            message,
            bind,
            allow,
        } => generate(&db, &migrations, &message, bind.as_deref(), allow).await?,
        Command::Upgrade { bind, to } => upgrade(&db, &migrations, bind.as_deref(), to).await?,
        Command::Downgrade { bind, steps } => {
            let bind = bind.as_deref().and_then(bind_key);
            let reverted = migrations.downgrade(&db, bind, steps).await?;
            for version in &reverted {
                println!("reverted {version}");
            }
            if reverted.is_empty() {
                println!("nothing to revert");
            }
            0
        }
        Command::Stamp { bind, to } => {
            let bind = bind.as_deref().and_then(bind_key);
            let stamped = migrations.stamp(&db, bind, to).await?;
            for version in &stamped {
                println!("recorded {version} as applied");
            }
            if stamped.is_empty() {
                println!("nothing to record");
            }
            0
        }
        Command::Current { bind } => {
            for key in keys(&db, bind.as_deref()) {
                match migrations.current(&db, key).await? {
                    Some(m) => println!("bind {}: {} {}", label(key), m.version, m.description),
                    None => println!("bind {}: no migration applied", label(key)),
                }
            }
            0
        }
        Command::History { bind } => {
            for key in keys(&db, bind.as_deref()) {
                println!("bind {}:", label(key));
                for m in migrations.history(&db, key).await? {
                    let state = if m.applied { "applied" } else { "pending" };
                    println!("  {} {} ({state})", m.version, m.description);
                }
            }
            0
        }
        Command::Check { bind } => check(&db, &migrations, bind.as_deref()).await?,
        Command::Sql { bind, backend } => {
            let dialect = backend.map(dialect_of);
            for key in keys(&db, bind.as_deref()) {
                println!("-- bind {}", label(key));
                for statement in schema::create_all_sql(&db, key, dialect)? {
                    println!("{statement};");
                }
            }
            0
        }
        Command::Diagram { bind, format } => {
            for key in keys(&db, bind.as_deref()) {
                let tables: Vec<_> = crate::registry::tables_in(key).collect();
                let schema = expected_schema(db.bind(key)?.engine.dialect(), &tables);
                match format {
                    DiagramFormat::Mermaid => print!("{}", diagram::mermaid(&schema)),
                    DiagramFormat::Dot => print!("{}", diagram::dot(&schema)),
                }
            }
            0
        }
    };
    db.close().await;
    Ok(code)
}

/// The binds named on the command line, or all.
fn selection(binds: &[String]) -> BindSelection {
    if binds.is_empty() {
        BindSelection::All
    } else {
        BindSelection::list(binds.iter().map(|b| bind_key(b)))
    }
}

/// The bind named, or every configured one.
fn keys<'a>(db: &'a Database, bind: Option<&'a str>) -> Vec<Option<&'a str>> {
    match bind {
        Some(name) => vec![bind_key(name)],
        None => db.binds().map(|b| b.key()).collect(),
    }
}

fn label(key: Option<&str>) -> String {
    crate::naming::bind_label(key)
}

fn dialect_of(backend: BackendName) -> &'static dyn Dialect {
    match backend {
        BackendName::Sqlite => dialect::for_backend(Backend::Sqlite),
        BackendName::Postgres => dialect::for_backend(Backend::Postgres),
        BackendName::Mysql => dialect::for_backend(Backend::MySql),
        BackendName::Mariadb => &dialect::MariaDbDialect,
    }
}

async fn drop_all(db: &Database, binds: &[String], yes: bool, no_input: bool) -> Result<u8> {
    let selection = selection(binds);
    if !yes {
        let which = if binds.is_empty() {
            "every bind".to_owned()
        } else {
            binds.join(", ")
        };
        if no_input || !std::io::stdin().is_terminal() {
            return Err(Error::Config(format!(
                "drop-all deletes the tables of {which} with their rows; pass --yes to do it \
                 without asking"
            )));
        }
        print!("Drop the tables of {which}, with all their rows? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("nothing dropped");
            return Ok(1);
        }
    }
    db.drop_all_in(selection).await?;
    println!("dropped the tables of the models");
    Ok(0)
}

async fn generate(
    db: &Database,
    migrations: &Migrations,
    message: &str,
    bind: Option<&str>,
    allow: Vec<String>,
) -> Result<u8> {
    let options = Generate {
        allow,
        ..Generate::default()
    };
    let generated = match bind {
        Some(name) => migrations
            .generate(db, bind_key(name), message, &options)
            .await?
            .into_iter()
            .collect(),
        None => migrations.generate_all(db, message, &options).await?,
    };
    if generated.is_empty() {
        println!("no changes: the databases match the models");
    }
    for migration in &generated {
        println!(
            "bind {}: wrote {}",
            label(migration.bind.as_deref()),
            migration.up.display()
        );
        println!("  and {}", migration.down.display());
        for change in &migration.diff.changes {
            println!("  {change} [{}]", change.safety());
        }
        for rename in &migration.diff.possible_renames {
            println!("  note: {rename}");
        }
    }
    if !generated.is_empty() {
        println!("review the files, then run `upgrade`");
    }
    Ok(0)
}

/// Applies the pending migrations one at a time, saying which and how long each took, with a
/// line every few seconds while a long one runs.
async fn upgrade(
    db: &Database,
    migrations: &Migrations,
    bind: Option<&str>,
    to: Option<i64>,
) -> Result<u8> {
    let mut applied_any = false;
    for key in keys(db, bind) {
        let pending = migrations.pending(db, key).await?;
        for migration in pending
            .iter()
            .filter(|m| to.is_none_or(|to| m.version <= to))
        {
            print!(
                "bind {}: applying {} {} ...",
                label(key),
                migration.version,
                migration.description
            );
            let _ = std::io::stdout().flush();
            let started = Instant::now();
            let run = migrations.upgrade_to(db, key, migration.version);
            tokio::pin!(run);
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + Duration::from_secs(5),
                Duration::from_secs(5),
            );
            let result = loop {
                tokio::select! {
                    result = &mut run => break result,
                    _ = ticks.tick() => {
                        print!(" {}s", started.elapsed().as_secs());
                        let _ = std::io::stdout().flush();
                    }
                }
            };
            match result {
                Ok(_) => println!(" done in {:.1?}", started.elapsed()),
                Err(error) => {
                    println!(" failed");
                    return Err(error);
                }
            }
            applied_any = true;
        }
    }
    if !applied_any {
        println!("nothing to apply: the databases are up to date");
    }
    Ok(0)
}

/// Pending migrations and differences from the models, per bind; 1 when there are any.
async fn check(db: &Database, migrations: &Migrations, bind: Option<&str>) -> Result<u8> {
    let mut clean = true;
    for key in keys(db, bind) {
        let pending = migrations.pending(db, key).await?;
        if !pending.is_empty() {
            clean = false;
            let versions: Vec<String> = pending.iter().map(|m| m.version.to_string()).collect();
            println!(
                "bind {}: migration(s) not applied: {}",
                label(key),
                versions.join(", ")
            );
        }
    }
    let selection = match bind {
        Some(name) => BindSelection::list([bind_key(name)]),
        None => BindSelection::All,
    };
    let report = db.check_schema_in(selection).await?;
    if !report.is_empty() {
        clean = false;
        println!("{report}");
    }
    if clean {
        println!("the databases match the models");
        Ok(0)
    } else {
        Ok(1)
    }
}
