include!("src/command_names.rs");

fn main() {
    // Generates an `allow-<command>` permission per command; only those that a capability
    // grants are callable from the webview.
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {error:#}");
    }
}
