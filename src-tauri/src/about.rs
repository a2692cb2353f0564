//! About Lagom: the version, the licence, where the data is, and the third-party licences of
//! everything shipped, with their texts: the Rust crates from Cargo.lock (`cargo metadata` and
//! each crate's own licence files, at build time, see `build.rs`) and the npm packages bundled
//! into the UI (`rollup-plugin-license`, at the UI's build, `ui/dist/third-party-npm.json`).
//! The same list, as plain text, is the package's copyright file
//! (`lagom-crm --third-party-licences`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One shipped package and its licence (an SPDX expression as its authors declare it).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ThirdParty {
    pub name: String,
    pub version: String,
    pub license: String,
    pub repository: Option<String>,
    /// Its licence, copyright and notice texts: indices into [`About::texts`].
    #[serde(default)]
    pub texts: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct About {
    pub version: String,
    /// Lagom's own licence.
    pub license: String,
    pub db_path: String,
    pub rust: Vec<ThirdParty>,
    pub npm: Vec<ThirdParty>,
    /// Every licence text once (many packages share one).
    pub texts: Vec<String>,
}

/// A generated list: the packages and the texts they point at.
#[derive(Debug, Default, Deserialize)]
struct Listing {
    packages: Vec<ThirdParty>,
    texts: Vec<String>,
}

const RUST: &str = include_str!(concat!(env!("OUT_DIR"), "/third-party-rust.json"));

/// The UI's list of the npm packages it bundles, among its embedded assets.
pub const NPM_ASSET: &str = "third-party-npm.json";

/// Lagom's own licence.
pub const LICENSE: &str = "MIT OR Apache-2.0";

/// Lagom's own licence texts, for the notice.
const OWN_TEXTS: [(&str, &str); 2] =
    [("LICENSE-MIT", include_str!("../../LICENSE-MIT")), ("LICENSE-APACHE", include_str!("../../LICENSE-APACHE"))];

/// About, with the npm list read from the embedded UI's `third-party-npm.json` (`npm_json`).
pub fn about(version: String, db_path: &std::path::Path, npm_json: Option<&[u8]>) -> About {
    let rust: Listing = serde_json::from_str(RUST).unwrap_or_default();
    let npm: Listing = npm_json.and_then(|bytes| serde_json::from_slice(bytes).ok()).unwrap_or_default();
    let offset = u32::try_from(rust.texts.len()).unwrap_or(u32::MAX);
    let npm_packages = npm
        .packages
        .into_iter()
        .map(|mut p| {
            p.texts.iter_mut().for_each(|i| *i = i.saturating_add(offset));
            p
        })
        .collect();
    let mut texts = rust.texts;
    texts.extend(npm.texts);
    About {
        version,
        license: LICENSE.into(),
        db_path: db_path.display().to_string(),
        rust: rust.packages,
        npm: npm_packages,
        texts,
    }
}

/// The third-party notice as plain text: every package with its licence and the numbers of its
/// texts, then each text once. It is the `.deb`'s `/usr/share/doc/lagom/copyright`.
pub fn notice(about: &About) -> String {
    let mut out = format!(
        "Lagom CRM {}\nLicence: {}, at your option (both texts are at the end)\n\nLagom includes the third-party \
         packages below. Each is listed with the licence its authors declare and the texts that go with it, which \
         follow the list.\n",
        about.version, about.license
    );
    for (heading, packages) in [("Rust crates", &about.rust), ("npm packages (the user interface)", &about.npm)] {
        out.push_str(&format!("\n{heading}\n\n"));
        for p in packages {
            let texts: Vec<String> = p.texts.iter().map(|i| format!("[{}]", i + 1)).collect();
            out.push_str(&format!("  {} {}: {}  {}\n", p.name, p.version, p.license, texts.join(" ")));
        }
    }
    for (i, text) in about.texts.iter().enumerate() {
        out.push_str(&format!("\n---------------------------------------- [{}]\n\n{text}\n", i + 1));
    }
    for (file, text) in OWN_TEXTS {
        out.push_str(&format!("\n---------------------------------------- Lagom CRM: {file}\n\n{}\n", text.trim_end()));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn npm_sample() -> Vec<u8> {
        serde_json::json!({
            "packages": [{ "name": "svelte", "version": "5.0.0", "license": "MIT", "repository": null, "texts": [0] }],
            "texts": ["LICENSE.md\n\nCopyright (c) 2016-25 Svelte Contributors"],
        })
        .to_string()
        .into_bytes()
    }

    /// The list is generated from the lock file: the crates every build links are in it, with
    /// a licence and its texts (the C libraries compiled in too), and build tools are not.
    #[test]
    fn the_shipped_rust_crates_are_listed_with_their_licences_and_texts() {
        let about = about("0.1.0".into(), std::path::Path::new("/tmp/lagom.db"), None);
        let text_of = |name: &str| {
            let found = about.rust.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name} is not listed"));
            assert!(!found.license.is_empty());
            assert!(!found.texts.is_empty(), "{name} has no licence text");
            found.texts.iter().map(|&i| about.texts[i as usize].as_str()).collect::<Vec<_>>().join("\n")
        };
        for shipped in ["rusqlite", "tauri", "keyring", "totp-rs", "zeroize"] {
            assert!(text_of(shipped).contains("Permission is hereby granted") || text_of(shipped).contains("Apache"));
        }
        // A crate that ships no licence file gets its licence's standard text, under its authors.
        assert!(
            text_of("ts-rs")
                .contains("(the standard text: the package carries no licence file of its own)\nCopyright: ")
        );
        // OpenSSL's and SQLCipher's own licences, from inside their source crates.
        assert!(text_of("openssl-src").contains("openssl/LICENSE"), "{}", text_of("openssl-src"));
        assert!(text_of("sqlcipher-src").contains("ZETETIC LLC"), "SQLCipher's copyright holder");
        for build_tool in ["tauri-build", "cc", "shlex", "find-msvc-tools"] {
            assert!(!about.rust.iter().any(|p| p.name == build_tool), "{build_tool} is a build tool, not shipped");
        }
        assert!(!about.rust.iter().any(|p| p.name.starts_with("lagom")), "our own crates are not third parties");
        let mut unique = about.texts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), about.texts.len(), "each text once");
    }

    /// The npm texts are numbered after the Rust ones, and the notice lists every package and
    /// holds every text once.
    #[test]
    fn the_notice_lists_every_package_and_each_text_once() {
        let about = about("0.1.0".into(), std::path::Path::new("/tmp/lagom.db"), Some(&npm_sample()));
        let svelte = &about.npm[0];
        assert_eq!(about.texts[svelte.texts[0] as usize], "LICENSE.md\n\nCopyright (c) 2016-25 Svelte Contributors");
        let notice = notice(&about);
        assert!(notice.starts_with("Lagom CRM 0.1.0\nLicence: MIT OR Apache-2.0, at your option"));
        assert!(notice.contains("Lagom CRM: LICENSE-MIT\n\nMIT License\n\nCopyright (c) 2026 the Lagom CRM authors"));
        assert!(notice.contains("Lagom CRM: LICENSE-APACHE\n\n"));
        assert!(notice.contains(&format!("  svelte 5.0.0: MIT  [{}]\n", about.texts.len())));
        for p in &about.rust {
            assert!(notice.contains(&format!("  {} {}: ", p.name, p.version)), "{} is missing", p.name);
        }
        assert_eq!(notice.matches("Svelte Contributors").count(), 1);
    }
}
