//! Percentiles and the table rows the benchmarks print.

/// Nearest-rank percentile (`p` in 0..=100) of `samples`; 0 for none.
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn median(samples: &[f64]) -> f64 {
    percentile(samples, 50.0)
}

pub fn mean(samples: &[f64]) -> f64 {
    if samples.is_empty() {
        0.0
    } else {
        samples.iter().sum::<f64>() / samples.len() as f64
    }
}

/// One row of a results table: measure, figure, target, peer, verdict.
pub struct Row {
    pub measure: String,
    pub figure: String,
    pub target: String,
    pub peer: String,
    pub met: Option<bool>,
}

impl Row {
    pub fn new(measure: &str, figure: String, target: &str, met: Option<bool>) -> Row {
        Row {
            measure: measure.to_owned(),
            figure,
            target: target.to_owned(),
            peer: "—".to_owned(),
            met,
        }
    }

    pub fn peer(mut self, peer: String) -> Row {
        self.peer = peer;
        self
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| measure | Makapix Player | target | peer | verdict |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        let verdict = match r.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "—",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.measure, r.figure, r.target, r.peer, verdict
        ));
    }
    out
}

/// One row of a table that puts the player's own timing (`--trace-timing`) beside
/// what the screen showed; the verdict is the screen's.
pub struct Seen {
    pub measure: String,
    pub inside: String,
    pub screen: String,
    pub target: String,
    pub peer: String,
    pub met: Option<bool>,
}

impl Seen {
    pub fn new(measure: &str, inside: String, screen: String, target: &str) -> Seen {
        Seen {
            measure: measure.to_owned(),
            inside,
            screen,
            target: target.to_owned(),
            peer: "—".to_owned(),
            met: None,
        }
    }

    pub fn met(mut self, met: bool) -> Seen {
        self.met = Some(met);
        self
    }

    pub fn peer(mut self, peer: String) -> Seen {
        self.peer = peer;
        self
    }
}

pub fn seen_table(rows: &[Seen]) -> String {
    let mut out = String::from(
        "| measure | inside (`--trace-timing`) | on the screen | target | peer, same run | verdict |\n\
         |---|---|---|---|---|---|\n",
    );
    for r in rows {
        let verdict = match r.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "—",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.measure, r.inside, r.screen, r.target, r.peer, verdict
        ));
    }
    out
}

/// "p50 / p99" of samples in ms.
pub fn p50_p99(samples: &[f64]) -> String {
    format!(
        "{:.1} / {:.1} ms",
        median(samples),
        percentile(samples, 99.0)
    )
}
