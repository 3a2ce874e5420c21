//! CSV link and dedupe: column mappings, FEBRL dates, output format and errors that name
//! the file and line.

use std::path::{Path, PathBuf};

use homeward_linkage::batch::{
    self, BatchError, BatchOptions, ColumnMapping, InputField, Progress, Stage,
};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("homeward-linkage-it-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).expect("write");
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn febrl_options() -> BatchOptions {
    let mut options = BatchOptions::standard();
    for m in [
        "rec_id=id",
        "surname=family_name",
        "soc_sec_id=document_number",
        "street_number=address",
        "address_1=address",
        "suburb=locality",
    ] {
        options
            .mappings
            .push(ColumnMapping::parse(m).expect("mapping"));
    }
    options
}

const FEBRL_A: &str = "rec_id,given_name,surname,street_number,address_1,suburb,postcode,state,date_of_birth,soc_sec_id
rec-1-org,michaela,neumann,8,stanley street,winston hills,4223,nsw,19151111,5304218
rec-2-org,courtney,painter,12,pinkerton circuit,richlands,4560,vic,19161214,4066625
rec-3-org,charles,green,38,salkauskas crescent,dreeite,4005,nsw,19480930,4365168
rec-4-org,vanessa,parr,905,macquoid place,south grafton,2135,sa,19951119,9239102
";

const FEBRL_B: &str = "rec_id,given_name,surname,street_number,address_1,suburb,postcode,state,date_of_birth,soc_sec_id
rec-3-dup-0,charles,grene,38,salkauskas cres,dreeite,4005,nsw,19480930,4365168
rec-1-dup-0,michaela,neumann,8,stanley street,winston hils,4223,nsw,19151111,5304218
rec-4-dup-0,parr,vanessa,905,macquoid place,south grafton,2153,sa,,9239102
rec-9-dup-0,lachlan,nguyen,70,bushby street,wilson,5046,qld,19660926,4360586
";

fn read_pairs(path: &Path) -> Vec<(String, String, f64)> {
    let text = std::fs::read_to_string(path).expect("pairs file");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("left_id,right_id,probability"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().expect("probability"),
            )
        })
        .collect()
}

#[test]
fn link_with_febrl_mappings_finds_the_true_pairs_and_writes_the_agreed_header() {
    let dir = TempDir::new("link");
    let (a, b, out) = (
        dir.file("a.csv", FEBRL_A),
        dir.file("b.csv", FEBRL_B),
        dir.path("pairs.csv"),
    );
    let mut stages = Vec::new();

    let summary = batch::link(&febrl_options(), &a, &b, &out, &mut |p: Progress| {
        stages.push(p.stage)
    })
    .expect("link");

    let pairs = read_pairs(&out);
    let ids: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(l, r, _)| (l.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("rec-1-org", "rec-1-dup-0"),
            ("rec-3-org", "rec-3-dup-0"),
            ("rec-4-org", "rec-4-dup-0")
        ]
    );
    assert!(pairs.iter().all(|p| p.2 >= 0.5));
    assert_eq!(
        (
            summary.left_records,
            summary.right_records,
            summary.pairs_written
        ),
        (4, 4, 3)
    );
    assert!(stages.contains(&Stage::Scoring) && stages.contains(&Stage::Writing));
}

#[test]
fn dedupe_reads_the_standard_header_without_mappings() {
    let dir = TempDir::new("dedupe");
    let input = dir.file(
        "people.csv",
        "id,full_name,sex,date_of_birth,nationality,place_of_birth\n\
         1,Svetlana Ivanova,F,1990-05-12,RUS,Makhachkala\n\
         2,Светлана Иванова,ж,1990-05-12,Russia,Махачкала\n\
         3,سفيتلانا ايفانوفا,F,1990,,\n\
         4,Fatima Yilmaz,F,1985-01-30,TUR,Istanbul\n\
         5,Khadija Hasanova,F,1979-07-02,AZE,Baku\n",
    );
    let out = dir.path("pairs.csv");

    batch::dedupe(&BatchOptions::standard(), &input, &out, &mut |_| {}).expect("dedupe");

    let ids: Vec<(String, String)> = read_pairs(&out)
        .into_iter()
        .map(|(l, r, _)| (l, r))
        .collect();
    assert!(ids.contains(&("1".into(), "2".into())), "{ids:?}");
    assert!(
        ids.iter()
            .all(|(l, r)| ["1", "2", "3"].contains(&l.as_str())
                && ["1", "2", "3"].contains(&r.as_str())),
        "{ids:?}"
    );
}

#[test]
fn a_row_with_too_many_fields_is_reported_with_file_and_line() {
    let dir = TempDir::new("ragged");
    let input = dir.file("bad.csv", "id,given_name\n1,anna\n2,olga,extra\n");

    let err = batch::dedupe(
        &BatchOptions::standard(),
        &input,
        &dir.path("o.csv"),
        &mut |_| {},
    )
    .expect_err("ragged row");

    assert!(matches!(err, BatchError::Csv { line: 3, .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("bad.csv") && text.contains("line 3"),
        "{text}"
    );
}

#[test]
fn a_date_that_is_not_a_date_is_reported_with_line_and_column() {
    let dir = TempDir::new("date");
    let input = dir.file(
        "dates.csv",
        "id,given_name,date_of_birth\n1,anna,1990-01-02\n2,olga,19651013\n3,zara,born in spring\n",
    );

    let err = batch::dedupe(
        &BatchOptions::standard(),
        &input,
        &dir.path("o.csv"),
        &mut |_| {},
    )
    .expect_err("bad date");

    let text = err.to_string();
    assert!(matches!(err, BatchError::Value { line: 4, .. }), "{err:?}");
    assert!(
        text.contains("dates.csv")
            && text.contains("date_of_birth")
            && text.contains("born in spring"),
        "{text}"
    );
}

#[test]
fn an_age_needs_a_reference_year_and_then_becomes_an_estimate() {
    let dir = TempDir::new("age");
    let input = dir.file("ages.csv", "id,full_name,age\n1,Svetlana,35\n");
    let mut options = BatchOptions::standard();

    let without = batch::read_records(&options, &input).expect_err("no reference year");
    options.reference_year = Some(2026);
    let with = batch::read_records(&options, &input).expect("records");

    assert!(without.to_string().contains("reference year"), "{without}");
    assert_eq!(
        with[0].date_of_birth,
        Some(homeward_linkage::BirthDate::Estimated {
            year: 1991,
            tolerance: 2
        })
    );
}

#[test]
fn mappings_are_parsed_and_unknown_fields_are_refused() {
    let ok = ColumnMapping::parse("surname=family_name").expect("valid");
    let bad = ColumnMapping::parse("surname=last_name").expect_err("unknown field");
    let malformed = ColumnMapping::parse("surname").expect_err("no =");

    assert_eq!(
        (ok.column.as_str(), ok.field),
        ("surname", InputField::FamilyName)
    );
    assert!(bad.to_string().contains("last_name"), "{bad}");
    assert!(
        malformed.to_string().contains("COLUMN=FIELD"),
        "{malformed}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = batch::dedupe(
        &BatchOptions::standard(),
        Path::new("no-such-file.csv"),
        Path::new("o.csv"),
        &mut |_| {},
    )
    .expect_err("missing");

    assert!(matches!(err, BatchError::Io { .. }));
    assert!(err.to_string().contains("no-such-file.csv"));
}
