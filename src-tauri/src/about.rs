//! About Lagom: the version, the licence, where the data is, and the third-party licences of
//! everything shipped: the Rust crates from Cargo.lock (`cargo metadata`, at build time, see
//! `build.rs`) and the npm packages bundled into the UI (`rollup-plugin-license`, at the UI's
//! build, `ui/dist/third-party-npm.json`).

use serde::{Deserialize, Serialize};
use tauri::AppHandle;
use ts_rs::TS;

/// One shipped package and its licence (an SPDX expression as its authors declare it).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ThirdParty {
    pub name: String,
    pub version: String,
    pub license: String,
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct About {
    pub version: String,
    /// Lagom's own licence.
    pub license: String,
    pub db_path: String,
    pub rust: Vec<ThirdParty>,
    pub npm: Vec<ThirdParty>,
}

const RUST: &str = include_str!(concat!(env!("OUT_DIR"), "/third-party-rust.json"));

pub fn about(app: &AppHandle, db_path: &std::path::Path) -> About {
    let npm = app
        .asset_resolver()
        .get("third-party-npm.json".into())
        .and_then(|asset| serde_json::from_slice(&asset.bytes).ok())
        .unwrap_or_default();
    About {
        version: app.package_info().version.to_string(),
        license: "MIT OR Apache-2.0".into(),
        db_path: db_path.display().to_string(),
        rust: serde_json::from_str(RUST).unwrap_or_default(),
        npm,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// The list is generated from the lock file: the crates every build links are in it, with
    /// a licence, and build tools are not.
    #[test]
    fn the_shipped_rust_crates_are_listed_with_their_licences() {
        let list: Vec<super::ThirdParty> = serde_json::from_str(super::RUST).unwrap();
        for shipped in ["rusqlite", "tauri", "keyring", "totp-rs", "zeroize", "openssl-src"] {
            let found = list.iter().find(|p| p.name == shipped).unwrap_or_else(|| panic!("{shipped} is not listed"));
            assert!(!found.license.is_empty());
        }
        assert!(
            !list.iter().any(|p| p.name == "tauri-build" || p.name.starts_with("lagom")),
            "build tools and our own crates are not third parties"
        );
    }
}
