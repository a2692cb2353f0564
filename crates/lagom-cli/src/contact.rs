//! `lagom contact`: add, update, show, list (all, or who may be contacted about a purpose on a
//! channel), search, and marketing opt-outs.

use anyhow::Result;
use clap::{Args, Subcommand};
use lagom_core::{
    Channel, ConsentSource, Contact, ContactInput, ContactSummary, Lagom, MarketingChannel, Material, OptOuts, Stage,
};

use crate::{parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum ContactCommand {
    /// Add a contact; at least one --purpose is required.
    Add {
        #[command(flatten)]
        fields: ContactFields,
        #[arg(long)]
        json: bool,
    },
    /// Change the given fields of a contact; fields not given keep their value ("" clears one).
    Update {
        id: String,
        #[command(flatten)]
        fields: ContactFields,
        #[arg(long)]
        json: bool,
    },
    /// Show one contact.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List contacts in name order; with --purpose and --channel, only those who may be
    /// contacted about that purpose on that channel (active basis, no opt-out).
    List {
        #[arg(long, requires = "channel")]
        purpose: Option<String>,
        #[arg(long, requires = "purpose", value_parser = parse_text_enum::<MarketingChannel>)]
        channel: Option<MarketingChannel>,
        #[arg(long)]
        json: bool,
    },
    /// Opt the person out of direct marketing on a channel (or --all).
    OptOut(OptArgs),
    /// Undo an opt-out (recorded as a new event).
    OptIn(OptArgs),
    /// Search names, email and organisation (prefixes; case and accents ignored).
    Search {
        text: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct OptArgs {
    id: String,
    /// The marketing channel.
    #[arg(long, value_parser = parse_text_enum::<MarketingChannel>, required_unless_present = "all", conflicts_with = "all")]
    channel: Option<MarketingChannel>,
    /// All direct marketing.
    #[arg(long)]
    all: bool,
    /// How the request reached us.
    #[arg(long, default_value = "form", value_parser = parse_text_enum::<ConsentSource>)]
    source: ConsentSource,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ContactFields {
    #[arg(long)]
    given_name: Option<String>,
    #[arg(long)]
    family_name: Option<String>,
    #[arg(long)]
    email: Option<String>,
    /// Local numbers are read with the default country from settings.
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    organisation: Option<String>,
    #[arg(long)]
    role: Option<String>,
    /// Preferred channel.
    #[arg(long, value_parser = parse_text_enum::<Channel>)]
    channel: Option<Channel>,
    /// Preferred material.
    #[arg(long, value_parser = parse_text_enum::<Material>)]
    material: Option<Material>,
    /// ISO 639-1 code, e.g. sv.
    #[arg(long)]
    language: Option<String>,
    /// Life-cycle stage.
    #[arg(long, value_parser = parse_text_enum::<Stage>)]
    stage: Option<Stage>,
    /// The responsible salesperson.
    #[arg(long)]
    owner: Option<String>,
    /// An interest tag from the vocabulary (repeat for more).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// A purpose's name or id (repeat for more).
    #[arg(long = "purpose")]
    purposes: Vec<String>,
    /// Keep a role or organisation that reveals a special category (health, religion or belief,
    /// political opinion, trade union membership, sexual orientation, ethnic origin; Art. 9):
    /// without it such a value is refused, naming the category.
    #[arg(long)]
    confirm_special_category: bool,
}

impl ContactFields {
    /// Applies the given flags over `base`; flags not given leave the base value.
    fn apply_to(self, mut base: ContactInput) -> ContactInput {
        let optional = |flag: Option<String>, old: Option<String>| match flag {
            Some(text) if text.trim().is_empty() => None,
            Some(text) => Some(text),
            None => old,
        };
        base.given_name = self.given_name.unwrap_or(base.given_name);
        base.family_name = self.family_name.unwrap_or(base.family_name);
        base.email = optional(self.email, base.email);
        base.phone = optional(self.phone, base.phone);
        base.organisation = optional(self.organisation, base.organisation);
        base.role = optional(self.role, base.role);
        base.language = optional(self.language, base.language);
        base.owner = optional(self.owner, base.owner);
        base.channel = self.channel.or(base.channel);
        base.material = self.material.or(base.material);
        base.stage = self.stage.or(base.stage);
        if !self.tags.is_empty() {
            base.tags = self.tags;
        }
        if !self.purposes.is_empty() {
            base.purposes = self.purposes;
        }
        base.confirmed_special_categories = self.confirm_special_category;
        base
    }
}

fn input_from(contact: Contact) -> ContactInput {
    ContactInput {
        given_name: contact.given_name,
        family_name: contact.family_name,
        email: contact.email,
        phone: contact.phone,
        organisation: contact.organisation,
        role: contact.role,
        channel: contact.channel,
        material: contact.material,
        language: contact.language,
        stage: Some(contact.stage),
        owner: contact.owner,
        tags: contact.tags,
        purposes: contact.purposes.into_iter().map(|p| p.id).collect(),
        confirmed_special_categories: false,
    }
}

pub fn run(lagom: &Lagom, command: ContactCommand) -> Result<()> {
    let contacts = lagom.contacts();
    match command {
        ContactCommand::Add { fields, json } => {
            let contact = contacts.create(&fields.apply_to(ContactInput::default()))?;
            show_contact(&contact, json)
        }
        ContactCommand::Update { id, fields, json } => {
            let current = input_from(contacts.get(&id)?);
            let contact = contacts.update(&id, &fields.apply_to(current))?;
            show_contact(&contact, json)
        }
        ContactCommand::Show { id, json } => show_contact(&contacts.get(&id)?, json),
        ContactCommand::List { purpose: Some(purpose), channel: Some(channel), json } => {
            show_summaries(&lagom.consent().reachable(&purpose, channel)?, json)
        }
        ContactCommand::List { json, .. } => {
            let total = contacts.list(0, 0)?.total;
            show_summaries(&contacts.list(0, total)?.contacts, json)
        }
        ContactCommand::OptOut(args) => {
            let out = lagom.consent().opt_out(&args.id, args.channel, args.source)?;
            show_opt_outs(&out, args.json)
        }
        ContactCommand::OptIn(args) => {
            let out = lagom.consent().opt_in(&args.id, args.channel, args.source)?;
            show_opt_outs(&out, args.json)
        }
        ContactCommand::Search { text, json } => show_summaries(&contacts.search(&text)?, json),
    }
}

fn show_opt_outs(out: &OptOuts, json: bool) -> Result<()> {
    if json {
        return print_json(out);
    }
    let channels: Vec<&str> = out.channels.iter().map(|c| c.as_str()).collect();
    match (out.all, channels.is_empty()) {
        (true, _) => println!("opted out of all direct marketing"),
        (false, true) => println!("no marketing opt-outs"),
        (false, false) => println!("opted out of: {}", channels.join(", ")),
    }
    Ok(())
}

fn show_contact(contact: &Contact, json: bool) -> Result<()> {
    if json {
        return print_json(contact);
    }
    let line = |label: &str, value: Option<&str>| {
        if let Some(value) = value {
            println!("{label:<14}{value}");
        }
    };
    line("id", Some(&contact.id));
    line("name", Some(&format!("{} {}", contact.given_name, contact.family_name)));
    line("email", contact.email.as_deref());
    line("phone", contact.phone.as_deref());
    line("organisation", contact.organisation.as_deref());
    line("role", contact.role.as_deref());
    line("channel", contact.channel.map(Channel::as_str));
    line("material", contact.material.map(Material::as_str));
    line("language", contact.language.as_deref());
    line("stage", Some(contact.stage.as_str()));
    line("owner", contact.owner.as_deref());
    if !contact.tags.is_empty() {
        line("interests", Some(&contact.tags.join(", ")));
    }
    let purposes: Vec<String> = contact.purposes.iter().map(|p| format!("{} ({})", p.name, p.lawful_basis)).collect();
    line("purposes", Some(&purposes.join(", ")));
    line("created", Some(&contact.created_at));
    line("updated", Some(&contact.updated_at));
    Ok(())
}

fn show_summaries(contacts: &[ContactSummary], json: bool) -> Result<()> {
    if json {
        return print_json(contacts);
    }
    for c in contacts {
        println!(
            "{}  {} {}  {}  {}  {}",
            c.id,
            c.given_name,
            c.family_name,
            c.email.as_deref().unwrap_or("-"),
            c.organisation.as_deref().unwrap_or("-"),
            c.stage
        );
    }
    Ok(())
}
