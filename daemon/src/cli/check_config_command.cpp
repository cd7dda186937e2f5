#include "check_config_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <memory>
#include <utility>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "service_user_access.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {

namespace {

// The service user's view: the secrets and certificates it reads at start-up and the ledger's directory it writes.
std::vector<AccessProblem> service_user_problems(const GatewayConfig& c, const ServiceUser& user) {
    std::vector<AccessProblem> problems;
    auto readable = [&](const std::string& key, const std::optional<std::filesystem::path>& file) {
        if (!file || file->empty()) return;
        if (auto p = check_readable(user, key, *file)) problems.push_back(std::move(*p));
    };
    readable("security.secret_key_file", c.security.secret_key_file);
    if (c.privacy.pseudonymise_upstream) readable("privacy.site_secret_file", c.privacy.site_secret_file);
    if (c.web.enabled()) {
        readable("web.tls_certificate_file", c.web.tls_certificate_file);
        readable("web.tls_key_file", c.web.tls_key_file);
        readable("web.users_file", c.web.users_file);
    }
    for (std::size_t i = 0; i < c.forwarding.sinks.size(); ++i) {
        const auto& sink = c.forwarding.sinks[i];
        const auto& m = sink.mqtt;
        const std::string key = "forwarding.sinks[" + std::to_string(i) + "].";
        const std::pair<const char*, const std::string*> files[] = {{"ca_file", &m.ca_file},
                                                                    {"cert_file", &m.cert_file},
                                                                    {"key_file", &m.key_file},
                                                                    {"password_file", &m.password_file},
                                                                    {"secret_file", &sink.chat.secret_file}};
        for (const auto& [name, file] : files) {
            if (!file->empty()) readable(key + name, std::filesystem::path(*file));
        }
    }
    if (c.ledger_path.has_parent_path()) {
        if (auto p = check_writable_directory(user, "ledger.path", c.ledger_path.parent_path())) problems.push_back(std::move(*p));
    }
    return problems;
}

}  // namespace

void register_check_config_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto as_user = std::make_shared<std::string>(kServiceUser);
    auto* cmd = app.add_subcommand("check-config", "Validate a configuration file without starting the daemon");
    cmd->add_option("file", *path, "Configuration file")->required();
    cmd->add_option("--as-user", *as_user,
                    std::string("The user the service runs as (the unit's User=, default ") + kServiceUser +
                        "): checks that it can read the keys, secrets and certificates and write the ledger's directory");
    cmd->callback([path, as_user] {
        GatewayConfig c;
        std::string key_note;
        try {
            c = load_config_file(*path);
            check_transport_security(c);
            if (const auto& key = c.security.secret_key_file) {
                // The key belongs to the service user; another user can check everything but the key itself.
                if (::access(key->c_str(), R_OK) != 0 && errno == EACCES) {
                    key_note = "; secret key " + key->string() + " not readable by this user (not checked)";
                } else {
                    key_note = "; CURVE server key " + ipc::load_secret_key_file(*key).public_key;
                }
            } else if (c.security.insecure_plaintext) {
                key_note = "; WARNING: insecure_plaintext (TCP without CURVE)";
            }
        } catch (const ConfigError& e) {
            std::cerr << e.what() << '\n';
            finish(kExitConfig);
        } catch (const ipc::CurveKeyError& e) {
            std::cerr << *path << ": security.secret_key_file: " << e.what() << '\n';
            finish(kExitConfig);
        }
        std::string user_note;
        if (const auto user = ServiceUser::find(*as_user)) {
            const auto problems = service_user_problems(c, *user);
            for (const auto& p : problems) std::cerr << *path << ": " << p.what << "\n  fix: " << p.fix << '\n';
            if (!problems.empty()) finish(kExitConfig);
            user_note = "; readable and writable by the service user " + *as_user;
        } else {
            user_note = "; user " + *as_user + " does not exist here: what the service can read was not checked (--as-user)";
        }
        const Style style(stdout);
        std::cout << style.green("ok") << ": " << *path << ": gateway '" << c.gateway_id << "', " << c.gates.size()
                  << " gate(s), " << c.cameras.size() << " camera(s), " << c.terminals.size() << " terminal(s); terminals on " << c.terminal_endpoint
                  << ", ledger " << c.ledger_path.string() << ", time zone " << c.time_zone().name()
                  << (c.timezone.empty() ? " (the system's)" : "") << key_note << user_note << '\n';
    });
}

}  // namespace gatehouse::daemon::cli
