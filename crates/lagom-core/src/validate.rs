//! Validation at the boundary: every text that enters the store passes through here.
//! Text is NFC-normalised and trimmed; emails are checked by `email_address`; phone numbers
//! are parsed by `phonenumber` (libphonenumber's data) and stored in E.164.
//! Each function records a [`FieldError`](crate::FieldError) and returns `None` on bad input,
//! so one pass reports every bad field and nothing half-valid is stored.

use unicode_normalization::UnicodeNormalization;

use crate::error::{FieldErrorCode, InvalidInput};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_ORGANISATION_CHARS: usize = 200;
pub const MAX_SHORT_TEXT_CHARS: usize = 100;

/// A calendar date as people type it in forms and commands: exactly `YYYY-MM-DD`, from 1900.
/// Signs, short years and other shapes chrono would accept are refused. Whether the date may
/// be in the future is the caller's rule.
pub fn iso_date(text: &str) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    (shaped && chrono::Datelike::year(&date) >= 1900).then_some(date)
}

/// NFC, trimmed; `None` for blank.
pub fn clean(text: &str) -> Option<String> {
    let normalised: String = text.nfc().collect();
    let trimmed = normalised.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A required, length-limited line of text without control characters.
pub fn required_text(errors: &mut InvalidInput, field: &str, text: &str, max: usize) -> Option<String> {
    let Some(value) = clean(text) else {
        errors.push(field, FieldErrorCode::Required, "is required");
        return None;
    };
    check_line(errors, field, value, max)
}

/// An optional, length-limited line of text; blank becomes `None` without an error.
pub fn optional_text(errors: &mut InvalidInput, field: &str, text: Option<&str>, max: usize) -> Option<String> {
    check_line(errors, field, clean(text?)?, max)
}

fn check_line(errors: &mut InvalidInput, field: &str, value: String, max: usize) -> Option<String> {
    let value = check_line_of_any_digits(errors, field, value, max)?;
    refuse_identity_number(errors, field, value)
}

/// An optional line that may be a personal identity number: only the controller's own
/// organisation number in settings, which for a sole trader is their personal identity number.
pub fn optional_text_of_the_controller(
    errors: &mut InvalidInput,
    field: &str,
    text: Option<&str>,
    max: usize,
) -> Option<String> {
    check_line_of_any_digits(errors, field, clean(text?)?, max)
}

/// A Swedish personal identity number or coordination number has no place in a CRM (GDPR
/// Art. 87; the Swedish Data Protection Act, 3 ch. 10 §, allows it only where clearly
/// justified): refused in every text field, saying what to store instead.
fn refuse_identity_number(errors: &mut InvalidInput, field: &str, value: String) -> Option<String> {
    if contains_identity_number(&value) {
        errors.push(
            field,
            FieldErrorCode::IdentityNumber,
            "holds a Swedish personal identity number, which Lagom does not store: use a customer number, \
             or the organisation number for a company",
        );
        return None;
    }
    Some(value)
}

fn check_line_of_any_digits(errors: &mut InvalidInput, field: &str, value: String, max: usize) -> Option<String> {
    if value.chars().count() > max {
        errors.push(field, FieldErrorCode::TooLong, format!("is longer than {max} characters"));
        return None;
    }
    if value.chars().any(char::is_control) {
        errors.push(field, FieldErrorCode::ControlCharacters, "contains line breaks or control characters");
        return None;
    }
    Some(value)
}

/// Optional text that may span lines (the wording of a consent request); other control
/// characters are refused.
pub fn optional_multiline(errors: &mut InvalidInput, field: &str, text: Option<&str>, max: usize) -> Option<String> {
    let value = clean(text?)?;
    if value.chars().count() > max {
        errors.push(field, FieldErrorCode::TooLong, format!("is longer than {max} characters"));
        return None;
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        errors.push(field, FieldErrorCode::ControlCharacters, "contains control characters");
        return None;
    }
    refuse_identity_number(errors, field, value)
}

/// The text's words (letters and digits; anything else separates), lower case, each with one
/// space before and after, so `contains` finds a word or phrase only whole ("Lin" is not in
/// "deadline").
pub(crate) fn whole_words(text: &str) -> String {
    let mut out = String::from(" ");
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        out.push_str(&word.to_lowercase());
        out.push(' ');
    }
    out
}

/// Whether `text` holds a Swedish personal identity number anywhere: pieces split at anything
/// but digits, `-` and `+` (so "(850101-1234)." is found), and a date of birth of six or eight
/// digits followed by a piece of four (the number written with a space or a slash before its
/// last four digits; a date such as 2026-11-30 followed by four digits is not one).
pub fn contains_identity_number(text: &str) -> bool {
    let words: Vec<&str> =
        text.split(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+')).filter(|w| !w.is_empty()).collect();
    let birth = |w: &str| matches!(w.len(), 6 | 8) && w.bytes().all(|b| b.is_ascii_digit());
    let last_four = |w: &str| w.trim_start_matches(['-', '+']).len() == 4 && w.bytes().any(|b| b.is_ascii_digit());
    words.iter().any(|w| is_personnummer(w))
        || words.windows(2).any(|pair| birth(pair[0]) && last_four(pair[1]) && is_personnummer(&pair.join(" ")))
}

/// `YYMMDD-NNNN`, `YYMMDD+NNNN`, `YYYYMMDDNNNN`, `YYYYMMDD-NNNN` with a valid Luhn digit.
pub fn is_personnummer(text: &str) -> bool {
    let digits: String = text.chars().filter(|c| !matches!(c, '-' | '+' | ' ')).collect();
    if !(digits.len() == 10 || digits.len() == 12) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if text.chars().filter(|c| !c.is_ascii_digit()).any(|c| !matches!(c, '-' | '+' | ' ')) {
        return false;
    }
    let ten = &digits[digits.len() - 10..];
    let month: u32 = ten[2..4].parse().unwrap_or(0);
    let day: u32 = ten[4..6].parse().unwrap_or(0);
    // Co-ordination numbers add 60 to the day.
    if !(1..=12).contains(&month) || !((1..=31).contains(&day) || (61..=91).contains(&day)) {
        return false;
    }
    let sum: u32 = ten
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

/// An optional email address: syntax per RFC 5322 as `email_address` reads it, with a dotted
/// domain (`name@localhost` is refused) and no display name. The domain is lower-cased.
pub fn optional_email(errors: &mut InvalidInput, field: &str, text: Option<&str>) -> Option<String> {
    let value = check_line(errors, field, clean(text?)?, MAX_EMAIL_CHARS)?;
    let options = email_address::Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        ..email_address::Options::default()
    };
    match email_address::EmailAddress::parse_with_options(&value, options) {
        Ok(address) => Some(format!("{}@{}", address.local_part(), address.domain().to_lowercase())),
        Err(_) => {
            errors.push(field, FieldErrorCode::InvalidEmail, "is not a valid email address (like name@example.com)");
            None
        }
    }
}

/// An optional phone number, read with `default_country` when it has no `+` prefix, stored
/// in E.164 (`+46701234567`).
pub fn optional_phone(
    errors: &mut InvalidInput,
    field: &str,
    text: Option<&str>,
    default_country: &str,
) -> Option<String> {
    let value = clean(text?)?;
    let country = default_country.parse::<phonenumber::country::Id>().ok();
    match phonenumber::parse(country, &value) {
        Ok(number) if phonenumber::is_valid(&number) => Some(number.format().mode(phonenumber::Mode::E164).to_string()),
        _ => {
            errors.push(
                field,
                FieldErrorCode::InvalidPhone,
                format!(
                    "is not a valid phone number for {default_country} or in international form (+46 70 123 45 67)"
                ),
            );
            None
        }
    }
}

/// An optional language code: ISO 639-1 (two lower-case letters, e.g. `sv`, `en`).
pub fn optional_language(errors: &mut InvalidInput, field: &str, text: Option<&str>) -> Option<String> {
    let value = clean(text?)?.to_lowercase();
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_lowercase()) {
        Some(value)
    } else {
        errors.push(field, FieldErrorCode::InvalidLanguage, "is not a two-letter language code (like sv or en)");
        None
    }
}

/// A country for phone numbers: an ISO 3166-1 alpha-2 code that libphonenumber knows.
pub fn country(errors: &mut InvalidInput, field: &str, text: &str) -> Option<String> {
    let value = clean(text).unwrap_or_default().to_uppercase();
    if value.len() == 2 && value.parse::<phonenumber::country::Id>().is_ok() {
        Some(value)
    } else {
        errors.push(field, FieldErrorCode::InvalidCountry, "is not a two-letter country code (like SE)");
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(text: &str) -> Result<String, Vec<crate::FieldError>> {
        let mut errors = InvalidInput::default();
        optional_email(&mut errors, "email", Some(text)).ok_or(errors.fields)
    }

    fn phone(text: &str, country: &str) -> Option<String> {
        optional_phone(&mut InvalidInput::default(), "phone", Some(text), country)
    }

    #[test]
    fn good_emails_are_kept_with_a_lower_case_domain() {
        for (input, stored) in [
            ("anna@example.com", "anna@example.com"),
            ("  Anna.Ostlund@Example.SE ", "Anna.Ostlund@example.se"),
            ("first.last+crm@sub.example.co.uk", "first.last+crm@sub.example.co.uk"),
            ("o'brien@example.ie", "o'brien@example.ie"),
        ] {
            assert_eq!(email(input).as_deref(), Ok(stored), "{input}");
        }
    }

    #[test]
    fn bad_emails_are_refused_with_the_field_named() {
        for input in [
            "anna",
            "anna@",
            "@example.com",
            "anna@localhost",
            "anna@@example.com",
            "anna example@example.com",
            "Anna <anna@example.com>",
            "anna@[127.0.0.1]",
        ] {
            let errors = email(input).expect_err(input);
            assert_eq!(errors[0].field, "email");
            assert_eq!(errors[0].code, FieldErrorCode::InvalidEmail, "{input}");
        }
    }

    #[test]
    fn swedish_and_international_phones_become_e164() {
        for (input, country, stored) in [
            ("070-123 45 67", "SE", "+46701234567"),
            ("08 123 456 78", "SE", "+46812345678"),
            ("+46 70 123 45 67", "SE", "+46701234567"),
            ("0046701234567", "SE", "+46701234567"),
            ("+1 (650) 253-0000", "SE", "+16502530000"),
            ("(650) 253-0000", "US", "+16502530000"),
            ("+44 20 7946 0958", "SE", "+442079460958"),
            ("030 1234567", "DE", "+49301234567"),
        ] {
            assert_eq!(phone(input, country).as_deref(), Some(stored), "{input} in {country}");
        }
    }

    #[test]
    fn nonsense_phones_are_refused() {
        for input in ["12", "not a number", "+46 12", "070-123"] {
            assert_eq!(phone(input, "SE"), None, "{input}");
        }
    }

    #[test]
    fn text_is_nfc_normalised_and_trimmed() {
        // "Ö" written as O + combining diaeresis (NFD) is stored as the single code point.
        let decomposed = "  O\u{308}stlund ";
        let mut errors = InvalidInput::default();
        let value = required_text(&mut errors, "family_name", decomposed, MAX_NAME_CHARS).unwrap();
        assert_eq!(value, "\u{d6}stlund");
        assert_eq!(value.chars().count(), 7);
    }

    #[test]
    fn required_text_reports_blank_long_and_control_characters() {
        let mut errors = InvalidInput::default();
        assert_eq!(required_text(&mut errors, "given_name", "   ", MAX_NAME_CHARS), None);
        assert_eq!(required_text(&mut errors, "given_name", &"a".repeat(101), MAX_NAME_CHARS), None);
        assert_eq!(required_text(&mut errors, "given_name", "Anna\nBritt", MAX_NAME_CHARS), None);
        let codes: Vec<_> = errors.fields.iter().map(|e| e.code).collect();
        assert_eq!(codes, [FieldErrorCode::Required, FieldErrorCode::TooLong, FieldErrorCode::ControlCharacters]);
        assert!(required_text(&mut errors, "given_name", &"å".repeat(100), MAX_NAME_CHARS).is_some());
    }

    #[test]
    fn languages_and_countries() {
        let mut errors = InvalidInput::default();
        assert_eq!(optional_language(&mut errors, "language", Some(" SV ")).as_deref(), Some("sv"));
        assert_eq!(optional_language(&mut errors, "language", Some("swedish")), None);
        assert_eq!(country(&mut errors, "default_country", "se").as_deref(), Some("SE"));
        assert_eq!(country(&mut errors, "default_country", "XX"), None);
        assert_eq!(errors.fields.len(), 2);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// What a person might paste: any Unicode, with spaces, line breaks and controls.
        fn text() -> impl Strategy<Value = String> {
            proptest::string::string_regex("(.|\\s|[\\x00-\\x1f]){0,80}").unwrap_or_else(|_| unreachable!())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            /// No input makes a validator panic; what one accepts, it accepts again unchanged
            /// (a stored value never fails its own validation on the next save), and every
            /// refusal names its field.
            #[test]
            fn validators_never_panic_and_accept_their_own_output(input in text(), country in "[A-Z]{2}") {
                let mut errors = InvalidInput::default();
                if let Some(value) = required_text(&mut errors, "name", &input, 100) {
                    prop_assert_eq!(required_text(&mut InvalidInput::default(), "name", &value, 100), Some(value.clone()));
                    prop_assert!(!value.chars().any(char::is_control) && value.trim() == value);
                }
                if let Some(value) = optional_email(&mut errors, "email", Some(&input)) {
                    prop_assert_eq!(email(&value), Ok(value.clone()));
                }
                if let Some(value) = optional_phone(&mut errors, "phone", Some(&input), &country) {
                    prop_assert!(value.starts_with('+'));
                    prop_assert_eq!(phone(&value, &country), Some(value.clone()));
                }
                if let Some(value) = optional_multiline(&mut errors, "wording", Some(&input), 500) {
                    prop_assert_eq!(optional_multiline(&mut InvalidInput::default(), "wording", Some(&value), 500), Some(value.clone()));
                }
                let _ = optional_language(&mut errors, "language", Some(&input));
                let _ = country_code(&input);
                let _ = iso_date(&input);
                prop_assert!(errors.fields.iter().all(|e| !e.field.is_empty() && !e.message.is_empty()));
            }

            #[test]
            fn an_accepted_email_is_stored_with_a_lower_case_domain_and_accepted_again(
                local in "[a-zA-Z0-9._%+'-]{1,20}", domain in "[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?\\.[a-zA-Z]{2,5}", pad in " {0,2}",
            ) {
                // Dots may not start, end or double in a local part (RFC 5322's dot-atom).
                prop_assume!(!local.starts_with('.') && !local.ends_with('.') && !local.contains(".."));
                let stored = email(&format!("{pad}{local}@{domain}{pad}"));
                prop_assert!(stored.is_ok(), "{}@{} refused: {:?}", local, domain, stored);
                let stored = stored.unwrap_or_default();
                prop_assert_eq!(&stored, &format!("{local}@{}", domain.to_lowercase()));
                prop_assert_eq!(email(&stored), Ok(stored.clone()));
            }

            #[test]
            fn phone_numbers_in_any_common_shape_are_stored_alike(
                digits in "7[02369][0-9]{7}", sep in "( |-|)",
            ) {
                let shapes = [
                    format!("0{digits}"),
                    format!("+46{digits}"),
                    format!("0{}{sep}{}{sep}{}", &digits[..2], &digits[2..5], &digits[5..]),
                    format!("+46 (0){digits}"),
                ];
                let stored: Vec<Option<String>> = shapes.iter().map(|s| phone(s, "SE")).collect();
                let expected = format!("+46{digits}");
                prop_assert_eq!(stored[0].as_deref(), Some(expected.as_str()), "{:?}", shapes);
                prop_assert!(stored.iter().all(|s| s == &stored[0]), "{:?} -> {:?}", shapes, stored);
            }
        }

        fn country_code(text: &str) -> Option<String> {
            country(&mut InvalidInput::default(), "country", text)
        }
    }
}
