#pragma once
// Simulated vendor devices for the tests: they post what a Hikvision terminal (ISAPI event push) or a ZKTeco device
// (ADMS push) posts, over real HTTP on 127.0.0.1, with cpp-httplib's client.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "adapter_fixtures.hpp"

namespace gatehouse::test {

/// A Hikvision face terminal configured with http://127.0.0.1:PORT/hikvision/SERIAL as its listening host.
class SimulatedHikvision {
public:
    SimulatedHikvision(int port, std::string serial) : client_("127.0.0.1", port), serial_(std::move(serial)), port_(port) {
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
    /// Posts JSON with digest authentication (libcurl answers the adapter's challenge); the final HTTP status, or
    /// 0 when no answer came.
    long post_json_digest(const std::string& json, const std::string& user, const std::string& password) {
        CURL* curl = curl_easy_init();
        if (!curl) return 0;
        const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/hikvision/" + serial_;
        curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_DIGEST);
        curl_easy_setopt(curl, CURLOPT_USERNAME, user.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 15L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t count, void*) { return size * count; });
        long status = 0;
        if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
        return status;
    }
    httplib::Client& client() { return client_; }

private:
    httplib::Client client_;
    std::string serial_;
    int port_;
};

/// MD5 hex, for the simulated device's own digest check (written from RFC 7616, independently of the daemon's).
inline std::string test_md5_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr);
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xf];
    }
    return out;
}

/// The device's own ISAPI server (what gatehouse calls): it takes remote-check answers
/// (PUT /ISAPI/AccessControl/remoteCheck) and remembers each with the moment it arrived (steady clock), and, when
/// given an account, serves its event log (POST /ISAPI/AccessControl/AcsEvent?format=json) only with digest
/// authentication, paged by searchResultPosition and maxResults.
class SimulatedHikvisionIsapi {
public:
    struct RemoteCheck {
        std::string body;
        std::chrono::steady_clock::time_point arrived;
    };

    SimulatedHikvisionIsapi(std::string user = "", std::string password = "") : user_(std::move(user)), password_(std::move(password)) {
        server_.Post("/ISAPI/AccessControl/AcsEvent", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            if (!authenticated(req)) {
                ++unauthenticated_;
                res.status = 401;
                res.set_header("WWW-Authenticate", "Digest realm=\"DS-K1T671\", qop=\"auth\", nonce=\"" + nonce_ + "\"");
                return;
            }
            const auto cond = nlohmann::json::parse(req.body).at("AcsEventCond");
            searches_.push_back(cond);
            const auto position = cond.at("searchResultPosition").get<std::size_t>();
            const auto max = cond.at("maxResults").get<std::size_t>();
            nlohmann::json list = nlohmann::json::array();
            for (std::size_t i = position; i < log_.size() && i < position + max; ++i) list.push_back(log_[i]);
            const bool more = position + list.size() < log_.size();
            res.set_content(nlohmann::json{{"AcsEvent", {{"searchID", cond.at("searchID")}, {"totalMatches", log_.size()},
                                                         {"responseStatusStrg", more ? "MORE" : (list.empty() ? "NO MATCH" : "OK")},
                                                         {"numOfMatches", list.size()}, {"InfoList", list}}}}
                                .dump(),
                            "application/json");
        });
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
    /// Adds a record to the device's event log (as the search returns it: major, minor, time, serialNo, ...).
    void log_event(nlohmann::json record) {
        std::lock_guard lock(mutex_);
        log_.push_back(std::move(record));
    }
    std::vector<nlohmann::json> searches() {
        std::lock_guard lock(mutex_);
        return searches_;
    }
    int unauthenticated() {
        std::lock_guard lock(mutex_);
        return unauthenticated_;
    }

private:
    bool authenticated(const httplib::Request& req) const {
        const std::string h = req.get_header_value("Authorization");
        if (user_.empty() || h.rfind("Digest ", 0) != 0) return false;
        auto param = [&](const std::string& key) {
            const auto at = h.find(" " + key + "=");  // " nonce=" is not " cnonce="
            if (at == std::string::npos) return std::string();
            std::size_t from = at + key.size() + 2;
            const bool quoted = from < h.size() && h[from] == '"';
            if (quoted) ++from;
            const auto end = h.find(quoted ? '"' : ',', from);
            return h.substr(from, end == std::string::npos ? std::string::npos : end - from);
        };
        const std::string ha1 = test_md5_hex(user_ + ":" + param("realm") + ":" + password_);
        const std::string ha2 = test_md5_hex(req.method + ":" + param("uri"));
        const std::string expected = test_md5_hex(ha1 + ":" + param("nonce") + ":" + param("nc") + ":" + param("cnonce") +
                                                  ":" + param("qop") + ":" + ha2);
        return param("username") == user_ && param("nonce") == nonce_ && param("uri") == req.target &&
               param("response") == expected;
    }

    std::string user_;
    std::string password_;
    std::string nonce_ = "5f2b8a9c0d1e4f3a";
    std::vector<nlohmann::json> log_;
    std::vector<nlohmann::json> searches_;
    int unauthenticated_ = 0;
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
