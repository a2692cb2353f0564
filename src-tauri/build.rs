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
    println!("cargo:rerun-if-changed=../Cargo.lock");
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
            let shipped = dep["dep_kinds"].as_array().into_iter().flatten().any(|k| {
                k["kind"].is_null()
                    || (builds_c
                        && k["kind"].as_str() == Some("build")
                        && packages.get(pkg).and_then(|p| p["name"].as_str()).is_some_and(|n| n.ends_with("-src")))
            });
            if shipped && !proc_macro(pkg) && seen.insert(pkg) {
                todo.push(pkg);
            }
        }
    }
    let list: Vec<serde_json::Value> = seen
        .into_iter()
        .filter(|id| !members.contains(id))
        .filter_map(|id| packages.get(id))
        .map(|p| {
            serde_json::json!({
                "name": p["name"], "version": p["version"],
                "license": p["license"].as_str().unwrap_or("see its repository"),
                "repository": p["repository"],
            })
        })
        .collect();
    let mut list = list;
    // SQLCipher (with SQLite and libtomcrypt) is compiled in from sources inside
    // `libsqlite3-sys` (its `bundled-sqlcipher` feature), so it has no crate of its own.
    list.push(serde_json::json!({
        "name": "SQLCipher (SQLite, libtomcrypt), in libsqlite3-sys",
        "version": "4",
        "license": "BSD-3-Clause AND blessing AND Unlicense",
        "repository": "https://github.com/sqlcipher/sqlcipher",
    }));
    // A shipped build must never show an empty list.
    if std::env::var("PROFILE").as_deref() == Ok("release") && list.len() < 100 {
        panic!("cargo metadata listed only {} shipped crates for About", list.len());
    }
    if let Err(e) = std::fs::write(&out, serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())) {
        panic!("could not write {}: {e}", out.display());
    }
}
