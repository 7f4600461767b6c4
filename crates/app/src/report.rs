//! The printable coverage report of a region (the regency by default): a summary, a bar chart of its
//! kecamatan (or villages) and a table, as a PDF drawn with printpdf — no browser involved, so it can be
//! produced on a server with nothing else installed.

use chrono::NaiveDate;
use jaring_domain::access::Action;
use jaring_domain::programme::Rate;
use jaring_domain::{RegionLevel, Rupiah};
use printpdf::{
    BuiltinFont, Color, IndirectFontRef, Mm, PdfDocument, PdfLayerReference, Rect, Rgb,
};

use crate::accounts::Principal;
use crate::AppError;

/// The programme whose premium prices the gap in the report.
const BUDGET_PROGRAMME: &str = "bpu_apbd_kab";

fn rate_text(r: &Rate) -> String {
    match r.basis_points() {
        Some(bp) => format!("{},{:02} %", bp / 100, bp % 100),
        None => "-".into(),
    }
}

fn number(n: i64) -> String {
    jaring_domain::money::group_thousands(n)
}

/// Built-in PDF fonts speak Windows-1252 only: anything else becomes '?' rather than vanishing.
pub(crate) fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| if (c as u32) < 0x100 { c } else { '?' })
        .collect()
}

/// Draws text and boxes on one page layer with the two built-in fonts.
pub(crate) struct Pen {
    pub(crate) layer: PdfLayerReference,
    pub(crate) regular: IndirectFontRef,
    pub(crate) bold: IndirectFontRef,
}

impl Pen {
    pub(crate) fn text(&self, s: &str, size: f32, x: f32, y: f32, bold: bool) {
        let font = if bold { &self.bold } else { &self.regular };
        self.layer.use_text(ascii(s), size, Mm(x), Mm(y), font);
    }

    pub(crate) fn fill(&self, r: f32, g: f32, b: f32) {
        self.layer
            .set_fill_color(Color::Rgb(Rgb::new(r, g, b, None)));
    }

    pub(crate) fn rect(&self, x: f32, y: f32, w: f32, h: f32) {
        self.layer
            .add_rect(Rect::new(Mm(x), Mm(y), Mm(x + w), Mm(y + h)));
    }
}

/// The coverage report of the principal's region for `month`, as PDF bytes.
pub fn coverage_pdf(
    db: &jaring_store::Database,
    who: &Principal,
    month: NaiveDate,
) -> Result<Vec<u8>, AppError> {
    who.require_any(Action::ViewCoverage)?;
    let scope = who.grant.scope;
    let report = crate::coverage::coverage(db, Some(scope), month, true)?;
    let here = report
        .rows
        .iter()
        .find(|r| r.code == scope.to_string())
        .ok_or(AppError::NotFound)?
        .clone();
    let child_level = match scope.level() {
        RegionLevel::Province => "kabupaten",
        RegionLevel::Regency => "kecamatan",
        _ => "desa",
    };
    let mut children: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.level == child_level)
        .cloned()
        .collect();
    children.sort_by(|a, b| a.name.cmp(&b.name));
    let premium = crate::coverage::programme(db, BUDGET_PROGRAMME)
        .map(|p| p.row.monthly_premium)
        .unwrap_or(16_800);
    let gap = (here.rate.denominator - here.rate.numerator).max(0);
    let trend = crate::coverage::trend(db, scope)?;
    let month_key = crate::coverage::month_key(report.month);

    let (doc, page, layer) = PdfDocument::new(
        format!("Cakupan UCJ {} {month_key}", here.name),
        Mm(210.0),
        Mm(297.0),
        "isi",
    );
    let font = |f| {
        doc.add_builtin_font(f)
            .map_err(|e| AppError::Input(format!("PDF font: {e}")))
    };
    let mut pen = Pen {
        layer: doc.get_page(page).get_layer(layer),
        regular: font(BuiltinFont::Helvetica)?,
        bold: font(BuiltinFont::HelveticaBold)?,
    };

    // Summary.
    pen.text(
        "Laporan Cakupan Jaminan Sosial Ketenagakerjaan (UCJ)",
        15.0,
        20.0,
        278.0,
        true,
    );
    pen.text(
        &format!("{} ({}) - bulan {month_key}", here.name, here.code),
        12.0,
        20.0,
        270.0,
        false,
    );
    pen.text(
        &format!("Cakupan UCJ: {}", rate_text(&here.rate)),
        20.0,
        20.0,
        256.0,
        true,
    );
    let lines = [
        format!(
            "Peserta aktif {} dari {} penduduk usia kerja (penyebut: {})",
            number(here.rate.numerator),
            number(here.rate.denominator),
            here.source
        ),
        format!("Pekerja belum terlindungi: {}", number(gap)),
        format!(
            "Anggaran untuk 100 %: {} per tahun ({} x {} x 12 bulan, {BUDGET_PROGRAMME})",
            Rupiah(gap * premium * 12),
            number(gap),
            Rupiah(premium)
        ),
        format!(
            "Tren: {}",
            trend
                .iter()
                .map(|(m, r)| format!("{m} {}", rate_text(r)))
                .collect::<Vec<_>>()
                .join("  ")
        ),
    ];
    for (i, l) in lines.iter().enumerate() {
        pen.text(l, 10.0, 20.0, 247.0 - 6.0 * i as f32, false);
    }

    // Chart: one horizontal bar per child region, 100 % = 120 mm.
    let mut y = 214.0;
    pen.text(&format!("Cakupan per {child_level}"), 12.0, 20.0, y, true);
    y -= 8.0;
    let bar_h = if children.len() > 20 { 2.5 } else { 4.5 };
    for c in &children {
        let bp = c.rate.basis_points().unwrap_or(0).clamp(0, 10_000) as f32;
        pen.fill(0.85, 0.88, 0.86);
        pen.rect(62.0, y, 120.0, bar_h);
        pen.fill(0.04, 0.36, 0.23);
        pen.rect(62.0, y, 120.0 * bp / 10_000.0, bar_h);
        pen.fill(0.0, 0.0, 0.0);
        pen.text(&c.name, bar_h * 1.8, 20.0, y + 0.5, false);
        pen.text(&rate_text(&c.rate), bar_h * 1.8, 184.0, y + 0.5, false);
        y -= bar_h + 1.5;
        if y < 20.0 {
            break;
        }
    }

    // Table, continued on further pages when long.
    y -= 6.0;
    let header = |pen: &Pen, y: f32| {
        pen.text(&child_level.to_uppercase(), 9.0, 20.0, y, true);
        pen.text("KODE", 9.0, 85.0, y, true);
        pen.text("PESERTA AKTIF", 9.0, 112.0, y, true);
        pen.text("PENYEBUT", 9.0, 145.0, y, true);
        pen.text("CAKUPAN", 9.0, 172.0, y, true);
    };
    if y < 40.0 {
        let (p, l) = doc.add_page(Mm(210.0), Mm(297.0), "isi");
        pen.layer = doc.get_page(p).get_layer(l);
        y = 280.0;
    }
    header(&pen, y);
    y -= 6.0;
    for c in &children {
        if y < 15.0 {
            let (p, l) = doc.add_page(Mm(210.0), Mm(297.0), "isi");
            pen.layer = doc.get_page(p).get_layer(l);
            y = 280.0;
            header(&pen, y);
            y -= 6.0;
        }
        pen.text(&c.name, 9.0, 20.0, y, false);
        pen.text(&c.code, 9.0, 85.0, y, false);
        pen.text(&number(c.rate.numerator), 9.0, 112.0, y, false);
        pen.text(&number(c.rate.denominator), 9.0, 145.0, y, false);
        pen.text(&rate_text(&c.rate), 9.0, 172.0, y, false);
        y -= 5.0;
    }
    pen.text(
        &format!(
            "Dibuat oleh jaring pada {} dari {}.",
            jaring_domain::today(),
            if report.from_snapshot {
                "snapshot bulan ini"
            } else {
                "registri"
            }
        ),
        7.0,
        20.0,
        10.0,
        false,
    );
    doc.save_to_bytes()
        .map_err(|e| AppError::Input(format!("PDF: {e}")))
}
