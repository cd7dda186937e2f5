// Report benchmark (issue 17): `gatehouse report daily` (the real command, as a process) on a ledger of
// 1,000,000 events over 14 local days, with the decisions, screenings and alerts of the people behind them,
// against a bare `SELECT count(*)` of the same day's events in the same run. Goal: under 2 s.
//
// Usage: report_bench [--events N] [--days D] [--runs R] [--dir DIR]; --help lists them
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"

using namespace gatehouse;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::int64_t events = 1'000'000;
    int days = 14;
    int runs = 5;
    bool reuse = false;
    std::filesystem::path dir = std::filesystem::temp_directory_path() / "gatehouse-report-bench";
};

Args parse(int argc, char** argv) {
    Args a;
    CLI::App app{"`gatehouse report daily` on a ledger of N events against a bare SELECT count(*) over the same day."};
    app.add_option("--events", a.events, "events in the ledger")->check(CLI::Range(std::int64_t{1000}, std::int64_t{100'000'000}))->capture_default_str();
    app.add_option("--days", a.days, "local days they span")->check(CLI::Range(1, 60))->capture_default_str();
    app.add_option("--runs", a.runs, "timed runs of each (the median is reported)")->check(CLI::Range(1, 100))->capture_default_str();
    app.add_option("--dir", a.dir, "directory for the ledger (replaced)")->capture_default_str();
    app.add_flag("--reuse", a.reuse, "keep the ledger an earlier run left in --dir (same --events and --days) instead of refilling it");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        std::exit(app.exit(e));
    }
    return a;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// A gate's day: each person presents a card and a health code (two events), is screened by the camera and
// decided; now and then a fever, an uncertain screening, a red code, a temperature event, an offline terminal.
void fill(storage::Ledger& ledger, const Args& a, std::int64_t first_ms) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> p(0, 1);
    const std::int64_t span = static_cast<std::int64_t>(a.days) * 86'400'000;
    const std::int64_t people = a.events / 2;
    const std::int64_t step = span / people;
    std::int64_t seq = 0, screening = 0, alert = 0;
    storage::LedgerBatch batch;
    storage::LedgerBatch closes;  // after their alerts: an action moves its alert's state
    auto flush = [&] {
        ledger.append(batch);
        ledger.append(closes);
        batch = {};
        closes = {};
    };
    for (std::int64_t i = 0; i < people; ++i) {
        const std::int64_t t = first_ms + i * step;
        const std::string gate = i % 3 == 0 ? "south-1" : "north-1";
        const std::string terminal = gate + "-card";
        const std::string person = "E" + std::to_string(10000 + i % 5000);
        batch.events.push_back({terminal, ++seq, gate, "credential", person, t, t + 3, false,
                                "{\"person\":\"" + person + "\",\"method\":\"card\"}"});
        const bool temperature_event = p(rng) < 0.02;
        batch.events.push_back({terminal, ++seq, gate, temperature_event ? "temperature" : "health_code", person, t + 100, t + 103, false,
                                temperature_event ? "{\"person\":\"" + person + "\",\"celsius\":36.8}"
                                                  : "{\"person\":\"" + person + "\",\"color\":\"green\"}"});
        storage::ScreeningRecord s;
        s.id = ++screening;
        s.camera = gate + "-cam";
        s.gate = gate;
        s.screened_ms = t + 50;
        s.threshold_celsius = 37.3;
        const double v = p(rng);
        s.verdict = v < 0.002 ? "elevated" : v < 0.05 ? "uncertain" : "normal";
        if (s.verdict != "uncertain") s.celsius = s.verdict == "elevated" ? 38.1 : 36.6;
        batch.screenings.push_back(s);
        storage::DecisionRecord d;
        d.request = "r" + std::to_string(i);
        d.terminal = terminal;
        d.gate = gate;
        d.person = person;
        d.method = "card";
        d.health_code = p(rng) < 0.01 ? "red" : "green";
        std::vector<std::string> reasons;
        if (*d.health_code == "red") reasons.push_back("health_code_red");
        if (s.verdict == "elevated") reasons.push_back("fever");
        if (s.verdict == "uncertain") reasons.push_back("screening_uncertain");
        d.grant = reasons.empty();
        d.reasons_json = nlohmann::json(reasons).dump();
        d.celsius = s.celsius;
        d.screening = s.id;
        d.decided_ms = t + 120;
        batch.decisions.push_back(d);
        if (s.verdict == "elevated" || !d.grant) {
            storage::AlertRecord al;
            al.id = ++alert;
            al.kind = s.verdict == "elevated" ? "fever" : "denied";
            al.severity = "critical";
            al.gate = gate;
            al.source = s.verdict == "elevated" ? s.camera : terminal;
            al.raised_ms = t + 121;
            al.person = person;
            al.text = al.kind;
            al.screening = s.id;
            al.request = d.request;
            batch.alerts.push_back(al);
            if (al.kind == "fever" && p(rng) < 0.8) {  // most fevers are re-checked and closed within minutes
                storage::AlertAction close{al.id, storage::AlertState::closed, "li.wei", "re-checked at the booth", t + 300'000};
                const bool normal = p(rng) < 0.6;
                close.disposition = normal ? storage::RecheckDisposition::recheck_normal : storage::RecheckDisposition::sent_to_clinic;
                close.recheck_celsius = normal ? 36.9 : 38.0;
                closes.alert_actions.push_back(close);
            }
        }
        if (batch.events.size() >= 20'000) flush();
    }
    flush();
}

// One run of the command: wall-clock seconds, and the CPU seconds (user + system) the process used.
struct RunTime {
    double wall = 0;
    double cpu = 0;
};

RunTime run_command(const std::filesystem::path& gatehouse, const std::vector<std::string>& args) {
    const auto start = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::vector<char*> argv;
        std::vector<std::string> storage{gatehouse.string()};
        storage.insert(storage.end(), args.begin(), args.end());
        for (auto& s : storage) argv.push_back(s.data());
        argv.push_back(nullptr);
        ::execv(gatehouse.c_str(), argv.data());
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "gatehouse failed (status %d)\n", status);
        std::exit(1);
    }
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return {seconds, secs(usage.ru_utime) + secs(usage.ru_stime)};
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    const auto gatehouse = std::filesystem::path(GATEHOUSE_BIN_DIR) / "gatehouse";
    const auto ledger_path = a.dir / "ledger.db";
    const bool refill = !(a.reuse && std::filesystem::exists(ledger_path));
    if (refill) std::filesystem::remove_all(a.dir);
    std::filesystem::create_directories(a.dir);
    const auto zone = *daemon::LocalTimeZone::find("Asia/Shanghai");
    const daemon::LocalDate today = zone.date_of(ipc::utc_now_ms());
    const daemon::LocalDate first = today.plus_days(-a.days);
    const daemon::LocalDate day = today.plus_days(-a.days / 2);  // a full day in the middle
    if (refill) {
        std::printf("filling %s: %lld events over %d local days (Asia/Shanghai) ...\n", ledger_path.c_str(),
                    static_cast<long long>(a.events), a.days);
        const auto fill_start = Clock::now();
        storage::Ledger ledger({ledger_path});
        fill(ledger, a, zone.day(first).start_ms);
        std::printf("filled in %.1f s\n", std::chrono::duration<double>(Clock::now() - fill_start).count());
    }
    const auto config = a.dir / "gatehouse.toml";
    std::ofstream(config) << "[gateway]\nid = \"bench-gw\"\ntimezone = \"Asia/Shanghai\"\n[ledger]\npath = \"" << ledger_path.string()
                          << "\"\n[retention]\nevents_days = 60\nscreenings_days = 60\ndecisions_days = 60\n"
                          << "[[gates]]\nid = \"north-1\"\n[[gates]]\nid = \"south-1\"\n";

    const auto bounds = zone.day(day);
    std::int64_t day_events = 0, ledger_events = 0;
    std::vector<double> reference;
    {
        SQLite::Database db(ledger_path.string(), SQLite::OPEN_READONLY);
        ledger_events = db.execAndGet("SELECT COUNT(*) FROM events").getInt64();
        for (int i = 0; i < a.runs; ++i) {
            const auto start = Clock::now();
            SQLite::Statement q(db, "SELECT COUNT(*) FROM events WHERE occurred_ms >= ? AND occurred_ms < ?");
            q.bind(1, bounds.start_ms);
            q.bind(2, bounds.end_ms);
            q.executeStep();
            day_events = q.getColumn(0).getInt64();
            reference.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        }
    }
    std::vector<double> report, report_cpu, start, start_cpu;
    for (int i = 0; i < a.runs; ++i) {
        const RunTime r = run_command(gatehouse, {"report", "daily", "--config", config.string(), "--date", day.to_string(), "--format",
                                                  "json", "--out", (a.dir / "day.json").string(), "--as", "bench"});
        report.push_back(r.wall);
        report_cpu.push_back(r.cpu);
        // The same binary doing nothing: what starting it costs (it loads OpenCV, ZeroMQ, libcurl, ...).
        const RunTime v = run_command(gatehouse, {"--version"});
        start.push_back(v.wall);
        start_cpu.push_back(v.cpu);
    }
    const auto json = nlohmann::json::parse(std::ifstream(a.dir / "day.json"));
    const double report_s = median(report), reference_s = median(reference);
    std::printf("ledger: %lld events (+ %lld decisions and screenings); day %s: %lld events, %lld screened, %lld at or over the threshold\n",
                static_cast<long long>(ledger_events), static_cast<long long>(a.events / 2), day.to_string().c_str(),
                static_cast<long long>(day_events), static_cast<long long>(json["total"]["screened"].get<std::int64_t>()),
                static_cast<long long>(json["total"]["fever"].get<std::int64_t>()));
    std::printf("gatehouse report daily (process, JSON to a file, recorded in the ledger): median %.3f s of %d runs (CPU %.3f s)\n",
                report_s, a.runs, median(report_cpu));
    std::printf("reference: SELECT count(*) of the day's events (in process):            median %.4f s\n", reference_s);
    std::printf("reference: gatehouse --version (starting the process):                  median %.3f s (CPU %.3f s)\n", median(start),
                median(start_cpu));
    double load[3] = {0, 0, 0};
    if (::getloadavg(load, 3) == 3) std::printf("load average %.1f %.1f %.1f on %ld cores\n", load[0], load[1], load[2], ::sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("ratio %.0fx; goal < 2 s: %s\n", report_s / reference_s, report_s < 2.0 ? "met" : "NOT met");
    return report_s < 2.0 ? 0 : 1;
}
