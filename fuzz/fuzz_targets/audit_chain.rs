//! The audit chain check: a chain built as the store builds it verifies, and any one change
//! to it (a field altered, an event removed, two swapped, the head moved) is found.
#![no_main]

use arbitrary::Arbitrary;
use homeward_store::audit::{ChainCheck, Event, GENESIS, Verdict, event_hash};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Fields {
    actor: String,
    action: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Arbitrary, Debug)]
enum Tamper {
    Nothing,
    Field { at: u8, which: u8, text: String },
    Remove(u8),
    Swap(u8, u8),
    HeadSeq(i64),
    HeadHash(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    events: Vec<Fields>,
    tamper: Tamper,
}

fn verify(events: &[Event], head_seq: i64, head_hash: &str) -> Verdict {
    let mut check = ChainCheck::default();
    for e in events {
        if let Err(broken) = check.next(e) {
            return broken;
        }
    }
    check.finish(head_seq, head_hash)
}

fuzz_target!(|input: Input| {
    let mut prev = GENESIS.to_owned();
    let mut events: Vec<Event> = Vec::new();
    for (i, f) in input.events.into_iter().take(64).enumerate() {
        let mut e = Event {
            seq: i as i64 + 1,
            at: format!("2018-02-01T10:00:{:02}.000000", i % 60),
            actor: f.actor,
            action: f.action,
            entity_type: "person".into(),
            entity_id: f.entity_id,
            before_json: f.before,
            after_json: f.after,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = event_hash(&e);
        prev.clone_from(&e.hash);
        events.push(e);
    }
    let n = events.len();
    let mut head_seq = n as i64;
    let mut head_hash = prev;
    assert!(
        matches!(verify(&events, head_seq, &head_hash), Verdict::Intact { events, .. } if events == head_seq),
        "an untouched chain verifies"
    );
    let changed = match input.tamper {
        Tamper::Nothing => false,
        Tamper::Field { at, which, text } if n > 0 => {
            let e = &mut events[usize::from(at) % n];
            let before = format!("{e:?}");
            match which % 7 {
                0 => e.actor = text,
                1 => e.action = text,
                2 => e.entity_type = text,
                3 => e.entity_id = text,
                4 => e.at = text,
                5 => e.before_json = Some(text),
                _ => e.after_json = Some(text),
            }
            before != format!("{e:?}")
        }
        Tamper::Remove(i) if n > 0 => {
            events.remove(usize::from(i) % n);
            true
        }
        Tamper::Swap(i, j) if n > 1 && usize::from(i) % n != usize::from(j) % n => {
            events.swap(usize::from(i) % n, usize::from(j) % n);
            true
        }
        Tamper::HeadSeq(s) => {
            let moved = s != head_seq;
            head_seq = s;
            moved
        }
        Tamper::HeadHash(h) => {
            let moved = h != head_hash;
            head_hash = h;
            moved
        }
        _ => false,
    };
    let verdict = verify(&events, head_seq, &head_hash);
    assert_eq!(
        matches!(verdict, Verdict::Intact { .. }),
        !changed,
        "{verdict:?}"
    );
});
