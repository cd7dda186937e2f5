#pragma once
// An HTTP server on 127.0.0.1 (cpp-httplib) that answers as the test tells it and records every request.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace gatehouse::test {

/// One request as the receiver saw it.
struct ReceivedRequest {
    std::string path;
    std::map<std::string, std::string> query;  ///< Decoded query parameters.
    httplib::Headers headers;
    std::string body;
    std::chrono::steady_clock::time_point received_at;
};

/// What to answer.
struct Answer {
    int status = 200;
    std::string body = "{}";
    std::map<std::string, std::string> headers;
};

/// Listens on a free 127.0.0.1 port; every POST is recorded and answered by `respond` (changeable at any
/// time). The destructor stops the server and joins its thread, also when a test fails.
class HttpReceiver {
public:
    using Responder = std::function<Answer(const ReceivedRequest&, std::size_t index)>;

    explicit HttpReceiver(Responder respond = [](const ReceivedRequest&, std::size_t) { return Answer{}; })
        : respond_(std::move(respond)) {
        server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
            ReceivedRequest r{req.path, {}, req.headers, req.body, std::chrono::steady_clock::now()};
            for (const auto& [key, value] : req.params) r.query[key] = value;
            Responder answerer;  // a copy: the test may change the responder while this request runs
            std::size_t index = 0;
            {
                std::lock_guard lock(mutex_);
                index = requests_.size();
                requests_.push_back(r);
                answerer = respond_;
            }
            const Answer answer = answerer(r, index);
            res.status = answer.status;
            for (const auto& [name, value] : answer.headers) res.set_header(name, value);
            res.set_content(answer.body, "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        if (port_ <= 0) throw std::runtime_error("HttpReceiver cannot bind 127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    ~HttpReceiver() {
        server_.stop();
        thread_.join();
    }
    HttpReceiver(const HttpReceiver&) = delete;
    HttpReceiver& operator=(const HttpReceiver&) = delete;

    void respond_with(Responder respond) {
        std::lock_guard lock(mutex_);
        respond_ = std::move(respond);
    }
    std::vector<ReceivedRequest> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::string url(const std::string& path = "/hook") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    int port() const { return port_; }

private:
    httplib::Server server_;
    int port_ = 0;
    std::mutex mutex_;
    Responder respond_;
    std::vector<ReceivedRequest> requests_;
    std::thread thread_;
};

}  // namespace gatehouse::test
