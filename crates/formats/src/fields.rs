//! The kinds of list jaring imports, the fields each carries, and the headings agencies use for them.

use jaring_domain::ListKind;
use serde::Deserialize;

/// The fields each kind of list can carry.
pub trait KindFields {
    /// The fields, with whether each is required.
    fn fields(self) -> &'static [(Field, bool)];
}

impl KindFields for ListKind {
    /// The fields this kind of list can carry, with whether each is required.
    fn fields(self) -> &'static [(Field, bool)] {
        use Field::*;
        match self {
            ListKind::Registry => &[
                (Nik, false),
                (NoKk, false),
                (Name, true),
                (Sex, false),
                (BirthPlace, false),
                (BirthDate, false),
                (Address, false),
                (Hamlet, false),
                (Rw, false),
                (Rt, false),
                (VillageCode, false),
                (VillageName, false),
                (DistrictName, false),
                (ProvinceNumber, false),
                (RegencyNumber, false),
                (DistrictNumber, false),
                (VillageNumber, false),
                (Relationship, false),
                (MaritalStatus, false),
                (Religion, false),
                (Education, false),
                (MotherName, false),
                (Occupation, false),
                (LifeStatus, false),
                (DeathDate, false),
                (CivilServantStatus, false),
                (CivilServantSince, false),
                (Desil, false),
            ],
            ListKind::Dtsen => &[
                (RecordKey, false),
                (HouseholdKey, false),
                (NoKk, false),
                (Nik, false),
                (Name, true),
                (Sex, false),
                (BirthDate, false),
                (Relationship, false),
                (VillageCode, false),
                (Desil, true),
            ],
            ListKind::Deaths => &[
                (RecordKey, false),
                (Nik, false),
                (Name, true),
                (Sex, false),
                (BirthPlace, false),
                (BirthDate, false),
                (DeathDate, true),
                (DeedNumber, false),
                (DistrictName, false),
                (VillageName, false),
                (VillageCode, false),
            ],
            ListKind::Asn => &[
                (RecordKey, false),
                (Nik, false),
                (Name, true),
                (BirthPlace, false),
                (BirthDate, false),
                (Sex, false),
                (EmployeeKind, true),
                (AppointmentDate, true),
                (Position, false),
                (Unit, false),
            ],
            ListKind::Bpjs => &[
                (RecordKey, true),
                (Nik, false),
                (Name, true),
                (BirthDate, false),
                (Sex, false),
                (Segment, false),
                (Program, false),
                (MembershipStart, false),
                (PaidThrough, false),
                (MembershipStatus, false),
                (MembershipEnd, false),
                (EndReason, false),
                (Payer, false),
                (VillageCode, false),
            ],
        }
    }
}

/// A field a list can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// NIK.
    Nik,
    /// No. KK.
    NoKk,
    /// Full name.
    Name,
    /// Sex.
    Sex,
    /// Place of birth.
    BirthPlace,
    /// Date of birth.
    BirthDate,
    /// Address.
    Address,
    /// Hamlet (*dusun*, *lingkungan*), part of the address.
    Hamlet,
    /// RW (*rukun warga*), part of the address.
    Rw,
    /// RT (*rukun tetangga*), part of the address.
    Rt,
    /// Village code (Kemendagri, with or without dots).
    VillageCode,
    /// Village name (when there is no code).
    VillageName,
    /// The province's number of a region code given in parts (SIAK's `NO_PROP`).
    ProvinceNumber,
    /// The regency's number within its province (SIAK's `NO_KAB`).
    RegencyNumber,
    /// The kecamatan's number within its regency (SIAK's `NO_KEC`).
    DistrictNumber,
    /// The village's number within its kecamatan (SIAK's `NO_KEL`).
    VillageNumber,
    /// Kecamatan name.
    DistrictName,
    /// Relationship to the head of family.
    Relationship,
    /// Marital status.
    MaritalStatus,
    /// Religion (agama).
    Religion,
    /// Highest education completed (pendidikan terakhir).
    Education,
    /// Mother's name (nama ibu kandung).
    MotherName,
    /// Occupation.
    Occupation,
    /// Life status.
    LifeStatus,
    /// Date of death.
    DeathDate,
    /// Civil-servant status.
    CivilServantStatus,
    /// Civil-servant appointment date.
    CivilServantSince,
    /// DTSEN decile.
    Desil,
    /// The record's own id in its source (ID DTSEN, NIP, KPJ, akta number).
    RecordKey,
    /// DTSEN family id.
    HouseholdKey,
    /// Death-certificate number.
    DeedNumber,
    /// PNS / PPPK / TNI / Polri.
    EmployeeKind,
    /// Appointment date (TMT).
    AppointmentDate,
    /// Position (jabatan).
    Position,
    /// Work unit.
    Unit,
    /// BPJS segment (BPU/PU).
    Segment,
    /// BPJS programmes.
    Program,
    /// Membership start.
    MembershipStart,
    /// Last month paid.
    PaidThrough,
    /// Membership status (AKTIF / NON AKTIF).
    MembershipStatus,
    /// Last day of cover of a membership that ended (TGL BERHENTI / TGL NON AKTIF).
    MembershipEnd,
    /// Why a membership ended (ALASAN: MENINGGAL, ASN/PPPK DALAM KK, …).
    EndReason,
    /// Who pays the premium.
    Payer,
}

impl Field {
    /// Snake-case name used in TOML mappings and error reports.
    pub fn key(self) -> &'static str {
        use Field::*;
        match self {
            Nik => "nik",
            NoKk => "no_kk",
            Name => "name",
            Sex => "sex",
            BirthPlace => "birth_place",
            BirthDate => "birth_date",
            Address => "address",
            Hamlet => "hamlet",
            Rw => "rw",
            Rt => "rt",
            VillageCode => "village_code",
            VillageName => "village_name",
            ProvinceNumber => "province_number",
            RegencyNumber => "regency_number",
            DistrictNumber => "district_number",
            VillageNumber => "village_number",
            DistrictName => "district_name",
            Relationship => "relationship",
            MaritalStatus => "marital_status",
            Religion => "religion",
            Education => "education",
            MotherName => "mother_name",
            Occupation => "occupation",
            LifeStatus => "life_status",
            DeathDate => "death_date",
            CivilServantStatus => "civil_servant_status",
            CivilServantSince => "civil_servant_since",
            Desil => "desil",
            RecordKey => "record_key",
            HouseholdKey => "household_key",
            DeedNumber => "deed_number",
            EmployeeKind => "employee_kind",
            AppointmentDate => "appointment_date",
            Position => "position",
            Unit => "unit",
            Segment => "segment",
            Program => "program",
            MembershipStart => "membership_start",
            PaidThrough => "paid_through",
            MembershipStatus => "membership_status",
            MembershipEnd => "membership_end",
            EndReason => "end_reason",
            Payer => "payer",
        }
    }

    /// Whether values of this field are dates whose day/month order matters.
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Field::BirthDate
                | Field::DeathDate
                | Field::CivilServantSince
                | Field::AppointmentDate
                | Field::MembershipStart
                | Field::MembershipEnd
        )
    }

    /// Headings (folded: lower-case letters and digits only) that name this field in `kind` lists.
    pub fn synonyms(self, kind: ListKind) -> &'static [&'static str] {
        use Field::*;
        match self {
            Nik => &[
                "nik",
                "noktp",
                "nomorktp",
                "nomorindukkependudukan",
                "nikktp",
                "nomornik",
                "niknomorindukkependudukan",
                "nikpeserta",
                "nikart",
                // BPJS Ketenagakerjaan's participant lists.
                "niktk",
            ],
            NoKk => &[
                "nokk",
                "nomorkk",
                "kk",
                "nokartukeluarga",
                "nomorkartukeluarga",
                "nkk",
            ],
            Name => &[
                "nama",
                "namalengkap",
                "namapeserta",
                "namapenduduk",
                "namaanggota",
                "namaart",
                "namapegawai",
                "namalengkapdangelar",
                "namadangelar",
                // Dukcapil's SIAK export (NAMA_LGKP) and BPJS lists (NAMA TK).
                "namalgkp",
                "namatk",
            ],
            Sex => &[
                "jeniskelamin",
                "jk",
                "kelamin",
                "sex",
                "lp",
                "jnskelamin",
                "jenisklmin",
                "jnsklmin",
            ],
            BirthPlace => &[
                "tempatlahir",
                "tmplahir",
                "tempatlhr",
                "tmptlahir",
                "tmptlhr",
            ],
            BirthDate => &[
                "tanggallahir",
                "tgllahir",
                "tgllhr",
                "tanggallhr",
                "tanggalkelahiran",
                "tgllahirddmmyyyy",
            ],
            Address => &["alamat", "alamatlengkap", "alamatrumah"],
            Hamlet => &[
                "dusun",
                "namadusun",
                "lingkungan",
                "dusunlingkungan",
                "banjar",
            ],
            Rw => &["rw", "norw"],
            Rt => &["rt", "nort"],
            VillageCode => &[
                "kodedesa",
                "kodewilayah",
                "kodedesakelurahan",
                "kdwilayah",
                "kodekelurahan",
                "kodedesakel",
                "kdkel",
                "kddesa",
            ],
            VillageName => &["desa", "desakelurahan", "kelurahan", "namadesa", "desakel"],
            ProvinceNumber => &["noprop", "noprov", "nopropinsi", "noprovinsi"],
            RegencyNumber => &["nokab", "nokabupaten", "nokabkota"],
            DistrictNumber => &["nokec", "nokecamatan"],
            VillageNumber => &["nokel", "nodesa", "nokelurahan", "nodesakel"],
            DistrictName => &["kecamatan", "namakecamatan", "kec"],
            Relationship => &[
                "hubungandalamkeluarga",
                "hubungankeluarga",
                "shdk",
                "statushubungandalamkeluarga",
                "hubungan",
                "hubkel",
                // OpenSID's code column (1 kepala keluarga … 11 lainnya).
                "kklevel",
                // SIAK (STAT_HBKEL) and DTSEN (HUB_KRT, relationship to the head).
                "stathbkel",
                "stathubkel",
                "hubkrt",
                "hubungandengankrt",
                "hubungandengankepalarumahtangga",
                "hubungandengankepalakeluarga",
            ],
            // SIAK exports abbreviate (STAT_KWN, AGAMA, PDDK_AKH); OpenSID writes code columns.
            MaritalStatus => &[
                "statusperkawinan",
                "statuskawin",
                "perkawinan",
                "kawin",
                "statkwn",
            ],
            Religion => &["agama", "agamaid", "kodeagama"],
            Education => &[
                "pendidikan",
                "pendidikanterakhir",
                "pendidikanakhir",
                "pendidikankkid",
                "pendidikandalamkk",
                "pddkakh",
            ],
            MotherName => &[
                "namaibu",
                "namaibukandung",
                "ibukandung",
                "namalgkpibu",
                "namalengkapibu",
            ],
            // OpenSID writes the code of its occupation table under `pekerjaan_id`.
            Occupation => &[
                "pekerjaan",
                "jenispekerjaan",
                "pekerjaanutama",
                "pekerjaanid",
                // SIAK's JENIS_PKRJN.
                "jenispkrjn",
                "jnspkrjn",
            ],
            LifeStatus => &["statushidup", "statusdasar", "statuspenduduk"],
            DeathDate => match kind {
                ListKind::Deaths => &[
                    "tanggalkematian",
                    "tglkematian",
                    "tanggalmeninggal",
                    "tglmeninggal",
                    "tanggalwafat",
                    "tglwafat",
                    "tanggalmati",
                ],
                _ => &[
                    "tanggalmeninggal",
                    "tglmeninggal",
                    "tanggalkematian",
                    "tglkematian",
                    "tanggalwafat",
                ],
            },
            CivilServantStatus => &["statusasn", "statuspegawai"],
            CivilServantSince => &["tmtasn", "tanggalasn"],
            Desil => &[
                "desil",
                "desilkesejahteraan",
                "peringkatdesil",
                "desilnasional",
            ],
            RecordKey => match kind {
                ListKind::Dtsen => &["iddtsen", "idart", "idanggota", "idindividu"],
                // SIASN exports name the 18-digit number NIP BARU beside the old NIP LAMA.
                ListKind::Asn => &["nip", "nipppk", "nomorindukpegawai", "nipnipppk", "nipbaru"],
                ListKind::Bpjs => &["kpj", "nokpj", "nomorkpj", "nopeserta", "nomorpeserta"],
                ListKind::Deaths => &[
                    "noaktakematian",
                    "nomoraktakematian",
                    "aktakematian",
                    "noakta",
                ],
                ListKind::Registry => &[],
            },
            HouseholdKey => &["idkeluarga", "idkk", "idrt", "idrumahtangga"],
            DeedNumber => &[
                "noaktakematian",
                "nomoraktakematian",
                "aktakematian",
                "noakta",
            ],
            EmployeeKind => &[
                "jenis",
                "jenispegawai",
                "jeniskepegawaian",
                "statuskepegawaian",
                "jenisasn",
                "statusasn",
                "statuscpnspns",
            ],
            AppointmentDate => &[
                "tmt",
                "tmtpengangkatan",
                "tmtcpns",
                "tmtpppk",
                "tmtpns",
                "tanggalpengangkatan",
                "tmtjabatan",
            ],
            Position => &["jabatan", "namajabatan"],
            Unit => &[
                "unitkerja",
                "opd",
                "instansi",
                "satuankerja",
                "perangkatdaerah",
                // SIASN's unit of organisation.
                "unor",
                "unitorganisasi",
                "unornama",
            ],
            Segment => &["segmen", "segmenpeserta", "kategoripeserta"],
            Program => &["program", "programbpjs"],
            MembershipStart => &[
                "tglkepesertaan",
                "tanggalkepesertaan",
                "tglterdaftar",
                "tanggalterdaftar",
                "tmtkepesertaan",
            ],
            PaidThrough => &[
                "blthiuranterakhir",
                "iuranterakhir",
                "bulaniuranterakhir",
                "blth",
                "terakhirbayar",
            ],
            MembershipStatus => &["status", "statuskepesertaan", "statuspeserta"],
            Payer => &["pembayar", "sumberdana", "pemberikerja", "sumberiuran"],
            MembershipEnd => &[
                "tglberhenti",
                "tanggalberhenti",
                "tglnonaktif",
                "tanggalnonaktif",
                "tmtnonaktif",
                "tmtberhenti",
                "tglakhirkepesertaan",
                "tanggalakhirkepesertaan",
            ],
            EndReason => &[
                "alasan",
                "alasanberhenti",
                "alasannonaktif",
                "sebabberhenti",
            ],
        }
    }
}
