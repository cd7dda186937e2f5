#include "report_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/reports/report_formats.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/report_log.hpp"
#include "ledger_location.hpp"
#include "login_name.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using reports::ReportFormat;

struct ReportArgs {
    std::string ledger;
    std::string config;
    std::string date = "today";
    std::string since;
    std::string until = "today";
    std::string gate;
    std::string format;
    std::string out;
    std::string actor;
    bool pseudonymise = false;
    bool json = false;  // report log
};

// The configuration when there is one (--config, or the default file when it exists), and the ledger.
struct Source {
    std::optional<GatewayConfig> config;
    std::filesystem::path ledger;
};

Source resolve(const ReportArgs& a) {
    Source s;
    const std::string config = a.config.empty() ? kDefaultConfigPath : a.config;
    if (!a.config.empty() || std::filesystem::exists(config)) s.config = load_config_file(config);
    if (!a.ledger.empty()) {
        s.ledger = a.ledger;
    } else if (s.config) {
        s.ledger = s.config->ledger_path;
    } else {
        throw CLI::ValidationError("--ledger", "no --ledger given and no configuration at " + config + "; pass --ledger PATH or --config FILE");
    }
    return s;
}

reports::ReportSetting setting_of(const ReportArgs& a, const Source& s) {
    reports::ReportSetting setting = s.config ? reports::ReportSetting::from_config(*s.config) : reports::ReportSetting{};
    if (!s.config) setting.zone = LocalTimeZone::system();
    if (!a.gate.empty()) setting.gate = a.gate;
    setting.generated_by = login_name(a.actor);
    setting.now_ms = ipc::utc_now_ms();
    return setting;
}

// "today", "yesterday" or YYYY-MM-DD, in the report's zone.
LocalDate parse_day(const std::string& option, const std::string& text, const LocalTimeZone& zone, std::int64_t now_ms) {
    const LocalDate today = zone.date_of(now_ms);
    if (text == "today") return today;
    if (text == "yesterday") return today.plus_days(-1);
    if (auto d = LocalDate::parse(text)) return *d;
    throw CLI::ValidationError(option, "'" + text + "' is not a date: YYYY-MM-DD, today or yesterday");
}

ReportFormat format_of(const ReportArgs& a) {
    if (!a.format.empty()) return *reports::parse_report_format(a.format);  // CLI11 checked the name
    const std::string ext = std::filesystem::path(a.out).extension().string();
    if (ext == ".csv") return ReportFormat::csv;
    if (ext == ".html" || ext == ".htm") return ReportFormat::html;
    if (ext == ".json") return ReportFormat::json;
    return ReportFormat::text;
}

// A progress line on a terminal's stderr, cleared when the work is done.
class Progress {
public:
    Progress() : on_(::isatty(STDERR_FILENO) != 0) {}
    ~Progress() { clear(); }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    void show(const std::string& text) {
        if (on_) std::cerr << "\r\033[K" << text << std::flush;
    }
    void clear() {
        if (on_) std::cerr << "\r\033[K" << std::flush;
    }

private:
    bool on_;
};

// The --out file, written next to its final name and renamed into place, so that a reader never sees half a
// report. Opened before the work starts: an unwritable path fails fast, before anything is recorded.
class OutputFile {
public:
    explicit OutputFile(const std::string& path) : path_(path) {
        if (path_.empty()) return;
        const std::filesystem::path target(path_);
        if (std::filesystem::is_directory(target)) fail("it is a directory");
        temp_ = (target.has_parent_path() ? target.parent_path() : std::filesystem::path(".")) /
                ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
        fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd_ < 0) fail(std::strerror(errno));
    }
    ~OutputFile() {
        if (fd_ >= 0) {
            ::close(fd_);
            std::error_code ignored;
            std::filesystem::remove(temp_, ignored);
        }
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    bool to_file() const { return !path_.empty(); }
    /// Writes everything, syncs and renames into place.
    void commit(const std::string& content) {
        std::size_t done = 0;
        while (done < content.size()) {
            const ssize_t n = ::write(fd_, content.data() + done, content.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd_) != 0) fail(std::strerror(errno));
        ::close(fd_);
        fd_ = -1;
        std::error_code error;
        std::filesystem::rename(temp_, path_, error);
        if (error) {
            std::filesystem::remove(temp_, error);
            fail(error.message());
        }
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        std::cerr << "gatehouse: report: cannot write " << path_ << ": " << why << '\n';
        throw CLI::RuntimeError(kExitCantCreate);
    }
    std::string path_;
    std::filesystem::path temp_;
    int fd_ = -1;
};

int refuse(const reports::ReportError& e) {
    std::cerr << "gatehouse: report: " << e.what() << '\n';
    return e.problem() == reports::ReportProblem::past_retention ? kExitNoInput : kExitUsage;
}

// Records the report in the ledger, then hands it out (file or stdout): no report leaves unrecorded.
void deliver(const ReportArgs& a, const Source& s, OutputFile& out, storage::ReportRecord record, const std::string& content,
             ReportFormat format) {
    record.format = reports::to_string(format);
    record.channel = "cli";
    record.sha256 = reports::sha256_hex(content);
    record.bytes = static_cast<std::int64_t>(content.size());
    storage::ReportLog(s.ledger).record(record);
    if (out.to_file()) {
        out.commit(content);
        std::cerr << "gatehouse: report written to " << a.out << " (" << content.size() << " bytes, sha256 "
                  << record.sha256.substr(0, 16) << "…, recorded in the ledger)\n";
    } else {
        std::cout << content << std::flush;
    }
}

// The ledger's record of a report about `first`..`last` (format, channel and hash are filled by deliver()).
storage::ReportRecord record_of(const char* kind, const LocalDate& first, const LocalDate& last, const reports::ReportSetting& s) {
    storage::ReportRecord record;
    record.kind = kind;
    record.first_day = first.to_string();
    record.last_day = last.to_string();
    record.gate = s.gate;
    record.timezone = s.zone.name();
    record.actor = s.generated_by;
    record.generated_ms = s.now_ms;
    return record;
}

void apply_pseudonyms(const ReportArgs& a, const Source& s, reports::DailyReport& report) {
    if (!a.pseudonymise) return;
    if (!s.config || !s.config->privacy.site_secret_file) {
        throw CLI::ValidationError("--pseudonymise", "needs [privacy] site_secret_file in the configuration (--config)");
    }
    reports::pseudonymise(report, Pseudonymiser::from_file(*s.config->privacy.site_secret_file));
}

// The common path of `daily` and `range`: the --out file opened first (an unwritable path fails before any work),
// the report built with a progress line on a terminal, then recorded in the ledger and handed out.
template <typename Build>
int produce(const ReportArgs& a, const Source& s, storage::ReportRecord record, Build build) {
    const ReportFormat format = format_of(a);
    OutputFile out(a.out);
    storage::Ledger ledger({s.ledger, /*read_only=*/true});
    std::string content;
    {
        Progress progress;
        try {
            const bool colour = format == ReportFormat::text && !out.to_file() && Style(stdout).enabled();
            content = reports::render(build(ledger, progress), format, colour);
        } catch (const reports::ReportError& e) {
            progress.clear();
            return refuse(e);
        }
    }
    deliver(a, s, out, std::move(record), content, format);
    return kExitOk;
}

int run_daily(const ReportArgs& a) {
    const Source s = resolve(a);
    const auto setting = setting_of(a, s);
    const LocalDate day = parse_day("--date", a.date, setting.zone, setting.now_ms);
    return produce(a, s, record_of("daily", day, day, setting), [&](storage::Ledger& ledger, Progress& progress) {
        progress.show("reading " + day.to_string() + " (" + setting.zone.name() + ") from " + s.ledger.string() + " …");
        reports::DailyReport report = reports::build_daily_report(ledger, setting, day);
        apply_pseudonyms(a, s, report);
        return report;
    });
}

int run_range(const ReportArgs& a) {
    const Source s = resolve(a);
    const auto setting = setting_of(a, s);
    const LocalDate last = parse_day("--until", a.until, setting.zone, setting.now_ms);
    const LocalDate first = a.since.empty() ? last.plus_days(-13) : parse_day("--since", a.since, setting.zone, setting.now_ms);
    return produce(a, s, record_of("range", first, last, setting), [&](storage::Ledger& ledger, Progress& progress) {
        return reports::build_range_report(ledger, setting, first, last, [&](int done, int total) {
            progress.show("reading " + first.plus_days(done - 1).to_string() + " (" + std::to_string(done) + "/" +
                          std::to_string(total) + " days) …");
        });
    });
}

int run_log(const ReportArgs& a) {
    const Source s = resolve(a);
    const auto setting = setting_of(a, s);
    const LocalDate last = parse_day("--until", a.until, setting.zone, setting.now_ms);
    const LocalDate first = a.since.empty() ? last.plus_days(-13) : parse_day("--since", a.since, setting.zone, setting.now_ms);
    storage::Ledger ledger({s.ledger, /*read_only=*/true});
    const auto records = ledger.reports(first.to_string(), last.to_string());
    if (a.json) {
        for (const auto& r : records) {
            std::cout << nlohmann::json{{"kind", r.kind},         {"first_day", r.first_day},
                                        {"last_day", r.last_day}, {"gate", r.gate ? nlohmann::json(*r.gate) : nlohmann::json(nullptr)},
                                        {"timezone", r.timezone}, {"format", r.format},
                                        {"channel", r.channel},   {"actor", r.actor},
                                        {"generated", setting.zone.format_iso(r.generated_ms)},
                                        {"sha256", r.sha256},     {"bytes", r.bytes}}
                             .dump()
                      << '\n';
        }
        return kExitOk;
    }
    const Style style(stdout);
    TextTable table({"GENERATED", "BY", "KIND", "DAYS", "GATE", "FORMAT", "CHANNEL", "SHA-256"});
    for (const auto& r : records) {
        table.add_row({setting.zone.format(r.generated_ms, "%Y-%m-%d %H:%M"), r.actor, r.kind,
                       r.first_day == r.last_day ? r.first_day : r.first_day + ".." + r.last_day, r.gate.value_or("all"), r.format,
                       r.channel, r.sha256.substr(0, 16) + "…"});
    }
    table.print(std::cout, style);
    std::cout << style.dim(std::to_string(table.size()) + " report(s) about " + first.to_string() + ".." + last.to_string()) << '\n';
    return kExitOk;
}

void add_common(CLI::App& cmd, ReportArgs& a) {
    cmd.add_option("--config,-c", a.config,
                   std::string("Configuration: ledger, gateway.timezone, gates, thresholds, retention (default ") +
                       kDefaultConfigPath + ")");
    cmd.add_option("--ledger", a.ledger, "Ledger database file (default: ledger.path from the configuration)");
}

void add_output(CLI::App& cmd, ReportArgs& a) {
    cmd.add_option("--gate", a.gate, "Only this gate (default: every gate, each with its own figures, and the total)");
    cmd.add_option("--format", a.format,
                   "csv (UTF-8 with BOM, for Excel), html (printable on A4, with the hourly chart), json (for scripts) or "
                   "text (default on stdout; the --out file's extension otherwise)")
        ->check(CLI::IsMember({"text", "csv", "html", "json"}));
    cmd.add_option("--out,-o", a.out, "Write to this file (atomically: a temporary beside it, renamed) instead of stdout");
    cmd.add_option("--as", a.actor, "Who generates it, as recorded in the ledger (default: your login name)");
}

}  // namespace

void register_report_command(CLI::App& app) {
    auto* report = app.add_subcommand(
        "report",
        "The inspectors' daily ledger (台账): who was screened and let in, readings at or over the fever threshold\n"
        "with their re-check, denials, red and yellow codes, unchecked passes, offline minutes, an hourly chart,\n"
        "and the 零报告 / zero report line when no reading reached the threshold. Days are local days of\n"
        "gateway.timezone (the system's zone by default); the ledger keeps UTC. Every report generated is recorded\n"
        "in the ledger (who, when, which days, SHA-256 of the content): `gatehouse report log` lists them.\n"
        "Exit codes: 0 ok; 64 usage (unknown gate, a day in the future, bad dates); 65 corrupt ledger; 66 no ledger,\n"
        "or the day is past retention (the message says what was purged); 69 ledger unavailable or read-only\n"
        "(the report is not handed out unrecorded); 73 --out cannot be written; 78 invalid configuration.");
    report->require_subcommand(1);

    auto d = std::make_shared<ReportArgs>();
    auto* daily = report->add_subcommand(
        "daily",
        "One local day: per gate and in total.\n"
        "  gatehouse report daily                                   # today so far, as a table\n"
        "  gatehouse report daily --date yesterday --out day.html   # printable on A4\n"
        "  gatehouse report daily --date 2026-11-21 --gate north-1 --format csv --out north-1.csv");
    add_common(*daily, *d);
    daily->add_option("--date", d->date, "The local day: YYYY-MM-DD, today or yesterday")->capture_default_str();
    add_output(*daily, *d);
    daily->add_flag("--pseudonymise", d->pseudonymise,
                    "Name persons by their pseudonym ([privacy] site_secret_file), for a report that leaves the site");
    daily->callback([d] { finish(run_daily(*d)); });

    auto r = std::make_shared<ReportArgs>();
    auto* range = report->add_subcommand(
        "range",
        "Several local days, one row each (default: the 14 days up to today).\n"
        "  gatehouse report range --since 2026-11-08 --until 2026-11-21 --out fortnight.csv");
    add_common(*range, *r);
    range->add_option("--since", r->since, "First day, YYYY-MM-DD (default: 13 days before --until)");
    range->add_option("--until", r->until, "Last day, YYYY-MM-DD, today or yesterday")->capture_default_str();
    add_output(*range, *r);
    range->callback([r] { finish(run_range(*r)); });

    auto l = std::make_shared<ReportArgs>();
    auto* log = report->add_subcommand("log", "The reports generated about these days, from the ledger (who, when, hash)");
    add_common(*log, *l);
    log->add_option("--since", l->since, "First day, YYYY-MM-DD (default: 13 days before --until)");
    log->add_option("--until", l->until, "Last day, YYYY-MM-DD, today or yesterday")->capture_default_str();
    log->add_flag("--json", l->json, "One JSON object per line");
    log->callback([l] { finish(run_log(*l)); });
}

}  // namespace gatehouse::daemon::cli
