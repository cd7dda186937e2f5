#pragma once
// Simulated vendor devices for the tests: they post what a Hikvision terminal (ISAPI event push) or a ZKTeco device
// (ADMS push) posts, over real HTTP on 127.0.0.1, with cpp-httplib's client.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "adapter_fixtures.hpp"

namespace gatehouse::test {

/// A Hikvision face terminal configured with http://127.0.0.1:PORT/hikvision/SERIAL as its listening host.
class SimulatedHikvision {
public:
    SimulatedHikvision(int port, std::string serial) : client_("127.0.0.1", port), serial_(std::move(serial)) {
        client_.set_connection_timeout(5, 0);
        client_.set_read_timeout(15, 0);
    }
    httplib::Result post_json(const std::string& json) {
        return client_.Post(("/hikvision/" + serial_).c_str(), json, "application/json");
    }
    /// The JSON part and, when given, a thermal picture, as multipart/form-data.
    httplib::Result post_multipart(const std::string& json, const std::string& thermal_jpeg = {}) {
        httplib::MultipartFormDataItems items{{"AccessControllerEvent", json, "", "application/json"}};
        if (!thermal_jpeg.empty()) items.push_back({"thermalPicture", thermal_jpeg, "thermalPicture.jpg", "image/jpeg"});
        return client_.Post(("/hikvision/" + serial_).c_str(), items);
    }
    httplib::Client& client() { return client_; }

private:
    httplib::Client client_;
    std::string serial_;
};

/// The device's own ISAPI server (what gatehouse calls): it takes remote-check answers
/// (PUT /ISAPI/AccessControl/remoteCheck) and remembers each with the moment it arrived (steady clock).
class SimulatedHikvisionIsapi {
public:
    struct RemoteCheck {
        std::string body;
        std::chrono::steady_clock::time_point arrived;
    };

    SimulatedHikvisionIsapi() {
        server_.Put("/ISAPI/AccessControl/remoteCheck", [this](const httplib::Request& req, httplib::Response& res) {
            {
                std::lock_guard lock(mutex_);
                checks_.push_back({req.body, std::chrono::steady_clock::now()});
            }
            res.set_content(R"({"statusCode":1,"statusString":"OK","subStatusCode":"ok"})", "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        if (port_ <= 0) throw std::runtime_error("simulated ISAPI server cannot bind");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::yield();
    }
    ~SimulatedHikvisionIsapi() {
        server_.stop();
        thread_.join();
    }
    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<RemoteCheck> remote_checks() {
        std::lock_guard lock(mutex_);
        return checks_;
    }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<RemoteCheck> checks_;
};

/// A ZKTeco device in ADMS push mode pointed at http://127.0.0.1:PORT.
class SimulatedZkteco {
public:
    SimulatedZkteco(int port, std::string serial) : client_("127.0.0.1", port), serial_(std::move(serial)) {
        client_.set_connection_timeout(5, 0);
        client_.set_read_timeout(15, 0);
    }
    httplib::Result handshake() { return client_.Get(("/iclock/cdata?SN=" + serial_ + "&options=all&pushver=2.4.1").c_str()); }
    httplib::Result upload(const std::string& table, const std::string& body) {
        return client_.Post(("/iclock/cdata?SN=" + serial_ + "&table=" + table + "&Stamp=9999").c_str(), body, "text/plain");
    }
    httplib::Result poll() { return client_.Get(("/iclock/getrequest?SN=" + serial_).c_str()); }

private:
    httplib::Client client_;
    std::string serial_;
};

}  // namespace gatehouse::test
