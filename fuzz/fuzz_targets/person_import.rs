//! A registration spreadsheet as uploaded for bulk import (CSV, or XLSX checked against zip
//! bombs first): any bytes give a table or a refusal naming the problem, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((headers, rows)) = homeward_app::import::read_table(data) {
        for h in &headers {
            let _ = homeward_app::import::header_field(h);
        }
        let _ = homeward_app::import::header_key(&headers);
        assert!(
            rows.iter().all(|(line, _)| *line > 0),
            "rows are numbered from 1"
        );
    }
});
