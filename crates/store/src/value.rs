//! A small dynamic value and row type so that every query is written once for both backends.
//!
//! Both drivers are asked for the same few shapes (integers, text, reals, booleans, dates, instants);
//! SQLite stores dates and instants as ISO-8601 text, PostgreSQL as `DATE` and `TIMESTAMPTZ`.

use chrono::{DateTime, NaiveDate, Utc};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::StoreError;

/// A value bound to or read from a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Any integer column (stored as BIGINT).
    Int(i64),
    /// Text.
    Text(String),
    /// Floating point.
    Real(f64),
    /// Boolean (SQLite: 0/1).
    Bool(bool),
    /// Calendar date (SQLite: `YYYY-MM-DD`).
    Date(NaiveDate),
    /// Instant (SQLite: RFC 3339 text).
    Timestamp(DateTime<Utc>),
}

impl Value {
    /// Text that is NULL when empty, for optional free-text fields.
    pub fn opt_text(s: Option<impl Into<String>>) -> Value {
        s.map(|s| Value::Text(s.into())).unwrap_or(Value::Null)
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident $(as $cast:ty)?),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value { Value::$variant(v $(as $cast)?) }
        }
    )*};
}
value_from!(i64 => Int, i32 => Int as i64, u32 => Int as i64, u8 => Int as i64, f64 => Real,
    bool => Bool, String => Text, NaiveDate => Date, DateTime<Utc> => Timestamp);

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Value::Int(i) => ToSqlOutput::Owned((*i).into()),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Real(f) => ToSqlOutput::Owned((*f).into()),
            Value::Bool(b) => ToSqlOutput::Owned(i64::from(*b).into()),
            Value::Date(d) => ToSqlOutput::Owned(iso_date(*d).into()),
            Value::Timestamp(t) => ToSqlOutput::Owned(
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                    .into(),
            ),
        })
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Text(s) => s.to_sql(ty, out),
            Value::Real(f) => f.to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Date(d) => d.to_sql(ty, out),
            Value::Timestamp(t) => t.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        // Conversion is checked per value in `to_sql`, which errors on a mismatch.
        true
    }

    to_sql_checked!();
}

/// `YYYY-MM-DD` without going through chrono's format parser (hot in bulk loads).
pub(crate) fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Decode(format!("no column {i}")))
    }

    /// An integer column.
    pub fn i64(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_i64(i)?
            .ok_or_else(|| StoreError::Decode(format!("column {i} is NULL")))
    }

    /// A nullable integer column.
    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            Value::Bool(b) => Ok(Some(i64::from(*b))),
            other => Err(StoreError::Decode(format!(
                "column {i}: expected integer, got {other:?}"
            ))),
        }
    }

    /// A floating-point column (integers are widened).
    pub fn f64(&self, i: usize) -> Result<f64, StoreError> {
        match self.at(i)? {
            Value::Real(f) => Ok(*f),
            Value::Int(v) => Ok(*v as f64),
            other => Err(StoreError::Decode(format!(
                "column {i}: expected number, got {other:?}"
            ))),
        }
    }

    /// A text column.
    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError::Decode(format!("column {i} is NULL")))
    }

    /// A nullable text column.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(StoreError::Decode(format!(
                "column {i}: expected text, got {other:?}"
            ))),
        }
    }

    /// A nullable date column (SQLite keeps dates as `YYYY-MM-DD` text).
    pub fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Date(d) => Ok(Some(*d)),
            Value::Text(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|e| StoreError::Decode(format!("column {i}: date '{s}': {e}"))),
            other => Err(StoreError::Decode(format!(
                "column {i}: expected date, got {other:?}"
            ))),
        }
    }

    /// A nullable instant column.
    pub fn opt_timestamp(&self, i: usize) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Timestamp(t) => Ok(Some(*t)),
            Value::Text(s) => DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|e| StoreError::Decode(format!("column {i}: instant '{s}': {e}"))),
            other => Err(StoreError::Decode(format!(
                "column {i}: expected instant, got {other:?}"
            ))),
        }
    }
}

/// Reads a SQLite value.
pub(crate) fn from_sqlite(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// Reads column `i` of a PostgreSQL row by its declared type.
pub(crate) fn from_postgres(row: &postgres::Row, i: usize) -> Result<Value, StoreError> {
    let ty = row.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
        Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        }
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(i)?.map(|v| Value::Real(v.into())),
        Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
        Type::DATE => row.try_get::<_, Option<NaiveDate>>(i)?.map(Value::Date),
        Type::TIMESTAMPTZ => row.try_get::<_, Option<DateTime<Utc>>>(i)?.map(Value::Timestamp),
        other => {
            return Err(StoreError::Decode(format!(
                "column {i} has type {other}; cast it to BIGINT, TEXT, DOUBLE PRECISION, BOOLEAN, DATE or TIMESTAMPTZ"
            )))
        }
    };
    Ok(v.unwrap_or(Value::Null))
}
