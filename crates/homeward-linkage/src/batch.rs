//! The logic of `homeward match link|dedupe`: read person CSV files, link or deduplicate
//! them, write the candidate pairs as CSV. Argument parsing stays with the binary; this
//! module takes an options struct and reports progress through a callback.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::compare::Prepared;
use crate::engine::Engine;
use crate::model::LinkageConfig;
use crate::record::{BirthDate, PersonName, Record, Sex};

/// A field of the engine's CSV input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputField {
    /// `id`: the record's identifier (the row number when there is no such column).
    Id,
    /// `given_name`.
    GivenName,
    /// `family_name`.
    FamilyName,
    /// `full_name`, in any order.
    FullName,
    /// `sex`.
    Sex,
    /// `date_of_birth`: `YYYY-MM-DD`, `YYYYMMDD`, `YYYY-MM` or `YYYY`.
    DateOfBirth,
    /// `age` in years, turned into an estimated year of birth with the reference year.
    Age,
    /// `nationality`.
    Nationality,
    /// `place_of_birth`.
    PlaceOfBirth,
    /// `mother_name`.
    MotherName,
    /// `father_name`.
    FatherName,
    /// `document_number`.
    DocumentNumber,
    /// `address` (several columns mapped here are joined with spaces).
    Address,
    /// `locality`.
    Locality,
    /// `postcode`.
    Postcode,
}

const INPUT_FIELDS: [(&str, InputField); 15] = [
    ("id", InputField::Id),
    ("given_name", InputField::GivenName),
    ("family_name", InputField::FamilyName),
    ("full_name", InputField::FullName),
    ("sex", InputField::Sex),
    ("date_of_birth", InputField::DateOfBirth),
    ("age", InputField::Age),
    ("nationality", InputField::Nationality),
    ("place_of_birth", InputField::PlaceOfBirth),
    ("mother_name", InputField::MotherName),
    ("father_name", InputField::FatherName),
    ("document_number", InputField::DocumentNumber),
    ("address", InputField::Address),
    ("locality", InputField::Locality),
    ("postcode", InputField::Postcode),
];

impl InputField {
    /// The field with this CSV header name.
    pub fn from_name(name: &str) -> Option<InputField> {
        INPUT_FIELDS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }

    /// The CSV header name of the field.
    pub fn name(self) -> &'static str {
        INPUT_FIELDS
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }
}

/// A column mapping `COLUMN=FIELD`, e.g. `surname=family_name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The column header in the input file.
    pub column: String,
    /// The field it holds.
    pub field: InputField,
}

impl ColumnMapping {
    /// Parses `COLUMN=FIELD`.
    pub fn parse(text: &str) -> Result<ColumnMapping, BatchError> {
        let (c, f) = text
            .split_once('=')
            .ok_or_else(|| BatchError::Mapping(format!("'{text}' is not COLUMN=FIELD")))?;
        let field = InputField::from_name(f.trim()).ok_or_else(|| {
            let known: Vec<&str> = INPUT_FIELDS.iter().map(|(n, _)| *n).collect();
            BatchError::Mapping(format!(
                "'{f}' in '{text}' is not a field; fields: {}",
                known.join(", ")
            ))
        })?;
        Ok(ColumnMapping {
            column: c.trim().to_string(),
            field,
        })
    }
}

/// Options of a batch run.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Engine settings (its `threshold` is the output threshold).
    pub config: LinkageConfig,
    /// Extra column mappings; columns named like a field map to it without one.
    pub mappings: Vec<ColumnMapping>,
    /// Year that ages are counted from (required only when an `age` column has values).
    pub reference_year: Option<i32>,
    /// Years either side of an age-derived birth year that still agree.
    pub age_tolerance: u8,
}

impl BatchOptions {
    /// Standard engine settings, no mappings, no reference year, age tolerance 2 years.
    pub fn standard() -> Self {
        Self {
            config: LinkageConfig::standard(),
            mappings: Vec::new(),
            reference_year: None,
            age_tolerance: 2,
        }
    }
}

/// Stages of a batch run, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and preparing records (`done` = records read, `total` = 0: unknown).
    Reading,
    /// Generating candidate pairs.
    Blocking,
    /// Estimating the model.
    Training,
    /// Scoring candidate pairs (`done`/`total` in pairs).
    Scoring,
    /// Writing the output.
    Writing,
}

/// A progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What is being done.
    pub stage: Stage,
    /// Units done.
    pub done: u64,
    /// Units in all, 0 when unknown.
    pub total: u64,
}

/// What a batch run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Records read from the left (or only) file.
    pub left_records: usize,
    /// Records read from the right file (0 when deduplicating).
    pub right_records: usize,
    /// Candidate pairs compared.
    pub candidate_pairs: usize,
    /// Pairs written (at or above the threshold).
    pub pairs_written: usize,
    /// EM iterations run, and whether EM converged.
    pub em_iterations: usize,
    /// Whether EM converged before its iteration cap.
    pub converged: bool,
    /// Estimated share of matches among candidate pairs.
    pub lambda: f64,
}

/// Errors of a batch run, each naming the file and, where it applies, the line.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV structure is broken (e.g. a row with the wrong number of fields).
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A value cannot be read (e.g. a date of birth that is not a date).
    #[error("{path}, line {line}, column '{column}': {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column header.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A column mapping is malformed or names an unknown field.
    #[error("column mapping: {0}")]
    Mapping(String),
}

/// Reads a date; a run of 5 to 9 digits that is not `YYYYMMDD` (a digit typed twice or
/// dropped) still gives its year, from the first four digits.
fn parse_date_leniently(v: &str) -> Option<BirthDate> {
    BirthDate::parse(v).or_else(|| {
        let digits = v.len() >= 5 && v.len() <= 9 && v.bytes().all(|b| b.is_ascii_digit());
        digits
            .then(|| v[..4].parse().ok().map(|year| BirthDate::Year { year }))
            .flatten()
    })
}

/// Reads a CSV file of person records.
pub fn read_records(options: &BatchOptions, path: &Path) -> Result<Vec<Record>, BatchError> {
    let mut out = Vec::new();
    read_with(options, path, |r| out.push(r), &mut |_| {})?;
    Ok(out)
}

fn csv_error(path: &Path, e: csv::Error) -> BatchError {
    let line = e.position().map_or(0, csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => BatchError::Io {
            path: path.to_path_buf(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => BatchError::Csv {
            path: path.to_path_buf(),
            line,
            message: format!("expected {expected_len} fields as in the header, found {len}"),
        },
        csv::ErrorKind::Utf8 { err, .. } => BatchError::Csv {
            path: path.to_path_buf(),
            line,
            message: format!("not valid UTF-8 ({err})"),
        },
        other => BatchError::Csv {
            path: path.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}

fn read_with(
    options: &BatchOptions,
    path: &Path,
    mut sink: impl FnMut(Record),
    progress: &mut dyn FnMut(Progress),
) -> Result<usize, BatchError> {
    let file = File::open(path).map_err(|source| BatchError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_from(
        options,
        path,
        BufReader::with_capacity(1 << 20, file),
        &mut sink,
        progress,
    )
}

/// Reads CSV person records from any reader (an uploaded file); `name` is used in messages.
pub fn read_records_from(
    options: &BatchOptions,
    name: &str,
    input: impl std::io::Read,
) -> Result<Vec<Record>, BatchError> {
    let mut out = Vec::new();
    read_from(
        options,
        Path::new(name),
        input,
        &mut |r| out.push(r),
        &mut |_| {},
    )?;
    Ok(out)
}

fn read_from(
    options: &BatchOptions,
    path: &Path,
    input: impl std::io::Read,
    sink: &mut dyn FnMut(Record),
    progress: &mut dyn FnMut(Progress),
) -> Result<usize, BatchError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let mut columns: Vec<Option<InputField>> = headers
        .iter()
        .map(|h| InputField::from_name(h.trim().trim_start_matches('\u{feff}')))
        .collect();
    for m in &options.mappings {
        if let Some(i) = headers.iter().position(|h| h.trim() == m.column) {
            columns[i] = Some(m.field);
        }
    }
    let mut row = csv::StringRecord::new();
    let mut n = 0usize;
    loop {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, e)),
        }
        n += 1;
        let line = row.position().map_or(n as u64 + 1, csv::Position::line);
        // A person record never holds a line break: one inside a field means a quote was
        // left open and the rest of the file was read as that field.
        if let Some(i) = row.iter().position(|v| v.contains(['\n', '\r'])) {
            return Err(BatchError::Csv {
                path: path.to_path_buf(),
                line,
                message: format!(
                    "column '{}' runs over a line break: a quote (\") opened here is not closed",
                    headers.get(i).unwrap_or("?")
                ),
            });
        }
        let mut rec = Record::new(String::new());
        let mut name = PersonName::default();
        let mut has_id = false;
        for (i, value) in row.iter().enumerate() {
            let v = value.trim();
            let Some(field) = columns.get(i).copied().flatten() else {
                continue;
            };
            if v.is_empty() {
                continue;
            }
            let bad = |message: String| BatchError::Value {
                path: path.to_path_buf(),
                line,
                column: headers.get(i).unwrap_or("?").to_string(),
                message,
            };
            let join = |slot: &mut Option<String>| match slot {
                Some(s) => {
                    s.push(' ');
                    s.push_str(v);
                }
                None => *slot = Some(v.to_string()),
            };
            match field {
                InputField::Id => {
                    rec.id = v.to_string();
                    has_id = true;
                }
                InputField::GivenName => join(&mut name.given),
                InputField::FamilyName => join(&mut name.family),
                InputField::FullName => join(&mut name.full),
                InputField::Sex => rec.sex = Sex::parse(v),
                InputField::DateOfBirth => {
                    rec.date_of_birth = Some(parse_date_leniently(v).ok_or_else(|| {
                        bad(format!(
                            "'{v}' is not a date (YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYY)"
                        ))
                    })?);
                }
                InputField::Age => {
                    let age: f64 = v
                        .parse()
                        .map_err(|_| bad(format!("'{v}' is not an age in years")))?;
                    let year = options
                        .reference_year
                        .ok_or_else(|| bad("an age needs a reference year".to_string()))?;
                    if rec.date_of_birth.is_none() {
                        rec.date_of_birth = Some(BirthDate::Estimated {
                            year: year - age.round() as i32,
                            tolerance: options.age_tolerance,
                        });
                    }
                }
                InputField::Nationality => join(&mut rec.nationality),
                InputField::PlaceOfBirth => join(&mut rec.place_of_birth),
                InputField::MotherName => join(&mut rec.mother_name),
                InputField::FatherName => join(&mut rec.father_name),
                InputField::DocumentNumber => join(&mut rec.document_number),
                InputField::Address => join(&mut rec.address),
                InputField::Locality => join(&mut rec.locality),
                InputField::Postcode => join(&mut rec.postcode),
            }
        }
        if !has_id {
            rec.id = n.to_string();
        }
        if name != PersonName::default() {
            rec.names.push(name);
        }
        sink(rec);
        if n.is_multiple_of(100_000) {
            progress(Progress {
                stage: Stage::Reading,
                done: n as u64,
                total: 0,
            });
        }
    }
    Ok(n)
}

/// Reads a file into ids and prepared records, preparing in parallel chunks so that the raw
/// records never all sit in memory at once.
fn read_prepared(
    options: &BatchOptions,
    path: &Path,
    ids: &mut Vec<String>,
    prepared: &mut Vec<Prepared>,
    progress: &mut dyn FnMut(Progress),
) -> Result<usize, BatchError> {
    const CHUNK: usize = 32_768;
    // One thread parses the CSV while the others prepare the previous chunk.
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Record>>(2);
        let reader = scope.spawn(move || {
            let mut chunk: Vec<Record> = Vec::with_capacity(CHUNK);
            let n = read_with(
                options,
                path,
                |r| {
                    chunk.push(r);
                    if chunk.len() == CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        // A closed channel means the receiver stopped; the error surfaces there.
                        let _ = tx.send(full);
                    }
                },
                &mut |_| {},
            );
            let _ = tx.send(chunk);
            n
        });
        let mut done = 0u64;
        for chunk in rx {
            prepared.par_extend(chunk.par_iter().map(Prepared::new));
            done += chunk.len() as u64;
            ids.extend(chunk.into_iter().map(|r| r.id));
            progress(Progress {
                stage: Stage::Reading,
                done,
                total: 0,
            });
        }
        reader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

fn run(
    options: &BatchOptions,
    left: &Path,
    right: Option<&Path>,
    out: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, BatchError> {
    let mut ids = Vec::new();
    let mut prepared = Vec::new();
    let n_left = read_prepared(options, left, &mut ids, &mut prepared, progress)?;
    let n_right = match right {
        Some(r) => read_prepared(options, r, &mut ids, &mut prepared, progress)?,
        None => 0,
    };
    progress(Progress {
        stage: Stage::Reading,
        done: (n_left + n_right) as u64,
        total: (n_left + n_right) as u64,
    });
    let engine = Engine::from_prepared(&options.config, prepared, n_left, right.is_some());
    progress(Progress {
        stage: Stage::Blocking,
        done: 0,
        total: 0,
    });
    let pairs = engine.candidate_pairs();
    progress(Progress {
        stage: Stage::Training,
        done: 0,
        total: pairs.len() as u64,
    });
    let model = engine.train_on_pairs(&pairs);
    let total = pairs.len() as u64;
    let mut scored: Vec<(u64, f64)> = Vec::new();
    for (k, chunk) in pairs.chunks(1 << 20).enumerate() {
        scored.extend(engine.score(&model, chunk, options.config.threshold));
        progress(Progress {
            stage: Stage::Scoring,
            done: ((k as u64 + 1) << 20).min(total),
            total,
        });
    }
    progress(Progress {
        stage: Stage::Writing,
        done: 0,
        total: scored.len() as u64,
    });
    let io = |source| BatchError::Io {
        path: out.to_path_buf(),
        source,
    };
    let file = File::create(out).map_err(io)?;
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
    let werr = |e: csv::Error| csv_error(out, e);
    w.write_record(["left_id", "right_id", "probability"])
        .map_err(werr)?;
    let mut buf = String::new();
    let mut scored: Vec<(usize, usize, f64)> = scored
        .into_iter()
        .map(|(pk, p)| {
            let (i, j) = engine.original(pk);
            (i, j, p)
        })
        .collect();
    scored.par_sort_unstable_by_key(|&(i, j, _)| (i, j));
    for &(i, j, p) in &scored {
        buf.clear();
        use std::fmt::Write as _;
        let _ = write!(buf, "{p:.6}");
        w.write_record([ids[i].as_str(), ids[j].as_str(), buf.as_str()])
            .map_err(werr)?;
    }
    let mut inner = w.into_inner().map_err(|e| io(e.into_error()))?;
    inner.flush().map_err(io)?;
    let t = model.training();
    Ok(Summary {
        left_records: n_left,
        right_records: n_right,
        candidate_pairs: pairs.len(),
        pairs_written: scored.len(),
        em_iterations: t.em_iterations,
        converged: t.converged,
        lambda: t.lambda,
    })
}

/// `homeward match link LEFT RIGHT --out PAIRS`: writes `left_id,right_id,probability` for
/// every candidate pair at or above the threshold.
pub fn link(
    options: &BatchOptions,
    left: &Path,
    right: &Path,
    out: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, BatchError> {
    run(options, left, Some(right), out, progress)
}

/// `homeward match dedupe FILE --out PAIRS`: writes `left_id,right_id,probability` for
/// every candidate pair within the file at or above the threshold.
pub fn dedupe(
    options: &BatchOptions,
    input: &Path,
    out: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, BatchError> {
    run(options, input, None, out, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_quote_is_refused_naming_its_line() {
        let csv = "id,given_name,family_name\n1,Amina,Saleh\n2,\"Fatima,Hassan\n3,Layla,Omar\n";
        let e = read_records_from(&BatchOptions::standard(), "list.csv", csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("list.csv, line 3"), "{e}");
        // The same file without the stray quote reads.
        let fixed = csv.replace('"', "");
        let records = read_records_from(&BatchOptions::standard(), "list.csv", fixed.as_bytes())
            .expect("a well-formed file reads");
        assert_eq!(records.len(), 3);
        assert_eq!(records[2].id, "3");
    }

    #[test]
    fn an_unclosed_quote_in_the_last_column_is_refused_too() {
        let csv = "id,full_name\n1,\"Amina Saleh\n2,Fatima Hassan\n";
        let e = read_records_from(&BatchOptions::standard(), "x.csv", csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("full_name"), "{e}");
    }
}
