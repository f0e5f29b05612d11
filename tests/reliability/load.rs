//! Load: 64 tasks share one `Database` whose pool is much smaller than the task count, each
//! doing a few hundred mixed writes and reads on rows of its own. Afterwards the table holds
//! exactly the rows each task last wrote, and no task saw an error it did not provoke.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use model_core::{Database, Error, PoolConfig};
use model_tests::Kind;

use crate::models::Item;
use crate::servers::{self, per_backend};

const TASKS: i64 = 64;
const OPERATIONS: usize = 250;
const POOL: u32 = 8;

per_backend!(every_committed_row_survives_load);

async fn every_committed_row_survives_load(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "load").await else {
        return;
    };
    let db = servers::connect(
        &url,
        PoolConfig::default()
            .max_connections(POOL)
            .acquire_timeout(Duration::from_secs(60)),
    )
    .await;

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| tokio::spawn(work(db.clone(), task)))
        .collect();
    let mut expected = BTreeMap::new();
    let mut unexpected = Vec::new();
    let (mut operations, mut provoked) = (0, 0);
    for task in tasks {
        let outcome = task.await.expect("a task panicked");
        expected.extend(outcome.rows);
        unexpected.extend(outcome.unexpected);
        operations += outcome.operations;
        provoked += outcome.provoked;
    }
    let elapsed = started.elapsed();
    println!(
        "load on {kind:?}: {TASKS} tasks, pool of {POOL}: {operations} operations in {:.2} s = \
         {:.0} ops/s; {provoked} provoked errors, {} unexpected",
        elapsed.as_secs_f64(),
        operations as f64 / elapsed.as_secs_f64(),
        unexpected.len()
    );
    assert!(unexpected.is_empty(), "unexpected errors: {unexpected:#?}");
    assert!(provoked > 0, "the test provokes duplicate keys");

    let stored: BTreeMap<i64, Item> = Item::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|item| (item.id, item))
        .collect();
    assert_eq!(stored.len(), expected.len(), "row count after the load");
    for (id, want) in &expected {
        assert_eq!(stored.get(id), Some(want), "row {id}");
    }
}

/// What one task did, and the rows it expects to find.
struct Outcome {
    rows: BTreeMap<i64, Item>,
    operations: usize,
    provoked: usize,
    unexpected: Vec<String>,
}

/// A task's mixed work on ids `task * 1_000_000 + n`; `rows` mirrors what it committed.
async fn work(db: Database, task: i64) -> Outcome {
    let mut rng = XorShift(task as u64 * 0x9E37_79B9 + 1);
    let mut rows: BTreeMap<i64, Item> = BTreeMap::new();
    let mut next = task * 1_000_000;
    let mut unexpected = Vec::new();
    let mut provoked = 0;
    let owner = task as i32;
    for step in 0..OPERATIONS {
        let existing = pick(&rows, &mut rng);
        let result: Result<(), String> = match (rng.next() % 100, existing) {
            // Insert a new row.
            (0..30, _) | (_, None) => {
                next += 1;
                let item = Item::new(next, owner, step as i64);
                match db.insert(&item).await {
                    Ok(stored) if stored == item => {
                        rows.insert(item.id, item);
                        Ok(())
                    }
                    Ok(stored) => Err(format!("insert returned {stored:?}, not {item:?}")),
                    Err(e) => Err(e.to_string()),
                }
            }
            // Read one back and compare.
            (30..55, Some(id)) => match Item::query().get(&db, id).await {
                Ok(found) if found.as_ref() == rows.get(&id) => Ok(()),
                Ok(found) => Err(format!("read {found:?}, expected {:?}", rows.get(&id))),
                Err(e) => Err(e.to_string()),
            },
            // Update through the model.
            (55..72, Some(id)) => {
                let mut item = rows[&id].clone();
                item.amount += 1;
                item.label = format!("updated at {step}");
                match db.update_returning(&item).await {
                    Ok(stored) if stored == item => {
                        rows.insert(id, item);
                        Ok(())
                    }
                    Ok(stored) => Err(format!("update returned {stored:?}")),
                    Err(e) => Err(e.to_string()),
                }
            }
            // Update through a filter.
            (72..80, Some(id)) => {
                let amount = -(step as i64);
                let updated = Item::query()
                    .filter(Item::ID.eq(id) & Item::OWNER.eq(owner))
                    .update(&db, [Item::AMOUNT.set(amount)])
                    .await;
                match updated {
                    Ok(1) => {
                        rows.get_mut(&id).unwrap().amount = amount;
                        Ok(())
                    }
                    other => Err(format!("bulk update: {other:?}")),
                }
            }
            // Delete.
            (80..88, Some(id)) => match db.delete(&rows[&id]).await {
                Ok(()) => {
                    rows.remove(&id);
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            },
            // A transaction that reads, then writes two rows.
            (88..95, Some(id)) => {
                next += 1;
                let fresh = Item::new(next, owner, 7);
                let mut changed = rows[&id].clone();
                changed.amount *= 2;
                let (f, c) = (fresh.clone(), changed.clone());
                let outcome = db
                    .transaction(|s| {
                        Box::pin(async move {
                            let seen = s.all(&Item::query().filter(Item::ID.eq(c.id))).await?;
                            assert_eq!(seen.len(), 1);
                            s.add(f);
                            s.update(c);
                            Ok::<_, Error>(())
                        })
                    })
                    .await;
                match outcome {
                    Ok(()) => {
                        rows.insert(fresh.id, fresh);
                        rows.insert(id, changed);
                        Ok(())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            // Provoke a duplicate key: it must fail, and change nothing.
            (_, Some(id)) => match db.insert(&Item::new(id, owner, -1)).await {
                Err(Error::Database { .. }) => {
                    provoked += 1;
                    Ok(())
                }
                other => Err(format!("a duplicate key was accepted: {other:?}")),
            },
        };
        if let Err(e) = result {
            unexpected.push(format!("task {task} step {step}: {e}"));
        }
    }
    Outcome {
        rows,
        operations: OPERATIONS,
        provoked,
        unexpected,
    }
}

fn pick(rows: &BTreeMap<i64, Item>, rng: &mut XorShift) -> Option<i64> {
    if rows.is_empty() {
        return None;
    }
    let n = rng.next() as usize % rows.len();
    rows.keys().nth(n).copied()
}

/// A tiny deterministic generator, so a failure replays the same way.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
