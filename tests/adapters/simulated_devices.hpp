#pragma once
// Simulated vendor devices for the tests: they post what a Hikvision terminal (ISAPI event push) or a ZKTeco device
// (ADMS push) posts, over real HTTP on 127.0.0.1, with cpp-httplib's client.
#include <memory>
#include <string>

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
