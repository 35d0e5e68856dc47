//! Commune search latency and response size (FAQ-R17), on 1,000 deterministic, realistic queries.
//!
//! `cargo bench -p rpps-places --bench commune_search`
//!
//! Queries are drawn from the data with a fixed seed: 80 % name prefixes of 2–10 characters (half
//! of the communes drawn by population, half uniformly among all entries, communes déléguées
//! included), typed as written, in lower case, without accents and hyphens, or with `St-` for
//! `Saint-`; 10 % postal codes, 5 % INSEE codes (Corsican ones sometimes in lower case), 5 % the
//! first 2–4 digits of a postal code. Each query is timed alone with `Instant` after a warm-up pass.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rpps_places::{Commune, Communes, communes};

const QUERIES: usize = 1_000;
const LIMIT: usize = 10;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn percent(&mut self) -> u32 {
        (self.next() % 100) as u32
    }
}

fn prefix_chars(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// How many characters a person has typed before picking: mostly 3–7.
fn typed_length(rng: &mut Rng) -> usize {
    const WEIGHTS: [(usize, u32); 9] = [
        (2, 5),
        (3, 15),
        (4, 20),
        (5, 15),
        (6, 15),
        (7, 10),
        (8, 8),
        (9, 6),
        (10, 6),
    ];
    let mut roll = rng.percent();
    for (len, weight) in WEIGHTS {
        if roll < weight {
            return len;
        }
        roll -= weight;
    }
    10
}

fn name_query(rng: &mut Rng, commune: &Commune) -> String {
    let name = commune.name;
    let styled = match rng.percent() {
        0..40 => name.to_string(),
        40..70 => name.to_lowercase(),
        70..90 => rpps_domain::text::fold(name),
        _ => match name.strip_prefix("Saint-") {
            Some(rest) => format!("St-{rest}"),
            None => rpps_domain::text::fold(name).replace(' ', "-"),
        },
    };
    prefix_chars(&styled, typed_length(rng))
}

fn build_queries(communes: &Communes) -> Vec<String> {
    let all: Vec<Commune> = communes.all().collect();
    let mut cumulative = Vec::with_capacity(all.len());
    let mut total = 0u64;
    for c in &all {
        total += u64::from(c.population.unwrap_or(0));
        cumulative.push(total);
    }
    let with_postal: Vec<&Commune> = all.iter().filter(|c| !c.postal_codes.is_empty()).collect();
    let mut rng = Rng(0x5eed_2025_0f0f_1717);
    let mut queries = Vec::with_capacity(QUERIES);
    while queries.len() < QUERIES {
        let roll = rng.percent();
        let query = if roll < 80 {
            let commune = if rng.percent() < 50 {
                let target = rng.next() % total.max(1);
                let i = cumulative.partition_point(|&c| c <= target);
                &all[i.min(all.len() - 1)]
            } else {
                &all[rng.below(all.len())]
            };
            name_query(&mut rng, commune)
        } else if roll < 90 {
            let c = with_postal[rng.below(with_postal.len())];
            c.postal_codes[rng.below(c.postal_codes.len())].to_string()
        } else if roll < 95 {
            let code = all[rng.below(all.len())].insee;
            if rng.percent() < 50 {
                code.to_lowercase()
            } else {
                code.to_string()
            }
        } else {
            let c = with_postal[rng.below(with_postal.len())];
            let postal = c.postal_codes[rng.below(c.postal_codes.len())];
            prefix_chars(postal, 2 + rng.below(3))
        };
        queries.push(query);
    }
    queries
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let start = Instant::now();
    let communes = communes();
    let load = start.elapsed();
    let queries = build_queries(communes);

    for q in &queries {
        black_box(communes.search(black_box(q), LIMIT));
    }

    let mut times = Vec::with_capacity(queries.len());
    let mut sizes = Vec::with_capacity(queries.len());
    let mut results = 0usize;
    let mut slowest = (Duration::ZERO, String::new());
    let mut largest = (0usize, String::new());
    for q in &queries {
        let t = Instant::now();
        let found = communes.search(black_box(q), LIMIT);
        let elapsed = t.elapsed();
        black_box(&found);
        if elapsed > slowest.0 {
            slowest = (elapsed, q.clone());
        }
        times.push(elapsed);
        results += found.len();
        let body = serde_json::json!({ "results": found });
        match serde_json::to_vec(&body) {
            Ok(bytes) => {
                if bytes.len() > largest.0 {
                    largest = (bytes.len(), q.clone());
                }
                sizes.push(bytes.len());
            }
            Err(e) => eprintln!("cannot serialise the results of {q:?}: {e}"),
        }
    }
    times.sort_unstable();
    let max_bytes = sizes.iter().copied().max().unwrap_or(0);
    let mean_bytes = sizes.iter().sum::<usize>() as f64 / sizes.len().max(1) as f64;

    println!(
        "commune_search: {} entries, {} queries, limit {LIMIT}",
        communes.len(),
        queries.len()
    );
    println!(
        "first use (communes(), index built at build time): {:.2} µs",
        micros(load)
    );
    println!(
        "latency µs: median {:.1}, p90 {:.1}, p99 {:.1}, max {:.1} (slowest query {:?})",
        micros(percentile(&times, 0.50)),
        micros(percentile(&times, 0.90)),
        micros(percentile(&times, 0.99)),
        micros(percentile(&times, 1.0)),
        slowest.1,
    );
    println!(
        "results per query: mean {:.1}; JSON {{\"results\":[…]}} bytes: mean {mean_bytes:.0}, max {max_bytes} ({:?})",
        results as f64 / queries.len() as f64,
        largest.1,
    );

    // The heaviest queries there are (widest prefix ranges), each the best of 20 runs.
    let heavy = [
        "s", "sa", "l", "le", "la", "1", "9", "97", "2a", "paris", "saint", "sainte m", "de",
    ];
    let mut worst = Vec::new();
    for q in heavy {
        let best = (0..20)
            .map(|_| {
                let t = Instant::now();
                black_box(communes.search(black_box(q), LIMIT));
                t.elapsed()
            })
            .min()
            .unwrap_or_default();
        worst.push(format!("{q:?} {:.1}", micros(best)));
    }
    println!("heaviest queries, best of 20, µs: {}", worst.join(", "));
    println!("sample queries: {:?}", &queries[..12]);
}
