//! Charts drawn on the server as SVG: no script, presentation attributes only (the content
//! policy allows no inline style), mirrored for right-to-left pages. Every chart is shown
//! beside a table with the same figures, which is what screen readers read.

use super::escape;

const BAR: &str = "#2f6f9f";
const SERIES: [&str; 3] = ["#2f6f9f", "#c0692b", "#3f8f4f"];
const INK: &str = "#222";
const GRID: &str = "#ccc";

fn fmt(n: f64) -> String {
    format!("{n:.1}")
}

/// Horizontal bars, one per `(label, value)`; a second value (capacity) is drawn as a mark.
pub fn bars(title: &str, rows: &[(String, i64, Option<i64>)], rtl: bool) -> String {
    let w = 560.0_f64;
    let label_w = 170.0;
    let num_w = 70.0;
    let row_h = 22.0;
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let max = rows
        .iter()
        .map(|(_, v, c)| (*v).max(c.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let span = w - label_w - num_w;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" direction=\"ltr\" font-size=\"12\" font-family=\"sans-serif\">\
         <title>{}</title>",
        escape(title),
        h = fmt(h)
    );
    for (i, (label, v, cap)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let len = span * (*v as f64) / max;
        // Labels end at the start side's inner edge; bars grow away from them.
        let (label_x, bar_x, num_x, num_anchor) = if rtl {
            (w - 4.0, w - label_w - len, w - label_w - len - 4.0, "end")
        } else {
            (label_w - 6.0, label_w, label_w + len + 4.0, "start")
        };
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{BAR}\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"{num_anchor}\" fill=\"{INK}\">{v}</text>",
            fmt(label_x),
            fmt(y + 14.0),
            escape(label),
            fmt(bar_x),
            fmt(y + 3.0),
            fmt(len.max(0.5)),
            fmt(row_h - 7.0),
            fmt(num_x),
            fmt(y + 14.0),
        ));
        if let Some(c) = cap.filter(|c| *c > 0) {
            let cx = if rtl {
                w - label_w - span * (c as f64) / max
            } else {
                label_w + span * (c as f64) / max
            };
            s.push_str(&format!(
                "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"{INK}\" \
                 stroke-width=\"2\" stroke-dasharray=\"3 2\"/>",
                fmt(y),
                fmt(y + row_h - 2.0),
                x = fmt(cx)
            ));
        }
    }
    s.push_str("</svg>");
    s
}

/// Grouped columns per month for up to three series; time runs from the start side.
pub fn months(title: &str, months: &[String], series: &[(String, Vec<i64>)], rtl: bool) -> String {
    let w = 720.0_f64;
    let h = 240.0_f64;
    let left = 44.0;
    let bottom = 40.0;
    let top = 24.0;
    let plot_w = w - left - 8.0;
    let plot_h = h - bottom - top;
    let n = months.len().max(1) as f64;
    let slot = plot_w / n;
    let k = series.len().max(1) as f64;
    let bar_w = (slot - 4.0) / k;
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" direction=\"ltr\" font-size=\"11\" font-family=\"sans-serif\">\
         <title>{}</title>\
         <line x1=\"{left}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{GRID}\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{INK}\">0</text>",
        escape(title),
        fmt(w - 8.0),
        fmt(top + plot_h),
        fmt(top + plot_h),
        fmt(left - 4.0),
        fmt(top + 8.0),
        max as i64,
        fmt(left - 4.0),
        fmt(top + plot_h),
    );
    for (i, m) in months.iter().enumerate() {
        let pos = if rtl { n - 1.0 - i as f64 } else { i as f64 };
        let x0 = left + slot * pos + 2.0;
        for (j, (_, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0) as f64;
            let bh = plot_h * v / max;
            s.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                fmt(x0 + bar_w * j as f64),
                fmt(top + plot_h - bh),
                fmt(bar_w.max(0.5)),
                fmt(bh),
                SERIES[j % SERIES.len()]
            ));
        }
        if i % 3 == 0 {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                fmt(x0 + slot / 2.0),
                fmt(top + plot_h + 14.0),
                escape(m)
            ));
        }
    }
    // legend
    for (j, (name, _)) in series.iter().enumerate() {
        let x = if rtl {
            w - 8.0 - 150.0 * (j as f64 + 1.0)
        } else {
            left + 150.0 * j as f64
        };
        s.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text>",
            fmt(x),
            fmt(h - 14.0),
            SERIES[j % SERIES.len()],
            fmt(x + 14.0),
            fmt(h - 5.0),
            escape(name)
        ));
    }
    s.push_str("</svg>");
    s
}
