//! Reading civil-registry death notifications: a DCI-style CRVS `notify` message and an
//! OpenCRVS-style FHIR bundle. Each event becomes the cells of one row of a Dukcapil deaths list, so
//! the same reader that imports deaths files checks and normalises it (NIK, name, dates, village).

use serde_json::Value;

/// The sender's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A DCI (Digital Convergence Initiative) CRVS registry `notify` message.
    Dci,
    /// An OpenCRVS event notification (a FHIR bundle with the deceased as a `Patient`).
    OpenCrvs,
}

impl Source {
    /// Stable code (intake table, URLs).
    pub fn as_code(self) -> &'static str {
        match self {
            Source::Dci => "dci",
            Source::OpenCrvs => "opencrvs",
        }
    }
}

/// One death event read from a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct DeathEvent {
    /// The sender's id of the event (idempotency key).
    pub event_id: String,
    /// Deaths-list headings and values (`NIK`, `NAMA`, `TANGGAL KEMATIAN`, …).
    pub cells: Vec<(&'static str, String)>,
    /// The event's own JSON, kept as received.
    pub raw: Value,
}

/// Headings of the row an event becomes (the deaths list's own).
pub const HEADINGS: [&str; 8] = [
    "NO AKTA KEMATIAN",
    "NIK",
    "NAMA",
    "JENIS KELAMIN",
    "TEMPAT LAHIR",
    "TANGGAL LAHIR",
    "TANGGAL KEMATIAN",
    "KODE DESA",
];

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The date part of an ISO date or date-time.
fn date(v: &Value) -> Option<String> {
    text(v).map(|s| s.chars().take(10).collect())
}

fn sex(v: &Value) -> Option<String> {
    let s = text(v)?.to_lowercase();
    Some(
        match s.as_str() {
            "male" | "m" | "l" | "laki-laki" | "1" => "L",
            "female" | "f" | "p" | "perempuan" | "2" => "P",
            _ => return None,
        }
        .to_string(),
    )
}

fn push(cells: &mut Vec<(&'static str, String)>, heading: &'static str, value: Option<String>) {
    if let Some(v) = value {
        cells.push((heading, v));
    }
}

/// Reads a delivery; an error says what is missing, for the sender.
pub fn read(source: Source, body: &Value) -> Result<Vec<DeathEvent>, String> {
    match source {
        Source::Dci => read_dci(body),
        Source::OpenCrvs => read_opencrvs(body).map(|e| vec![e]),
    }
}

/// `{"header": {"action": "notify", …}, "message": {"notify_event": [{"reference_id", "data":
/// {"event_type": "death", "reg_records": {…}}}]}}`
fn read_dci(body: &Value) -> Result<Vec<DeathEvent>, String> {
    let events = body["message"]["notify_event"]
        .as_array()
        .ok_or("message.notify_event (array) missing")?;
    if events.is_empty() {
        return Err("message.notify_event is empty".into());
    }
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let at = |what: &str| format!("message.notify_event[{i}]: {what}");
            let event_id = text(&e["reference_id"]).ok_or_else(|| at("reference_id missing"))?;
            let data = &e["data"];
            if let Some(t) = text(&data["event_type"]) {
                if !t.eq_ignore_ascii_case("death") {
                    return Err(at(&format!("event_type '{t}' is not 'death'")));
                }
            }
            let p = &data["reg_records"];
            if !p.is_object() {
                return Err(at("data.reg_records (object) missing"));
            }
            let nik = p["identifier"].as_array().and_then(|ids| {
                ids.iter()
                    .find(|id| {
                        text(&id["identifier_type"]).is_some_and(|t| {
                            matches!(t.to_uppercase().as_str(), "NIK" | "UIN" | "NATIONAL_ID")
                        })
                    })
                    .and_then(|id| text(&id["identifier_value"]))
            });
            let name = match &p["name"] {
                Value::Object(_) => {
                    let n = &p["name"];
                    let parts: Vec<String> = ["given_name", "second_name", "surname"]
                        .iter()
                        .filter_map(|k| text(&n[*k]))
                        .collect();
                    (!parts.is_empty()).then(|| parts.join(" "))
                }
                other => text(other),
            };
            let name = name.ok_or_else(|| at("reg_records.name missing"))?;
            let death =
                date(&p["death_date"]).ok_or_else(|| at("reg_records.death_date missing"))?;
            let mut cells = Vec::new();
            push(
                &mut cells,
                "NO AKTA KEMATIAN",
                text(&p["death_certificate_no"]).or_else(|| Some(event_id.clone())),
            );
            push(&mut cells, "NIK", nik);
            push(&mut cells, "NAMA", Some(name));
            push(&mut cells, "JENIS KELAMIN", sex(&p["sex"]));
            push(&mut cells, "TEMPAT LAHIR", text(&p["birth_place"]));
            push(&mut cells, "TANGGAL LAHIR", date(&p["birth_date"]));
            push(&mut cells, "TANGGAL KEMATIAN", Some(death));
            push(&mut cells, "KODE DESA", text(&p["address"]["village_code"]));
            Ok(DeathEvent {
                event_id,
                cells,
                raw: e.clone(),
            })
        })
        .collect()
}

/// A FHIR `Bundle` whose `Patient` is the deceased (`deceasedDateTime`), its id the event's.
fn read_opencrvs(body: &Value) -> Result<DeathEvent, String> {
    if text(&body["resourceType"]).as_deref() != Some("Bundle") {
        return Err("resourceType 'Bundle' expected".into());
    }
    let event_id = text(&body["id"])
        .or_else(|| text(&body["identifier"]["value"]))
        .ok_or("Bundle.id missing")?;
    let entries = body["entry"].as_array().ok_or("Bundle.entry missing")?;
    let patient = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|r| {
            text(&r["resourceType"]).as_deref() == Some("Patient")
                && (r.get("deceasedDateTime").is_some()
                    || r["deceasedBoolean"] == Value::Bool(true))
        })
        .ok_or("no Patient with deceasedDateTime in Bundle.entry")?;
    let nik = patient["identifier"].as_array().and_then(|ids| {
        ids.iter()
            .find(|id| {
                let code = text(&id["type"]["coding"][0]["code"])
                    .or_else(|| text(&id["type"]))
                    .unwrap_or_default()
                    .to_uppercase();
                matches!(code.as_str(), "NATIONAL_ID" | "NIK" | "NID")
            })
            .and_then(|id| text(&id["value"]))
    });
    let name = patient["name"][0].clone();
    let mut parts: Vec<String> = name["given"]
        .as_array()
        .map(|g| g.iter().filter_map(text).collect())
        .unwrap_or_default();
    parts.extend(text(&name["family"]));
    if parts.is_empty() {
        parts.extend(text(&name["text"]));
    }
    if parts.is_empty() {
        return Err("Patient.name missing".into());
    }
    let death = date(&patient["deceasedDateTime"]).ok_or("Patient.deceasedDateTime missing")?;
    let village = patient["address"][0]["extension"]
        .as_array()
        .and_then(|ex| {
            ex.iter()
                .find(|x| text(&x["url"]).is_some_and(|u| u.ends_with("village-code")))
                .and_then(|x| text(&x["valueString"]))
        });
    let mut cells = Vec::new();
    push(&mut cells, "NO AKTA KEMATIAN", Some(event_id.clone()));
    push(&mut cells, "NIK", nik);
    push(&mut cells, "NAMA", Some(parts.join(" ")));
    push(&mut cells, "JENIS KELAMIN", sex(&patient["gender"]));
    push(&mut cells, "TANGGAL LAHIR", date(&patient["birthDate"]));
    push(&mut cells, "TANGGAL KEMATIAN", Some(death));
    push(&mut cells, "KODE DESA", village);
    Ok(DeathEvent {
        event_id,
        cells,
        raw: body.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cell<'a>(e: &'a DeathEvent, h: &str) -> Option<&'a str> {
        e.cells
            .iter()
            .find(|(k, _)| *k == h)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_dci_notify_message_gives_one_row_per_event() {
        let body = json!({
            "header": {"message_id": "m1", "action": "notify", "sender_id": "dukcapil"},
            "message": {"transaction_id": "t1", "notify_event": [
                {"reference_id": "ev-1", "data": {"event_type": "death", "reg_records": {
                    "identifier": [{"identifier_type": "NIK", "identifier_value": "5304011203500001"}],
                    "name": {"given_name": "Yohanes", "surname": "Bere"},
                    "sex": "male", "birth_date": "1950-03-12", "death_date": "2026-11-30T08:00:00+08:00"}}},
                {"reference_id": "ev-2", "data": {"event_type": "death", "reg_records": {
                    "name": "Maria Luruk", "death_date": "2026-11-29"}}}
            ]}
        });
        let events = read(Source::Dci, &body).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event_id, "ev-1");
        assert_eq!(cell(&events[0], "NIK"), Some("5304011203500001"));
        assert_eq!(cell(&events[0], "NAMA"), Some("Yohanes Bere"));
        assert_eq!(cell(&events[0], "JENIS KELAMIN"), Some("L"));
        assert_eq!(cell(&events[0], "TANGGAL KEMATIAN"), Some("2026-11-30"));
        assert_eq!(cell(&events[1], "NIK"), None);
        assert_eq!(cell(&events[1], "NAMA"), Some("Maria Luruk"));
    }

    #[test]
    fn a_birth_or_an_event_without_a_death_date_is_refused_with_its_place() {
        let birth = json!({"message": {"notify_event": [{"reference_id": "b", "data": {"event_type": "birth", "reg_records": {"name": "X", "death_date": "2026-01-01"}}}]}});
        assert!(read(Source::Dci, &birth)
            .unwrap_err()
            .contains("not 'death'"));
        let undated = json!({"message": {"notify_event": [{"reference_id": "u", "data": {"reg_records": {"name": "X"}}}]}});
        let e = read(Source::Dci, &undated).unwrap_err();
        assert!(
            e.contains("notify_event[0]") && e.contains("death_date"),
            "{e}"
        );
        assert!(read(Source::Dci, &json!({"x": 1})).is_err());
    }

    #[test]
    fn an_opencrvs_bundle_gives_its_deceased_patient() {
        let body = json!({
            "resourceType": "Bundle", "id": "b-77", "type": "document",
            "entry": [
                {"resource": {"resourceType": "Composition", "type": {"coding": [{"code": "death-declaration"}]}}},
                {"resource": {"resourceType": "Patient",
                    "identifier": [{"type": {"coding": [{"code": "NATIONAL_ID"}]}, "value": "5304014506600002"}],
                    "name": [{"given": ["Maria"], "family": "Luruk"}],
                    "gender": "female", "birthDate": "1960-06-05", "deceasedDateTime": "2026-11-28T12:00:00Z"}}
            ]
        });
        let e = read(Source::OpenCrvs, &body).unwrap().remove(0);
        assert_eq!(e.event_id, "b-77");
        assert_eq!(cell(&e, "NIK"), Some("5304014506600002"));
        assert_eq!(cell(&e, "NAMA"), Some("Maria Luruk"));
        assert_eq!(cell(&e, "JENIS KELAMIN"), Some("P"));
        assert_eq!(cell(&e, "TANGGAL KEMATIAN"), Some("2026-11-28"));
        let living = json!({"resourceType": "Bundle", "id": "b", "entry": [{"resource": {"resourceType": "Patient", "name": [{"text": "A"}]}}]});
        assert!(read(Source::OpenCrvs, &living)
            .unwrap_err()
            .contains("deceasedDateTime"));
    }
}
