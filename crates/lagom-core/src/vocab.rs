//! The closed vocabularies of the domain (channels, material, life-cycle stages, lawful bases):
//! one Rust enum each, stored in SQL as the same snake_case text the IPC and CLI use.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Defines a string-valued enum with `as_str`, `FromStr`, `ALL` and SQL conversions.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "'{s}' is not one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e: String| FromSqlError::Other(e.into()))
            }
        }
    };
}

text_enum! {
    /// How the person prefers to be reached.
    Channel { Email = "email", Phone = "phone", Sms = "sms", Post = "post", Meeting = "meeting" }
}

text_enum! {
    /// Whether the person wants material digitally or on paper.
    Material { Digital = "digital", Print = "print" }
}

text_enum! {
    /// Where the person is in the customer life cycle.
    Stage { Lead = "lead", Prospect = "prospect", Customer = "customer", FormerCustomer = "former_customer" }
}

text_enum! {
    /// GDPR Art. 6(1) bases that a small sales team uses.
    LawfulBasis {
        Consent = "consent",
        Contract = "contract",
        LegitimateInterest = "legitimate_interest",
        LegalObligation = "legal_obligation",
    }
}

text_enum! {
    /// The app's display language; `auto` follows the OS locale.
    UiLanguage { Auto = "auto", En = "en", Sv = "sv" }
}

text_enum! {
    /// A direct-marketing channel a person can opt out of.
    MarketingChannel { Email = "email", Phone = "phone", Sms = "sms", Post = "post", Events = "events" }
}

text_enum! {
    /// How a consent or an opt-out reached us.
    ConsentSource { Form = "form", Phone = "phone", Meeting = "meeting", Email = "email", Import = "import" }
}

text_enum! {
    /// One event in the consent ledger.
    ConsentEventKind { Given = "given", Withdrawn = "withdrawn", OptOut = "opt_out", OptIn = "opt_in" }
}

text_enum! {
    /// What kind of contact an interaction was.
    InteractionKind {
        Call = "call",
        Meeting = "meeting",
        Email = "email",
        Event = "event",
        Purchase = "purchase",
        Support = "support",
    }
}

text_enum! {
    /// What a data subject asks for (Art. 15–21).
    RequestKind {
        Access = "access",
        Portability = "portability",
        Erasure = "erasure",
        Rectification = "rectification",
        Objection = "objection",
        Restriction = "restriction",
    }
}

text_enum! {
    /// What kind of personal data breach happened (Art. 33).
    BreachKind {
        LostDevice = "lost_device",
        WrongRecipient = "wrong_recipient",
        UnauthorisedAccess = "unauthorised_access",
        Other = "other",
    }
}

text_enum! {
    /// Where a breach stands: open until the supervisory authority is notified, or until it is
    /// closed as not requiring notification (with the reason).
    BreachStatus { Open = "open", Notified = "notified", NotRequired = "not_required" }
}

text_enum! {
    /// Where a data-subject request stands.
    RequestStatus { Open = "open", Extended = "extended", Answered = "answered", Refused = "refused" }
}

text_enum! {
    /// Why the answer needs up to two more months (Art. 12(3)).
    ExtensionReason { Complexity = "complexity", NumberOfRequests = "number_of_requests" }
}

text_enum! {
    /// Why a request is refused (Art. 12(5), 12(6)).
    RefusalReason {
        ManifestlyUnfounded = "manifestly_unfounded",
        Excessive = "excessive",
        IdentityNotConfirmed = "identity_not_confirmed",
    }
}

text_enum! {
    /// How the requester's identity was checked before a request is answered (Art. 12(6)):
    /// the request came from the address or number Lagom holds for the person; an electronic
    /// identification (in Sweden, BankID); an identity document shown (a copy is never kept);
    /// the person was met and known.
    IdentityCheck {
        AddressOnFile = "address_on_file",
        ElectronicId = "electronic_id",
        IdDocument = "id_document",
        InPerson = "in_person",
    }
}

text_enum! {
    /// What a purpose's retention period is counted from.
    RetentionAnchor {
        LastInteraction = "last_interaction",
        FormerCustomer = "former_customer",
        ConsentWithdrawn = "consent_withdrawn",
    }
}

// `text_enum!` takes no attributes on variants, so `#[default]` cannot be derived.
#[allow(clippy::derivable_impls)]
impl Default for RetentionAnchor {
    fn default() -> Self {
        RetentionAnchor::LastInteraction
    }
}

text_enum! {
    /// Why a contact is kept past their expiry.
    HoldReason { BookkeepingAct = "bookkeeping_act", LegalClaim = "legal_claim", OtherLaw = "other_law" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_for_every_variant() {
        for stage in Stage::ALL {
            assert_eq!(stage.as_str().parse::<Stage>().unwrap(), *stage);
        }
        for basis in LawfulBasis::ALL {
            assert_eq!(basis.as_str().parse::<LawfulBasis>().unwrap(), *basis);
            let json = serde_json::to_string(basis).unwrap();
            assert_eq!(json, format!("\"{}\"", basis.as_str()), "serde and SQL text agree");
        }
        assert!("carrier pigeon".parse::<Channel>().unwrap_err().contains("email, phone"));
    }
}
