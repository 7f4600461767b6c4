//! Messages people read come in Bahasa Indonesia first and English second.

/// A message available in Bahasa Indonesia and English.
pub trait Bilingual {
    /// The Indonesian text, shown first to users.
    fn id(&self) -> String;
    /// The English text.
    fn en(&self) -> String;
    /// Both texts in one line, Indonesian first: what `Display` shows.
    fn both(&self) -> String {
        format!("{} / {}", self.id(), self.en())
    }
}
