//! `lagom home`: what needs attention now, as the app's home view shows it.

use anyhow::Result;
use chrono::NaiveDate;
use lagom_core::{Expiry, Lagom};

use crate::print_json;

pub fn run(lagom: &Lagom, as_of: Option<NaiveDate>, json: bool) -> Result<()> {
    let home = lagom.home(as_of)?;
    if json {
        return print_json(&home);
    }
    println!("as of {}", home.today);
    if !home.breaches.is_empty() {
        println!("BREACHES: notify the supervisory authority within 72 hours of discovery; tell the persons");
        home.breaches.iter().for_each(crate::breach::show);
    }
    let notices = &home.notices;
    println!("information notices owed: {} ({} overdue)", notices.total, notices.overdue);
    for n in &notices.contacts {
        let state = if n.overdue { "OVERDUE" } else { "due" };
        println!("  {}  {} {}  {state} {}", n.contact_id, n.given_name, n.family_name, n.due);
    }
    println!("requests due within a week or overdue: {} (open: {})", home.requests.len(), home.open_requests);
    for r in &home.requests {
        let state = if r.overdue { "OVERDUE" } else { "due" };
        println!("  {}  {}  {state} {}", r.id, r.kind, r.due);
    }
    let list = |title: &str, items: &[Expiry]| {
        println!("{title}: {}", items.len());
        for e in items {
            println!("  {}  {} {}  expires {}  ({})", e.contact_id, e.given_name, e.family_name, e.expires, e.rule);
        }
    };
    list("due for erasure now", &home.due_now);
    list("due in the next 30 days", &home.due_soon);
    list("held only for withdrawn consent", &home.consent_withdrawn_only);
    println!("this month: {} exports, {} erasures", home.exports_this_month, home.erasures_this_month);
    let automatic = if home.automatic_erasure { "on" } else { "off" };
    println!("automatic erasure: {automatic} (grace period {} days)", home.grace_days);
    Ok(())
}
