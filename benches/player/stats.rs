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
