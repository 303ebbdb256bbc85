//! Helpers every benchmark shares: timing units, quantiles and how numbers are written in
//! BENCHMARKS.md.

use std::time::Duration;

/// A duration in milliseconds.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The server's own time for a request (`x-callosum-request-time-us`), in milliseconds.
pub fn server_ms(response: &reqwest::Response) -> Option<f64> {
    response
        .headers()
        .get("x-callosum-request-time-us")?
        .to_str()
        .ok()?
        .parse::<f64>()
        .ok()
        .map(|us| us / 1000.0)
}

/// The `q`-quantile of `values` (nearest rank).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The geometric mean of positive values (NaN when there are none).
pub fn geomean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp()
}

/// 10000 → "10,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds for people: "3.7 ms", "137 ms", "2.08 s".
pub fn duration_text(ms: f64) -> String {
    if ms.is_nan() {
        "–".into()
    } else if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// A memory figure of this process from `/proc/self/status`, in KiB: `VmRSS` (resident now)
/// or `VmHWM` (the resident high-water mark). `None` off Linux.
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// Resets this process's resident high-water mark (`VmHWM`) to what is resident now (Linux:
/// writing 5 to `/proc/self/clear_refs`). Returns whether it could.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&values, 0.5), 10.0);
        assert_eq!(quantile(&values, 0.95), 19.0);
        assert_eq!(quantile(&[3.0], 0.95), 3.0);
        assert_eq!(thousands(11_005), "11,005");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn memory_figures_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(proc_status_kb("VmRSS").is_some_and(|kb| kb > 0));
            assert!(proc_status_kb("VmHWM").is_some_and(|kb| kb > 0));
            assert!(proc_status_kb("NoSuchField").is_none());
        }
    }

    #[test]
    fn geometric_means() {
        assert!((geomean(&[1.0, 4.0]) - 2.0).abs() < 1e-12);
        assert!(geomean(&[]).is_nan());
    }
}
