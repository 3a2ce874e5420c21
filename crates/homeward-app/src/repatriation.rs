//! Nationality verification and repatriation: cases and their state machine,
//! consent and the disclosure register, the embassy work queue and dossiers.
