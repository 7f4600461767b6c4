"""jaring vs Splink on one generated regency: the same files, the same evaluation, the same threshold.

Each external list (deaths, ASN/PPPK, BPJS, DTSEN) is linked to the registry by both tools. A pair is a
predicted match when its probability is at least 0.9 (jaring's auto band) and it is the best pair of its
list record (one-to-one: every list record is one person). Precision, recall and F1 are computed against
ground_truth.csv by the code below, for both tools alike.

Splink's configuration is the documented one for person data (Splink 5, DuckDB backend):
- inputs standardised as the Splink docs ask: lower-case names without punctuation, ISO dates, sex as
  m/f, village and kecamatan names (the lists that carry codes are mapped to names);
- comparisons from its comparison library: NIK `LevenshteinAtThresholds([1, 2])` (mistyped digits),
  `NameComparison` (Jaro-Winkler 0.92/0.88/0.7), `DateOfBirthComparison` (exact, Levenshtein 1, within a
  month, a year, ten years), `ExactMatch` on sex and on village with term-frequency adjustment;
- blocking rules for prediction: same NIK; same date of birth; same name and kecamatan; same first four
  letters of the name and same birth year;
- training: λ from a deterministic NIK rule (recall 0.9), u by random sampling (10 million pairs), m by EM
  on two blocking rules (date of birth; name).
"""

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

THRESHOLD = 0.9

LISTS = {
    # file, id column, nik, name, sex, birth date, date format, village code column or names
    "deaths": ("deaths.csv", "NO", "NIK", "NAMA LENGKAP", "JENIS KELAMIN", "TANGGAL LAHIR", "%d-%m-%Y"),
    "asn": ("asn_pppk.csv", "No", "NIK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "%d/%m/%Y"),
    "bpjs": ("bpjs_membership.csv", "KPJ", "NIK", "NAMA PESERTA", "JENIS KELAMIN", "TGL LAHIR", "%d-%m-%Y"),
    "dtsen": ("dtsen.csv", "ID_DTSEN", "NIK", "NAMA", "JENIS_KELAMIN", "TANGGAL_LAHIR", "%Y-%m-%d"),
}


def clean_name(s):
    s = re.sub(r"[^a-z ]", " ", str(s).lower())
    return re.sub(r"\s+", " ", s).strip() or None


def sex(s):
    s = str(s).strip().upper()
    if s in ("L", "LAKI-LAKI", "1", "M"):
        return "m"
    if s in ("P", "PEREMPUAN", "2", "F"):
        return "f"
    return None


def iso(s, fmt):
    try:
        return pd.to_datetime(s, format=fmt).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        return None


def load(dir_):
    reg = pd.read_csv(dir_ / "registry.csv", dtype=str, keep_default_na=False)
    code_to_names = {
        r["Kode Desa"]: (r["Desa"].lower(), r["Kecamatan"].lower())
        for _, r in reg[["Kode Desa", "Desa", "Kecamatan"]].drop_duplicates().iterrows()
    }
    registry = pd.DataFrame({
        "unique_id": reg["ID"],
        "nik": reg["NIK"].replace("", None),
        "name": reg["Nama"].map(clean_name),
        "sex": reg["Jenis Kelamin"].map(sex),
        "dob": reg["Tanggal Lahir"].replace("", None),
        "village": reg["Desa"].str.lower(),
        "district": reg["Kecamatan"].str.lower(),
    })
    lists = {}
    for kind, (file, idc, nikc, namec, sexc, dobc, fmt) in LISTS.items():
        df = pd.read_csv(dir_ / file, dtype=str, keep_default_na=False)
        if kind == "deaths":
            village, district = df["DESA/KELURAHAN"].str.lower(), df["KECAMATAN"].str.lower()
        elif kind in ("bpjs", "dtsen"):
            col = "KODE DESA" if kind == "bpjs" else "KODE_WILAYAH"
            codes = df[col].map(
                lambda c: c if "." in c else f"{c[:2]}.{c[2:4]}.{c[4:6]}.{c[6:]}")
            village = codes.map(lambda c: code_to_names.get(c, (None, None))[0])
            district = codes.map(lambda c: code_to_names.get(c, (None, None))[1])
        else:
            village = district = pd.Series([None] * len(df))
        lists[kind] = pd.DataFrame({
            "unique_id": df[idc],
            "nik": df[nikc].replace("", None),
            "name": df[namec].map(clean_name),
            "sex": df[sexc].map(sex),
            "dob": df[dobc].map(lambda s: iso(s, fmt)),
            "village": village,
            "district": district,
        })
    return registry, lists


def truth(dir_):
    t = {}
    with open(dir_ / "ground_truth.csv", newline="") as f:
        for r in csv.DictReader(f):
            t[(r["list"], r["record_id"])] = r["person_id"] or None
    return t


def best_per_record(pairs):
    """pairs: iterable of (registry id, list id, probability) → {list id: registry id} at ≥ THRESHOLD,
    each list record and each registry person used once, best first."""
    chosen, used = {}, set()
    for left, right, p in sorted(pairs, key=lambda x: -x[2]):
        if p < THRESHOLD or right in chosen or left in used:
            continue
        chosen[right] = left
        used.add(left)
    return chosen


def score(kind, chosen, ids, t):
    tp = fp = fn = 0
    for rid in ids:
        want = t.get((kind, rid))
        got = chosen.get(rid)
        if got is not None and got == want:
            tp += 1
        else:
            if got is not None:
                fp += 1
            if want is not None:
                fn += 1
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def run_splink(registry, df):
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.LevenshteinAtThresholds("nik", [1, 2]),
            cl.NameComparison("name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("village").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("dob"),
            block_on("name", "district"),
            block_on("substr(name, 1, 4)", "substr(dob, 1, 4)"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    left = db_api.register(registry, dataset_display_name="registry")
    right = db_api.register(df, dataset_display_name="list")
    linker = Linker([left, right], settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match([block_on("nik")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    out = []
    for _, r in pred.iterrows():
        # source_dataset tells which side each id came from
        if r["source_dataset_l"] == "registry":
            out.append((r["unique_id_l"], r["unique_id_r"], r["match_probability"]))
        else:
            out.append((r["unique_id_r"], r["unique_id_l"], r["match_probability"]))
    return out


def run_jaring(jaring, dir_, kind):
    out = dir_ / f"jaring_{kind}.csv"
    subprocess.run(
        [jaring, "link", str(dir_ / "registry.csv"), str(dir_ / LISTS[kind][0]), "--one-to-one",
         "--min-probability", str(THRESHOLD), "--out", str(out)],
        check=True, capture_output=True)
    with open(out, newline="") as f:
        return [(r["left_id"], r["right_id"], float(r["probability"])) for r in csv.DictReader(f)]


def main():
    dir_, jaring = Path(sys.argv[1]), sys.argv[2]
    registry, lists = load(dir_)
    t = truth(dir_)
    rows = []
    for kind, df in lists.items():
        ids = list(df["unique_id"])
        started = time.perf_counter()
        j = best_per_record(run_jaring(jaring, dir_, kind))
        jt = time.perf_counter() - started
        started = time.perf_counter()
        s = best_per_record(run_splink(registry, df))
        st = time.perf_counter() - started
        jp, jr, jf = score(kind, j, ids, t)
        sp, sr, sf = score(kind, s, ids, t)
        rows.append((kind, len(df), jp, jr, jf, jt, sp, sr, sf, st))
    print(f"registry {len(registry)} persons; threshold p ≥ {THRESHOLD}, one-to-one")
    print("| list | records | jaring P | jaring R | jaring F1 | jaring s | Splink P | Splink R | Splink F1 | Splink s | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind, n, jp, jr, jf, jt, sp, sr, sf, st in rows:
        print(f"| {kind} | {n} | {jp:.4f} | {jr:.4f} | {jf:.4f} | {jt:.1f} | {sp:.4f} | {sr:.4f} | {sf:.4f} | {st:.1f} | {st / jt:.1f}× |")
    jt, st = sum(r[5] for r in rows), sum(r[9] for r in rows)
    print(f"| all | {sum(r[1] for r in rows)} | | | | {jt:.1f} | | | | {st:.1f} | {st / jt:.1f}× |")


if __name__ == "__main__":
    main()
