include!("src/command_names.rs");

fn main() {
    // Generates an `allow-<command>` permission per command; only those that a capability
    // grants are callable from the webview.
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {error:#}");
    }
    third_party_rust();
}

/// The Rust crates shipped in the app and the `lagom` command, with their licences, for About:
/// from `cargo metadata` over Cargo.lock (the normal dependencies of the two binaries on the
/// platform being built, not build tools or test-only crates), into `OUT_DIR`.
fn third_party_rust() {
    use std::collections::{BTreeMap, BTreeSet};
    // What is shipped changes with the lock file and with any manifest's dependencies or
    // features (the lock file does not record features).
    for manifest in [
        "../Cargo.lock",
        "../Cargo.toml",
        "Cargo.toml",
        "../crates/lagom-core/Cargo.toml",
        "../crates/lagom-cli/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={manifest}");
    }
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("third-party-rust.json");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = std::env::var("TARGET").unwrap_or_default();
    let metadata = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", &target])
        .current_dir("..")
        .output();
    let json: serde_json::Value = match metadata {
        Ok(output) if output.status.success() => serde_json::from_slice(&output.stdout).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    let packages: BTreeMap<&str, &serde_json::Value> =
        json["packages"].as_array().into_iter().flatten().filter_map(|p| Some((p["id"].as_str()?, p))).collect();
    let nodes: BTreeMap<&str, &serde_json::Value> = json["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let members: BTreeSet<&str> =
        json["workspace_members"].as_array().into_iter().flatten().filter_map(|m| m.as_str()).collect();
    let mut todo: Vec<&str> = members
        .iter()
        .copied()
        .filter(|id| {
            packages.get(id).is_some_and(|p| matches!(p["name"].as_str(), Some("lagom-desktop" | "lagom-cli")))
        })
        .collect();
    // A proc-macro runs in the compiler and ships nothing: neither it nor what only it uses is
    // listed. The C libraries compiled in come from build-dependencies (`openssl-src`), which
    // are followed from the `-sys` crate that builds them.
    let proc_macro = |id: &str| {
        packages
            .get(id)
            .and_then(|p| p["targets"].as_array())
            .into_iter()
            .flatten()
            .any(|t| t["kind"].as_array().into_iter().flatten().any(|k| k.as_str() == Some("proc-macro")))
    };
    let mut seen: BTreeSet<&str> = todo.iter().copied().collect();
    while let Some(id) = todo.pop() {
        let builds_c = packages.get(id).and_then(|p| p["name"].as_str()).is_some_and(|name| name.ends_with("-sys"));
        for dep in nodes.get(id).and_then(|n| n["deps"].as_array()).into_iter().flatten() {
            let Some(pkg) = dep["pkg"].as_str() else { continue };
            let normal = dep["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"].is_null());
            // A C library's sources, compiled in: shipped, but what builds them (`cc`) is not.
            let c_sources = builds_c
                && dep["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"].as_str() == Some("build"))
                && packages.get(pkg).and_then(|p| p["name"].as_str()).is_some_and(|n| n.ends_with("-src"));
            if !(normal || c_sources) || proc_macro(pkg) || !seen.insert(pkg) {
                continue;
            }
            // Listed; what a C library's sources depend on is not followed.
            if !c_sources {
                todo.push(pkg);
            }
        }
    }
    // Each licence text once; a package names the texts that apply to it by their index.
    let mut texts = Texts::default();
    let list: Vec<serde_json::Value> = seen
        .into_iter()
        .filter(|id| !members.contains(id))
        .filter_map(|id| packages.get(id))
        .map(|p| {
            let license = p["license"].as_str().unwrap_or("see its repository");
            let name = p["name"].as_str().unwrap_or_default();
            let dir = std::path::Path::new(p["manifest_path"].as_str().unwrap_or_default()).parent();
            // A source folder cargo has not unpacked would lose the crate's copyright lines.
            if release && !dir.is_some_and(std::path::Path::is_dir) {
                panic!("{name}'s sources are not unpacked: run `cargo fetch --locked`, then build again");
            }
            let mut files = dir.map(|dir| licence_files(dir, name.ends_with("-src"))).unwrap_or_default();
            // A package published without a licence file: the standard text of each licence it
            // declares, said to be the standard text, under its authors as the crate names them.
            if files.is_empty() {
                let authors: Vec<&str> =
                    p["authors"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).collect();
                files = standard_texts(license, &authors.join(", "));
            }
            let indices: Vec<usize> = files.into_iter().map(|text| texts.index(text)).collect();
            serde_json::json!({
                "name": name, "version": p["version"], "license": license,
                "repository": p["repository"], "texts": indices,
            })
        })
        .collect();
    // A shipped build must never show an empty list.
    if release && list.len() < 100 {
        panic!("cargo metadata listed only {} shipped crates for About", list.len());
    }
    let json = serde_json::json!({ "packages": list, "texts": texts.all });
    if let Err(e) = std::fs::write(&out, serde_json::to_string(&json).unwrap_or_else(|_| "{}".into())) {
        panic!("could not write {}: {e}", out.display());
    }
}

#[derive(Default)]
struct Texts {
    all: Vec<String>,
    seen: std::collections::HashMap<String, usize>,
}

impl Texts {
    fn index(&mut self, text: String) -> usize {
        if let Some(&i) = self.seen.get(&text) {
            return i;
        }
        self.all.push(text.clone());
        self.seen.insert(text, self.all.len() - 1);
        self.all.len() - 1
    }
}

/// The licence, copyright and notice files a package carries at its top (and, for a `-src`
/// crate, one folder down, where the C library's own licence is), each headed by its path.
fn licence_files(dir: &std::path::Path, src_crate: bool) -> Vec<String> {
    let is_licence = |name: &str| {
        let lower = name.to_ascii_lowercase();
        ["license", "licence", "copying", "copyright", "notice", "unlicense"].iter().any(|p| lower.starts_with(p))
    };
    let mut found = Vec::new();
    let mut folders = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            // A `LICENSES/` folder (REUSE), and a C library's folder in a `-src` crate.
            if path.is_dir() && prefix.is_empty() && !name.starts_with('.') && (src_crate || is_licence(&name)) {
                folders.push((path, format!("{name}/")));
            } else if path.is_file()
                && is_licence(&name)
                && let Ok(bytes) = std::fs::read(&path)
            {
                let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
                found.push(format!("{prefix}{name}\n\n{}", text.trim_end()));
            }
        }
    }
    found
}

/// The SPDX standard text of each licence in `expression` (parsed leniently: crates write
/// `MIT/Apache-2.0`), for a package that ships none of its own, with its `authors` as the
/// copyright holders its manifest names.
fn standard_texts(expression: &str, authors: &str) -> Vec<String> {
    let Ok(parsed) = spdx::Expression::parse_mode(expression, spdx::ParseMode::LAX) else { return Vec::new() };
    let mut ids: Vec<spdx::LicenseId> = parsed.requirements().filter_map(|r| r.req.license.id()).collect();
    ids.sort_by_key(|id| id.name);
    ids.dedup_by_key(|id| id.name);
    ids.into_iter()
        .map(|id| {
            let holders = if authors.is_empty() { "its authors".to_string() } else { authors.to_string() };
            format!(
                "{} (the standard text: the package carries no licence file of its own)\nCopyright: {holders}\n\n{}",
                id.name,
                id.text().trim_end()
            )
        })
        .collect()
}
