#pragma once
// `[[adapters]]`: HTTP listeners that let vendor terminals (Hikvision ISAPI, ZKTeco ADMS push) feed the gateway
// like native terminals (docs/adapters.md).
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace gatehouse::daemon::adapters {

/// Which vendor protocol an adapter speaks.
enum class AdapterKind { hikvision, zkteco };
const char* to_string(AdapterKind kind);

/// One vendor device the adapter accepts, and the configured terminal ([[terminals]]) it speaks for; the gate
/// is that terminal's.
struct AdapterDevice {
    /// ZKTeco: the SN the device sends (`?SN=`). Hikvision: the device's serial, which names it in the URL it
    /// posts to (`/hikvision/SERIAL`, set as the HTTP host's URL on the device).
    std::string serial;
    std::string terminal;  ///< A terminal id of [[terminals]].
    /// Source addresses the device may post from (exact IPv4/IPv6 text); empty: any address.
    std::vector<std::string> allowed_addresses;
    /// Hikvision: the device's own ISAPI address ("http://10.0.0.31", optionally with a port) that remote-check
    /// answers and event-log searches go to; empty: http://SOURCE-ADDRESS of its posts.
    std::string isapi_url;
    /// Hikvision: the device account from `credentials_file` ("user:password", mode 0600). When set, the device's
    /// posts must carry digest authentication with it (else 401, nothing stored), and gatehouse's calls to the
    /// device (remote-check answers, event-log searches) authenticate with it.
    std::string digest_user;
    std::string digest_password;
    bool operator==(const AdapterDevice&) const = default;
};

/// One adapter: a listener of one kind and the devices it accepts.
struct AdapterConfig {
    std::string id;  ///< Names the adapter in logs and status.
    AdapterKind kind = AdapterKind::hikvision;
    std::string listen;  ///< HOST:PORT the HTTP listener binds (port 0: one the OS picks).
    std::vector<AdapterDevice> devices;
    std::size_t max_body_bytes = 2 * 1024 * 1024;  ///< Largest request body; larger: 413, nothing stored.
    std::size_t max_part_bytes = 1024 * 1024;      ///< Largest multipart part (a picture); larger: 413.
    /// Hikvision remote verification: the device waits about 1.5 s; gatehouse answers within this budget,
    /// counted from the arrival of the device's request, with its decision or, failing that, the gate's fallback.
    std::chrono::milliseconds remote_check_budget{1300};
    bool operator==(const AdapterConfig&) const = default;

    /// The device with this serial, if listed.
    const AdapterDevice* find_serial(const std::string& serial) const;
};

/// Reads and checks `[[adapters]]` (throws ConfigError naming FILE:LINE:COLUMN and the key). `terminals` are the
/// ids of [[terminals]]; a device must name one of them, and no two devices the same one.
std::vector<AdapterConfig> read_adapters_config(const toml::array& adapters, const std::string& source,
                                                const std::vector<std::string>& terminals);

}  // namespace gatehouse::daemon::adapters
