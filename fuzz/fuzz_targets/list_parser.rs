//! A country's list of nationals as uploaded (CSV, or XLSX when it starts like a zip): any
//! bytes give records or a refusal naming the problem, never a panic or a runaway allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte chooses the column mappings a user may type beside the file.
    let Some((choice, bytes)) = data.split_first() else {
        return;
    };
    let maps: Vec<String> = match choice % 3 {
        0 => Vec::new(),
        1 => vec!["nr=id, surname=family_name".to_owned()],
        _ => vec!["name=full_name,dob=date_of_birth,x=ignore".to_owned()],
    };
    let _ = homeward_app::identity::read_list("list.csv", bytes, &maps, 2018);
});
