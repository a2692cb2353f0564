//! Special categories of personal data (GDPR Art. 9): words in a tag, a role or an
//! organisation's name that reveal a person's health, religion or belief, political opinion,
//! trade union membership, sexual orientation or ethnic origin. A CRM has no lawful basis for
//! them in the ordinary course, so such a value is refused until the user confirms it, and the
//! refusal names the category. The list is short and English and Swedish; it finds whole words
//! (and phrases) in any letter case, not parts of words.

use crate::error::FieldErrorCode;

/// One special category, as the refusal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialCategory {
    Health,
    ReligionOrBelief,
    PoliticalOpinion,
    TradeUnion,
    SexualOrientation,
    EthnicOrigin,
}

impl SpecialCategory {
    /// The field error that names this category.
    pub fn code(self) -> FieldErrorCode {
        match self {
            SpecialCategory::Health => FieldErrorCode::SpecialHealth,
            SpecialCategory::ReligionOrBelief => FieldErrorCode::SpecialReligion,
            SpecialCategory::PoliticalOpinion => FieldErrorCode::SpecialPolitical,
            SpecialCategory::TradeUnion => FieldErrorCode::SpecialTradeUnion,
            SpecialCategory::SexualOrientation => FieldErrorCode::SpecialSexualOrientation,
            SpecialCategory::EthnicOrigin => FieldErrorCode::SpecialEthnicOrigin,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            SpecialCategory::Health => "health",
            SpecialCategory::ReligionOrBelief => "religion or belief",
            SpecialCategory::PoliticalOpinion => "political opinion",
            SpecialCategory::TradeUnion => "trade union membership",
            SpecialCategory::SexualOrientation => "sexual orientation",
            SpecialCategory::EthnicOrigin => "ethnic origin",
        }
    }
}

use SpecialCategory::*;

/// The terms, lower case, English and Swedish; a phrase matches as consecutive words.
const TERMS: &[(SpecialCategory, &[&str])] = &[
    (
        Health,
        &[
            "diabetes",
            "diabetic",
            "diabetiker",
            "allergy",
            "allergic",
            "allergi",
            "allergiker",
            "cancer",
            "pregnant",
            "pregnancy",
            "gravid",
            "sick leave",
            "sjukskriven",
            "sjukskrivning",
            "disability",
            "disabled",
            "funktionsnedsättning",
            "funktionshindrad",
            "depression",
            "deprimerad",
            "adhd",
            "autism",
            "hiv",
            "epilepsy",
            "epilepsi",
            "burnout",
            "utbränd",
            "rullstol",
            "wheelchair",
            "dyslexia",
            "dyslexi",
            "celiaki",
            "coeliac",
            "astma",
            "asthma",
            "psykisk ohälsa",
            "mental illness",
        ],
    ),
    (
        ReligionOrBelief,
        &[
            "muslim",
            "christian",
            "kristen",
            "jewish",
            "jew",
            "judisk",
            "jude",
            "catholic",
            "katolik",
            "katolsk",
            "protestant",
            "hindu",
            "buddhist",
            "atheist",
            "ateist",
            "church member",
            "kyrkomedlem",
            "mosque",
            "moské",
            "synagogue",
            "synagoga",
            "jehovah",
            "jehovas vittnen",
            "mormon",
            "pingstvän",
        ],
    ),
    (
        PoliticalOpinion,
        &[
            "moderaterna",
            "moderat",
            "socialdemokrat",
            "socialdemokraterna",
            "sverigedemokrat",
            "sverigedemokraterna",
            "vänsterpartiet",
            "vänsterpartist",
            "liberalerna",
            "centerpartiet",
            "centerpartist",
            "kristdemokraterna",
            "kristdemokrat",
            "miljöpartiet",
            "miljöpartist",
            "party member",
            "partimedlem",
            "party activist",
            "partiaktiv",
            "conservative voter",
            "labour voter",
        ],
    ),
    (
        TradeUnion,
        &[
            "union member",
            "fackmedlem",
            "fackligt ansluten",
            "fackförbund",
            "fackombud",
            "union representative",
            "shop steward",
            "unionen",
            "if metall",
            "lo-medlem",
            "saco-medlem",
            "tco-medlem",
        ],
    ),
    (
        SexualOrientation,
        &[
            "gay",
            "lesbian",
            "lesbisk",
            "homosexual",
            "homosexuell",
            "bisexual",
            "bisexuell",
            "hbtq",
            "hbtqi",
            "lgbt",
            "lgbtq",
            "queer",
            "heterosexual",
            "heterosexuell",
        ],
    ),
    (
        EthnicOrigin,
        &[
            "ethnic",
            "ethnicity",
            "etnisk",
            "etnicitet",
            "roma",
            "rom",
            "romer",
            "romsk",
            "sámi",
            "sami",
            "samisk",
            "immigrant",
            "invandrare",
            "utrikesfödd",
            "race",
            "ras",
        ],
    ),
];

/// The special categories `text` reveals, each once, in the list's order.
pub fn categories_in(text: &str) -> Vec<SpecialCategory> {
    let words = crate::validate::whole_words(text);
    TERMS
        .iter()
        .filter(|(_, terms)| terms.iter().any(|term| words.contains(&crate::validate::whole_words(term))))
        .map(|(category, _)| *category)
        .collect()
}

/// Refuses `value` in `field` when it reveals a special category and the user has not
/// confirmed it, naming the category.
pub(crate) fn check(errors: &mut crate::error::InvalidInput, field: &str, value: Option<&str>, confirmed: bool) {
    if confirmed {
        return;
    }
    if let Some(category) = value.and_then(|v| categories_in(v).into_iter().next()) {
        errors.push(
            field,
            category.code(),
            format!(
                "reveals {} (a special category, GDPR Art. 9): confirm that it is needed and lawful to keep it",
                category.describe()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_is_found_in_english_and_swedish_as_a_whole_word_in_any_case() {
        for (text, category) in [
            ("Diabetiker", Health),
            ("on sick leave", Health),
            ("Sjukskriven", Health),
            ("Katolsk församling", ReligionOrBelief),
            ("Church member", ReligionOrBelief),
            ("Partimedlem (S)", PoliticalOpinion),
            ("Sverigedemokraterna Malmö", PoliticalOpinion),
            ("Fackombud", TradeUnion),
            ("IF Metall avd 12", TradeUnion),
            ("HBTQ-nätverket", SexualOrientation),
            ("gay", SexualOrientation),
            ("Samisk förening", EthnicOrigin),
            ("ethnicity", EthnicOrigin),
        ] {
            assert_eq!(categories_in(text), [category], "{text}");
        }
    }

    #[test]
    fn ordinary_words_that_contain_a_term_are_not_flagged() {
        for text in [
            "Inköpare",
            "Romantiska resor AB", // "rom" inside a word
            "Samarbete",           // "sam…"
            "Rasmus Bygg",         // "ras…"
            "Racing team",         // "rac…"
            "Cancellation desk",
            "Gayety Theatre Ltd", // not the word "gay"
            "Unionsbolaget",
            "Moderator",
            "Same day delivery",
            "VD",
        ] {
            assert!(categories_in(text).is_empty(), "{text}: {:?}", categories_in(text));
        }
    }

    #[test]
    fn a_confirmed_value_passes_and_an_unconfirmed_one_is_refused_naming_its_category() {
        let mut errors = crate::error::InvalidInput::default();
        check(&mut errors, "role", Some("Fackombud"), false);
        assert_eq!(errors.fields[0].code, FieldErrorCode::SpecialTradeUnion);
        assert!(errors.fields[0].message.contains("trade union membership"));
        let mut errors = crate::error::InvalidInput::default();
        check(&mut errors, "role", Some("Fackombud"), true);
        assert!(errors.fields.is_empty());
    }
}
