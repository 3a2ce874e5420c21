//! Inputs the fuzz targets (`fuzz/`) found, kept so the fix stays: each must be refused with
//! a message naming the file, never panic.

/// A workbook whose cell reference has so many column letters that the XLSX reader's
/// arithmetic overflowed (a panic with overflow checks on): found by the `list_parser` target.
const CELL_REFERENCE_OVERFLOW: &[u8] = include_bytes!("fixtures/xlsx-cell-reference-overflow.xlsx");

#[test]
fn a_workbook_with_an_overflowing_cell_reference_is_refused_not_a_panic() {
    let err = homeward_app::identity::read_list("list.xlsx", CELL_REFERENCE_OVERFLOW, &[], 2018)
        .expect_err("a malformed workbook is refused");
    let text = format!("{err:?}");
    assert!(text.contains("HW-IDE-0010"), "{text}");
    // The bulk import reads workbooks through the same reader.
    let err = homeward_app::import::read_table(CELL_REFERENCE_OVERFLOW)
        .expect_err("a malformed workbook is refused");
    assert!(format!("{err:?}").contains("file"), "{err:?}");
}
