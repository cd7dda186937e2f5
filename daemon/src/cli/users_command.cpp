#include "users_command.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/web/user_accounts.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using web::Role;
using web::UserAccount;
using web::UsersFile;

struct UsersArgs {
    std::string users_file;
    std::string config;
    std::string name;
    std::string role;
    bool password_stdin = false;
    bool json = false;
};

// --users-file wins, else web.users_file of the configuration (--config, or the installed one when present), else
// the default path.
std::filesystem::path users_file(const UsersArgs& a) {
    if (!a.users_file.empty()) return a.users_file;
    std::error_code ignored;
    if (!a.config.empty() || std::filesystem::exists(kDefaultConfigPath, ignored)) {
        return load_config_file(a.config.empty() ? kDefaultConfigPath : a.config).web.users_file;
    }
    return web::WebConfig{}.users_file;
}

/// Restores the terminal's echo when the prompt ends, however it ends.
class EchoOff {
public:
    EchoOff() {
        if (::tcgetattr(STDIN_FILENO, &saved_) == 0) {
            termios quiet = saved_;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    ~EchoOff() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

std::string prompt(const std::string& text) {
    std::cerr << text << std::flush;
    std::string line;
    {
        EchoOff quiet;
        std::getline(std::cin, line);
    }
    std::cerr << '\n';
    return line;
}

// A new password: from the first line of standard input with --password-stdin, else asked twice on the terminal.
std::string new_password(const UsersArgs& a) {
    std::string password;
    if (a.password_stdin) {
        if (!std::getline(std::cin, password)) throw CLI::ValidationError("--password-stdin", "standard input is empty");
        if (!password.empty() && password.back() == '\r') password.pop_back();
    } else {
        if (!::isatty(STDIN_FILENO)) {
            throw CLI::ValidationError("password", "no terminal to ask on: give the password on standard input with --password-stdin");
        }
        password = prompt("New password for " + a.name + ": ");
        if (prompt("Again: ") != password) throw CLI::ValidationError("password", "the two passwords differ; nothing changed");
    }
    if (const auto why = web::check_new_password(password, a.name); !why.empty()) throw CLI::ValidationError("password", why);
    return password;
}

// A users file created by root goes to the daemon's group, readable by it and by no one else.
std::string save(const UsersFile& file, const std::filesystem::path& path) {
    std::error_code ignored;
    const bool existed = std::filesystem::exists(path, ignored);
    file.save(path);
    if (existed) return "";
    if (::geteuid() == 0) {
        if (const group* g = ::getgrnam("gatehouse"); g && ::chown(path.c_str(), 0, g->gr_gid) == 0 && ::chmod(path.c_str(), 0640) == 0) {
            return " (new file: root:gatehouse, mode 0640)";
        }
    }
    return " (new file, mode 0600: the daemon's user must be able to read it)";
}

void check_name(const std::string& name) {
    if (const auto why = web::check_user_name(name); !why.empty()) throw CLI::ValidationError("name", why);
}

void add(const UsersArgs& a) {
    check_name(a.name);
    const auto path = users_file(a);
    UsersFile file = UsersFile::load(path);
    if (file.find(a.name)) {
        throw std::runtime_error("account '" + a.name + "' exists in " + path.string() +
                                 "; change its password with `gatehouse users passwd`, its role with `set-role`");
    }
    const std::string password = new_password(a);
    file.put({a.name, *web::parse_role(a.role), web::hash_password(password)});
    const std::string note = save(file, path);
    std::cout << "added " << a.role << " '" << a.name << "' to " << path.string() << note << '\n';
}

void passwd(const UsersArgs& a) {
    const auto path = users_file(a);
    UsersFile file = UsersFile::load(path);
    const UserAccount* account = file.find(a.name);
    if (!account) throw std::runtime_error("no account '" + a.name + "' in " + path.string());
    UserAccount changed = *account;
    changed.password_hash = web::hash_password(new_password(a));
    file.put(std::move(changed));
    save(file, path);
    std::cout << "password of '" << a.name << "' changed; its open sessions end at their next request\n";
}

void set_role(const UsersArgs& a) {
    const auto path = users_file(a);
    UsersFile file = UsersFile::load(path);
    const UserAccount* account = file.find(a.name);
    if (!account) throw std::runtime_error("no account '" + a.name + "' in " + path.string());
    UserAccount changed = *account;
    changed.role = *web::parse_role(a.role);
    file.put(std::move(changed));
    save(file, path);
    std::cout << "'" << a.name << "' is now " << a.role << " (also in its open sessions)\n";
}

void remove(const UsersArgs& a) {
    const auto path = users_file(a);
    UsersFile file = UsersFile::load(path);
    if (!file.remove(a.name)) throw std::runtime_error("no account '" + a.name + "' in " + path.string());
    save(file, path);
    std::cout << "removed '" << a.name << "'; its open sessions end at their next request\n";
}

void list(const UsersArgs& a) {
    const auto path = users_file(a);
    const UsersFile file = UsersFile::load(path);
    if (a.json) {
        for (const auto& u : file.accounts()) std::cout << nlohmann::json{{"name", u.name}, {"role", web::to_string(u.role)}}.dump() << '\n';
        return;
    }
    const Style style(stdout);
    TextTable table({"NAME", "ROLE"});
    for (const auto& u : file.accounts()) table.add_row({u.name, web::to_string(u.role)});
    table.print(std::cout, style);
    std::cout << style.dim(std::to_string(table.size()) + " account" + (table.size() == 1 ? "" : "s") + " in " + path.string()) << '\n';
}

void add_location_options(CLI::App& cmd, UsersArgs& a) {
    cmd.add_option("--users-file,-f", a.users_file, "The users file (default: web.users_file of the configuration)");
    cmd.add_option("--config,-c", a.config, std::string("Configuration naming the users file (default ") + kDefaultConfigPath + ")");
}

}  // namespace

void register_users_command(CLI::App& app) {
    auto* users = app.add_subcommand(
        "users", "Manage the web console's accounts (roles viewer, guard, admin; passwords as argon2id hashes)");
    users->require_subcommand(1);
    const auto roles = CLI::IsMember({"viewer", "guard", "admin"});

    auto add_args = std::make_shared<UsersArgs>();
    auto* add_cmd = users->add_subcommand("add", "Add an account: asks for its password twice (or --password-stdin)");
    add_cmd->add_option("name", add_args->name, "Account name (1-64 of a-z A-Z 0-9 . _ - @)")->required();
    add_cmd->add_option("--role,-r", add_args->role, "viewer: sees; guard: also acknowledges and closes alerts; admin: also lists and health")
        ->required()
        ->check(roles);
    add_cmd->add_flag("--password-stdin", add_args->password_stdin, "Read the password from the first line of standard input");
    add_location_options(*add_cmd, *add_args);
    add_cmd->callback([add_args] { add(*add_args); });

    auto pw_args = std::make_shared<UsersArgs>();
    auto* pw_cmd = users->add_subcommand("passwd", "Set an account's password (its open sessions end)");
    pw_cmd->add_option("name", pw_args->name, "Account name")->required();
    pw_cmd->add_flag("--password-stdin", pw_args->password_stdin, "Read the password from the first line of standard input");
    add_location_options(*pw_cmd, *pw_args);
    pw_cmd->callback([pw_args] { passwd(*pw_args); });

    auto role_args = std::make_shared<UsersArgs>();
    auto* role_cmd = users->add_subcommand("set-role", "Change an account's role");
    role_cmd->add_option("name", role_args->name, "Account name")->required();
    role_cmd->add_option("role", role_args->role, "viewer, guard or admin")->required()->check(roles);
    add_location_options(*role_cmd, *role_args);
    role_cmd->callback([role_args] { set_role(*role_args); });

    auto rm_args = std::make_shared<UsersArgs>();
    auto* rm_cmd = users->add_subcommand("remove", "Remove an account (its open sessions end)");
    rm_cmd->add_option("name", rm_args->name, "Account name")->required();
    add_location_options(*rm_cmd, *rm_args);
    rm_cmd->callback([rm_args] { remove(*rm_args); });

    auto list_args = std::make_shared<UsersArgs>();
    auto* list_cmd = users->add_subcommand("list", "List the accounts and their roles");
    list_cmd->add_flag("--json", list_args->json, "One JSON object per line");
    add_location_options(*list_cmd, *list_args);
    list_cmd->callback([list_args] { list(*list_args); });
}

}  // namespace gatehouse::daemon::cli
