//! `shenas`: the service and the commands operators run. Every command takes `--database URL`
//! (or `SHENAS_DATABASE_URL`); commands that report take `--json` and then print one JSON object as their last line.

mod commands;
mod config;
mod db;
mod logging;

use clap::{Parser, Subcommand, ValueEnum};

/// mimalloc: bulk imports allocate and free millions of small strings across threads, where it is markedly
/// faster than the system allocator and returns memory more readily.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "shenas",
    version,
    about = "Shenas: the smart national ID card programme, end to end"
)]
struct Cli {
    /// `sqlite://shenas.db` (default) or `postgres://user@host/db`.
    #[arg(long, global = true, env = "SHENAS_DATABASE_URL")]
    database: Option<String>,
    /// A TOML configuration file (default: ./shenas.toml where present).
    #[arg(long, global = true, env = "SHENAS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

impl OnOff {
    fn on(self) -> bool {
        matches!(self, Self::On)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the service.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Load a generated registry (about 50,000 people) and the offices into an empty database.
        #[arg(long)]
        demo: bool,
        #[arg(long, value_enum)]
        captcha: Option<OnOff>,
        #[arg(long, value_enum)]
        rate_limits: Option<OnOff>,
        /// Status answers and office listings from memory (default on).
        #[arg(long, value_enum)]
        read_cache: Option<OnOff>,
        /// Address for Prometheus metrics (default 127.0.0.1:9464; `off` to disable).
        #[arg(long)]
        metrics_listen: Option<String>,
    },
    /// The civil registry.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Counter offices.
    Offices {
        #[command(subcommand)]
        command: OfficesCommand,
    },
    /// The fingerprint engine: accuracy and speed.
    Biometrics {
        #[command(subcommand)]
        command: BiometricsCommand,
    },
    /// The 1:N search on matcher nodes over NATS JetStream (`[abis]` in the configuration).
    Abis {
        #[command(subcommand)]
        command: AbisCommand,
    },
    /// Banks and agencies that verify people, and their API keys.
    Agencies {
        #[command(subcommand)]
        command: AgenciesCommand,
    },
    /// Card manufacturers and their API keys.
    Vendors {
        #[command(subcommand)]
        command: VendorsCommand,
    },
    /// Card production: batches for the manufacturers.
    Production {
        #[command(subcommand)]
        command: ProductionCommand,
    },
    /// The national PKI: the key ceremony, document signer rotation, and the expiry report.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// Office staff and administrators.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// A phone in the terminal for the USSD service (*4*6090#): type each reply on its own line.
    #[command(name = "ussd-sim")]
    UssdSim {
        /// The calling number (e.g. 09121234567).
        #[arg(long)]
        phone: String,
        /// The running service.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The gateway's session identifier (default: a new one).
        #[arg(long)]
        session: Option<String>,
        /// The code dialled.
        #[arg(long, default_value = "*4*6090#")]
        service_code: String,
        /// The gateway secret the service asks for (`[ussd] gateway_secret`), sent as `X-Gateway-Secret`.
        #[arg(long, env = "SHENAS_USSD_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// Play the card lifecycle forward by cohorts (docs/simulation.md): lead times and backlogs per province
    /// and week under a scenario's demand, offices, vendors, SMS reach and pickup rules.
    Simulate {
        /// The scenario (TOML), e.g. docs/scenarios/razavi-khorasan-1398.toml.
        #[arg(long)]
        scenario: PathBuf,
        /// Print the whole report (every province and week) as one JSON object.
        #[arg(long)]
        json: bool,
        /// Also write the weekly rows as CSV.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Also write the SVG chart set into this folder.
        #[arg(long)]
        charts: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Start today from this installation's queues, offices and vendors.
        #[arg(long)]
        from_database: bool,
    },
    /// A mobile unit's offline kit (run on the kit's laptop).
    Kit {
        /// The kit's directory: its key, state, database and images.
        #[arg(long, global = true, default_value = "./kit")]
        dir: PathBuf,
        #[command(subcommand)]
        command: KitCommand,
    },
    /// Mobile units' kits, at the service: approval and revocation.
    Kits {
        #[command(subcommand)]
        command: KitsCommand,
    },
    /// Packets from mobile units' kits, at the service.
    Packets {
        #[command(subcommand)]
        command: PacketsCommand,
    },
    /// Micro-benchmarks of the domain core.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum KitCommand {
    /// Draw the kit's key and register it with the service for a unit (pending until approved).
    Init {
        /// The service, e.g. https://shenas.example
        #[arg(long)]
        server: String,
        /// The unit: an office of kind `mobile_unit`.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        json: bool,
    },
    /// Fetch a visit's roster, the people's registry data and applications into the kit.
    Load {
        #[arg(long)]
        visit: i64,
        #[arg(long)]
        json: bool,
    },
    /// The desk's pages and API on the kit, offline: each enrollment becomes a packet.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
    },
    /// Upload the packets the service has not taken yet, and show each answer.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Write the packets the service has not taken yet into a folder (a USB stick).
    Export {
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KitsCommand {
    /// Approve a pending kit.
    Approve {
        kit_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a kit: its packets are refused from now on.
    Revoke {
        kit_id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PacketsCommand {
    /// Take the packet files of a folder (a kit's export); `--json`: `{"accepted", "duplicates", "refused": [{file, code}]}`.
    Import {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Load (or update) persons from a registry CSV; bad rows are reported and skipped.
    Import {
        file: PathBuf,
        /// Write every rejected row's line, field and reason to this CSV file.
        #[arg(long)]
        report: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Rows parsed and written together (held in memory per writer).
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        /// Rows committed together (whole batches).
        #[arg(long, default_value_t = 200_000)]
        transaction: usize,
    },
    /// Write a realistic synthetic registry CSV.
    Generate {
        #[arg(long)]
        persons: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum OfficesCommand {
    /// Load (or update) offices from an offices CSV.
    Import {
        file: PathBuf,
        #[arg(long)]
        report: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic offices CSV (about 16,000 offices spread by population).
    Generate {
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = synth::DEFAULT_OFFICES)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum BiometricsCommand {
    /// EER, FNMR at FMR 1 % and 0.1 %, comparisons/s/core, ours beside Bozorth3, and the thresholds checked
    /// leave-one-set-out, on FVC-layout folders.
    Eval {
        /// A folder of `FFF_I.iso` records (with `FFF_I.tif` images beside them), or a folder holding several
        /// such folders at any depth up to three (e.g. ../shared/data/fingerprints, which holds fvc2002/DB1_B …).
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
        /// Skip the evaluation of templates extracted from the images (faster).
        #[arg(long)]
        no_images: bool,
        /// Threads for extraction and the calibration's scoring (speed figures always use one).
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
    /// 1:N identification: latency of a 10-finger probe and rank-1 rate against exhaustive search.
    #[command(name = "bench-1n")]
    Bench1n {
        #[arg(long)]
        data: PathBuf,
        /// Gallery sizes in fingers.
        #[arg(long, value_delimiter = ',', default_values_t = [10_000usize, 100_000, 1_000_000])]
        sizes: Vec<usize>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AbisCommand {
    /// Hold one shard of the gallery: replay the gallery stream's events for the shard, then answer searches.
    Node {
        /// This node's shard, 0 to shards - 1.
        #[arg(long)]
        shard: u32,
        /// The number of shards (the service's `[abis] shards`).
        #[arg(long)]
        shards: u32,
        /// NATS (default `[abis] nats_url`, else nats://127.0.0.1:4222).
        #[arg(long)]
        nats: Option<String>,
        /// The node's name in status answers (default node-SHARD-PID).
        #[arg(long)]
        name: Option<String>,
    },
    /// Publish every searched enrollment in the database to the gallery stream (moving to matcher nodes).
    Publish {
        #[arg(long)]
        nats: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Shards, replicas, sizes and the stream position.
    Status {
        #[arg(long)]
        nats: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AgenciesCommand {
    /// Register an agency; prints its first API key once.
    Add {
        #[arg(long)]
        name: String,
        /// Allowed purposes, comma-separated snake_case words.
        #[arg(long, default_value = "identity_check")]
        purposes: Vec<String>,
        /// Verifications per minute.
        #[arg(long, default_value_t = 600)]
        rate: u32,
        #[arg(long)]
        json: bool,
    },
    /// A further key for an agency (rotation); prints it once.
    KeyAdd {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by its prefix.
    KeyRevoke {
        #[arg(long)]
        prefix: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ProductionCommand {
    /// Form batches from the production queue now, whatever the schedule; prints {"batches": N, "cards": N}.
    Batch {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Create the national root, the citizen CA, the CSCA, the first document signer and the OCSP responders (once).
    Init {
        #[arg(long)]
        json: bool,
    },
    /// Every certificate and key with its expiry, and what needs an operator.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Start a new document signer (the old one stays valid to verify the chips it signed).
    RotateDs {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum VendorsCommand {
    /// Register a manufacturer; prints its API key once.
    Add {
        #[arg(long)]
        name: String,
        /// Its share of the cards, in percent.
        #[arg(long)]
        share: u32,
        /// The cards it can take a day.
        #[arg(long)]
        daily_capacity: u64,
        #[arg(long)]
        json: bool,
    },
    /// Change a manufacturer's share and daily capacity (batches formed from now on follow them).
    Set {
        #[arg(long)]
        name: String,
        #[arg(long)]
        share: u32,
        #[arg(long)]
        daily_capacity: u64,
        #[arg(long)]
        json: bool,
    },
    /// The manufacturers, their shares and capacities.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A further key for a manufacturer (rotation); prints it once.
    KeyAdd {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a manufacturer's key by its prefix (refused at once).
    KeyRevoke {
        #[arg(long)]
        prefix: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create a user; the password is read from standard input, or drawn and printed once.
    Add {
        #[arg(long)]
        username: String,
        /// `operator`, `supervisor`, `province_admin` or `national_admin`.
        #[arg(long)]
        role: String,
        /// The office of an operator or supervisor.
        #[arg(long)]
        office: Option<String>,
        /// The province of a province_admin.
        #[arg(long)]
        province: Option<String>,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Disable a user (offboarding): their sessions end at once and they cannot log in.
    Disable {
        #[arg(long)]
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Set a new password (read from standard input, or drawn and printed once); the user's sessions end.
    Password {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// End every session of a user (they must log in again).
    SessionsRevoke {
        #[arg(long)]
        username: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Seed applications for load runs (the registry must hold `registry generate --seed S`'s persons).
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        applications: u64,
        /// Also write this many ready application bodies (persons without an application).
        #[arg(long, default_value_t = 0)]
        bodies: u64,
        #[arg(long, default_value_t = 1403)]
        seed: u64,
        /// `national_code,tracking_code,state` per line.
        #[arg(long)]
        targets: PathBuf,
        #[arg(long)]
        bodies_out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Time `NationalCode::parse` on valid codes (ASCII and Persian digits).
    NationalCode {
        #[arg(long, default_value_t = 10_000_000)]
        iterations: u64,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let mut cfg = match config::Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: configuration: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(url) = cli.database {
        cfg.database_url = url;
    }
    logging::init(&cfg.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve {
                listen,
                demo,
                captcha,
                rate_limits,
                read_cache,
                metrics_listen,
            } => {
                if let Some(l) = listen {
                    cfg.listen = l;
                }
                if let Some(m) = metrics_listen {
                    cfg.metrics_listen = if m == "off" { String::new() } else { m };
                }
                if let Some(c) = captcha {
                    cfg.captcha = c.on();
                }
                if let Some(r) = rate_limits {
                    cfg.rate_limits = r.on();
                }
                if let Some(r) = read_cache {
                    cfg.read_cache = r.on();
                }
                commands::serve::run(cfg, demo).await
            }
            Command::Registry { command } => match command {
                RegistryCommand::Import {
                    file,
                    report,
                    json,
                    batch,
                    transaction,
                } => {
                    commands::import::registry(
                        &cfg,
                        &file,
                        report.as_deref(),
                        json,
                        batch,
                        transaction,
                    )
                    .await
                }
                RegistryCommand::Generate {
                    persons,
                    seed,
                    out,
                    json,
                } => commands::generate::persons(persons, seed, out.as_deref(), json),
            },
            Command::Offices { command } => match command {
                OfficesCommand::Import { file, report, json } => {
                    commands::import::offices(&cfg, &file, report.as_deref(), json).await
                }
                OfficesCommand::Generate { out, count, seed } => {
                    commands::generate::offices(count, seed, out.as_deref())
                }
            },
            Command::Biometrics { command } => match command {
                BiometricsCommand::Eval {
                    data,
                    json,
                    no_images,
                    threads,
                } => commands::biometrics::eval(&data, json, !no_images, threads),
                BiometricsCommand::Bench1n { data, sizes, json } => {
                    commands::biometrics::bench_1n(&data, &sizes, json)
                }
            },
            Command::Abis { command } => match command {
                AbisCommand::Node {
                    shard,
                    shards,
                    nats,
                    name,
                } => commands::abis::node(&cfg, shard, shards, nats, name).await,
                AbisCommand::Publish { nats, json } => {
                    commands::abis::publish(&cfg, nats, json).await
                }
                AbisCommand::Status { nats, json } => {
                    commands::abis::status(&cfg, nats, json).await
                }
            },
            Command::Agencies { command } => match command {
                AgenciesCommand::Add {
                    name,
                    purposes,
                    rate,
                    json,
                } => commands::agencies::add(&cfg, &name, &purposes, rate, json).await,
                AgenciesCommand::KeyAdd { name, json } => {
                    commands::agencies::key_add(&cfg, &name, json).await
                }
                AgenciesCommand::KeyRevoke { prefix, json } => {
                    commands::agencies::key_revoke(&cfg, &prefix, json).await
                }
            },
            Command::Kit { dir, command } => match command {
                KitCommand::Init { server, unit, json } => {
                    commands::kit::init(&dir, &server, &unit, json).await
                }
                KitCommand::Load { visit, json } => commands::kit::load(&dir, visit, json).await,
                KitCommand::Serve { listen } => commands::kit::serve(&dir, &listen).await,
                KitCommand::Sync { json } => commands::kit::sync(&dir, json).await,
                KitCommand::Export { out, json } => commands::kit::export(&dir, &out, json).await,
            },
            Command::Kits { command } => match command {
                KitsCommand::Approve { kit_id, json } => {
                    commands::kits::change(&cfg, &kit_id, store::kits::KitState::Approved, json)
                        .await
                }
                KitsCommand::Revoke { kit_id, json } => {
                    commands::kits::change(&cfg, &kit_id, store::kits::KitState::Revoked, json)
                        .await
                }
            },
            Command::Packets { command } => match command {
                PacketsCommand::Import { dir, json } => {
                    commands::kits::import(&cfg, &dir, json).await
                }
            },
            Command::Production { command } => match command {
                ProductionCommand::Batch { json } => commands::production::batch(&cfg, json).await,
            },
            Command::Pki { command } => match command {
                PkiCommand::Init { json } => commands::pki::init(&cfg, json).await,
                PkiCommand::Status { json } => commands::pki::status(&cfg, json).await,
                PkiCommand::RotateDs { json } => commands::pki::rotate_ds(&cfg, json).await,
            },
            Command::Vendors { command } => match command {
                VendorsCommand::Add {
                    name,
                    share,
                    daily_capacity,
                    json,
                } => commands::vendors::add(&cfg, &name, share, daily_capacity, json).await,
                VendorsCommand::Set {
                    name,
                    share,
                    daily_capacity,
                    json,
                } => commands::vendors::set(&cfg, &name, share, daily_capacity, json).await,
                VendorsCommand::List { json } => commands::vendors::list(&cfg, json).await,
                VendorsCommand::KeyAdd { name, json } => {
                    commands::vendors::key_add(&cfg, &name, json).await
                }
                VendorsCommand::KeyRevoke { prefix, json } => {
                    commands::vendors::key_revoke(&cfg, &prefix, json).await
                }
            },
            Command::Users { command } => match command {
                UsersCommand::Add {
                    username,
                    role,
                    office,
                    province,
                    password_stdin,
                    json,
                } => {
                    commands::users::add(
                        &cfg,
                        commands::users::AddUser {
                            username,
                            role,
                            office,
                            province,
                            password_stdin,
                            json,
                        },
                    )
                    .await
                }
                UsersCommand::Disable { username, json } => {
                    commands::users::set_disabled(&cfg, &username, true, json).await
                }
                UsersCommand::Enable { username, json } => {
                    commands::users::set_disabled(&cfg, &username, false, json).await
                }
                UsersCommand::Password {
                    username,
                    password_stdin,
                    json,
                } => commands::users::set_password(&cfg, &username, password_stdin, json).await,
                UsersCommand::SessionsRevoke { username, json } => {
                    commands::users::revoke_sessions(&cfg, &username, json).await
                }
            },
            Command::UssdSim {
                phone,
                url,
                session,
                service_code,
                secret,
            } => {
                commands::ussd_sim::run(commands::ussd_sim::UssdSim {
                    url,
                    phone,
                    session,
                    service_code,
                    secret,
                })
                .await
            }
            Command::Simulate {
                scenario,
                json,
                csv,
                charts,
                seed,
                from_database,
            } => {
                commands::simulate::run(
                    &cfg,
                    commands::simulate::Simulate {
                        scenario,
                        json,
                        csv,
                        charts,
                        seed,
                        from_database,
                    },
                )
                .await
            }
            Command::Bench { command } => match command {
                BenchCommand::Seed {
                    applications,
                    bodies,
                    seed,
                    targets,
                    bodies_out,
                    json,
                } => {
                    commands::seed::run(
                        &cfg,
                        commands::seed::Seed {
                            applications,
                            bodies,
                            seed,
                            targets,
                            bodies_out,
                            json,
                        },
                    )
                    .await
                }
                BenchCommand::NationalCode { iterations, json } => {
                    commands::bench::national_code(iterations, json)
                }
            },
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
