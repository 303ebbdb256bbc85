//! Group privileges (reference/api-v1.md §5.5).

use std::fmt;
use std::str::FromStr;

use searchlight_errors::Error;

macro_rules! privileges {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// A privilege a group can hold; its members (direct or nested) hold it too.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Privilege { $($variant),* }

        impl Privilege {
            /// Every privilege, in the documented order.
            pub const ALL: &'static [Privilege] = &[$(Privilege::$variant),*];

            /// The v1 wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Privilege::$variant => $name),* }
            }
        }
    };
}

privileges! {
    Administration = "ADMINISTRATION",
    Developer = "DEVELOPER",
    UserDataUploading = "USERDATAUPLOADING",
    DataDownloading = "DATADOWNLOADING",
    DataManagement = "DATAMANAGEMENT",
    ShareWithAll = "SHAREWITHALL",
    ExperimentalFeaturePrivilege = "EXPERIMENTALFEATUREPRIVILEGE",
    JobScheduling = "JOBSCHEDULING",
    RAnalysis = "RANALYSIS",
    A3Analysis = "A3ANALYSIS",
    BypassRls = "BYPASSRLS",
}

impl Privilege {
    /// The allowed names, for error messages.
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FromStr for Privilege {
    type Err = Error;

    /// Case-insensitive, surrounding whitespace ignored.
    fn from_str(value: &str) -> Result<Self, Error> {
        let wanted = value.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| Error::UnknownPrivilege {
                name: value.to_string(),
                allowed: Self::names(),
            })
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_name() {
        assert_eq!(Privilege::ALL.len(), 11);
        for p in Privilege::ALL {
            assert_eq!(p.as_str().parse::<Privilege>().unwrap(), *p);
        }
        assert_eq!(
            "datadownloading".parse::<Privilege>().unwrap(),
            Privilege::DataDownloading
        );
        let err = "DATAUPLOADING".parse::<Privilege>().unwrap_err();
        assert!(err.to_string().contains("DATAUPLOADING"));
        assert!(err.to_string().contains("USERDATAUPLOADING"));
    }
}
