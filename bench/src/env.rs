//! What the report header says about the run: machine (CPU model, cores, kernel, CPU affinity),
//! compiler and profile, and the versions of the compared crates as Cargo.lock resolved them.

mod versions {
    include!(concat!(env!("OUT_DIR"), "/versions.rs"));
}

pub use versions::{COMMIT, PROFILE, RUSTC, VERSIONS};

/// The version Cargo.lock resolved for `krate` (`?` if it is not in the lock file).
pub fn version(krate: &str) -> &'static str {
    VERSIONS
        .iter()
        .find(|(name, _)| *name == krate)
        .map_or("?", |(_, v)| v)
}

/// The machine the run happens on.
#[derive(Clone, Debug)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub kernel: String,
    /// The CPUs this process may run on, as the kernel lists them (`0-1`).
    pub affinity: String,
    /// Whether the affinity excludes some online CPU (the process was pinned, e.g. by taskset).
    pub pinned: bool,
    pub memory: String,
    /// The CPUs the local database servers may run on, per server program (`postgres`,
    /// `mariadbd`), as found in `/proc`: `bench/scripts/colocated.sh` pins them with the client.
    pub servers: Vec<(String, String)>,
}

impl Machine {
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
            .map_or_else(|| "unknown CPU".to_owned(), |(_, v)| v.trim().to_owned());
        let cores = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned());
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let affinity = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .map_or_else(|| "?".to_owned(), |s| s.trim().to_owned());
        let allowed = cpu_count(&affinity);
        let online = std::fs::read_to_string("/sys/devices/system/cpu/online")
            .map(|s| cpu_count(s.trim()))
            .unwrap_or(cores);
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or_else(
                || "?".to_owned(),
                |kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0),
            );
        Machine {
            cpu,
            cores,
            kernel,
            pinned: allowed > 0 && allowed < online,
            affinity,
            memory,
            servers: server_affinities(),
        }
    }

    /// `postgres on CPUs 0, mariadbd on CPUs 0-1`, or `none found`.
    pub fn server_pinning(&self) -> String {
        if self.servers.is_empty() {
            return "none found".to_owned();
        }
        let parts: Vec<String> = self
            .servers
            .iter()
            .map(|(name, cpus)| format!("{name} on CPUs {cpus}"))
            .collect();
        parts.join(", ")
    }

    /// `pinned to CPUs 1` or `not pinned (CPUs 0-1)`.
    pub fn pinning(&self) -> String {
        if self.pinned {
            format!("pinned to CPUs {}", self.affinity)
        } else {
            format!("not pinned (CPUs {})", self.affinity)
        }
    }
}

/// The machine's CPU time counters (`/proc/stat`, in clock ticks): all of it, and what the
/// hypervisor took for other guests (steal), which slows a run without showing in its numbers.
#[derive(Clone, Copy, Debug)]
pub struct CpuTimes {
    total: u64,
    steal: u64,
}

impl CpuTimes {
    /// The counters now; `None` where `/proc/stat` cannot be read.
    pub fn now() -> Option<CpuTimes> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal (guest time is counted in user).
        Some(CpuTimes {
            total: fields.iter().take(8).sum(),
            steal: *fields.get(7)?,
        })
    }

    /// The share of all CPU time stolen since `self`, in percent.
    pub fn steal_percent_since(self) -> Option<f64> {
        let now = CpuTimes::now()?;
        let total = now.total.checked_sub(self.total)?;
        (total > 0).then(|| 100.0 * (now.steal - self.steal) as f64 / total as f64)
    }
}

/// The server programs whose affinity the header reports.
const SERVERS: [&str; 3] = ["postgres", "mariadbd", "mysqld"];

/// Per local server program, the CPU lists its processes may run on (`0` or, when they differ,
/// `0 / 0-1`). Only a server on this machine is seen; one in a container or elsewhere is not.
fn server_affinities() -> Vec<(String, String)> {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in procs.flatten() {
        let path = entry.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        let comm = comm.trim();
        if !SERVERS.contains(&comm) {
            continue;
        }
        let Some(cpus) = std::fs::read_to_string(path.join("status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                    .map(|v| v.trim().to_owned())
            })
        else {
            continue;
        };
        match found.iter_mut().find(|(name, _)| name == comm) {
            Some((_, lists)) if !lists.contains(&cpus) => lists.push(cpus),
            Some(_) => {}
            None => found.push((comm.to_owned(), vec![cpus])),
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|(name, lists)| (name, lists.join(" / ")))
        .collect()
}

/// How many CPUs a kernel CPU list (`0-3,6`) names.
fn cpu_count(list: &str) -> usize {
    list.split(',')
        .filter(|p| !p.is_empty())
        .map(|part| match part.split_once('-') {
            Some((a, b)) => match (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
                (Ok(a), Ok(b)) if b >= a => b - a + 1,
                _ => 0,
            },
            None => usize::from(part.trim().parse::<usize>().is_ok()),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_lists() {
        assert_eq!(super::cpu_count("0-1"), 2);
        assert_eq!(super::cpu_count("1"), 1);
        assert_eq!(super::cpu_count("0-3,6"), 5);
    }
}
