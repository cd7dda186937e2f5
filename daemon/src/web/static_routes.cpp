// The console's own files: served only from the set built into the binary, so no request path ever reaches the
// filesystem.
#include <functional>

#include "web/static_assets.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

std::string etag_of(std::string_view bytes) {
    return "\"" + std::to_string(std::hash<std::string_view>{}(bytes)) + "-" + std::to_string(bytes.size()) + "\"";
}

httplib::Server::Handler serve(const StaticAsset& asset) {
    return [&asset, etag = etag_of(asset.bytes)](const httplib::Request& req, httplib::Response& res) {
        res.set_header("ETag", etag);
        // Revalidated on every load: an upgraded daemon serves its own console at once.
        res.set_header("Cache-Control", "no-cache");
        if (req.get_header_value("If-None-Match") == etag) {
            res.status = 304;
            return;
        }
        res.set_content(asset.bytes.data(), asset.bytes.size(), std::string(asset.content_type));
    };
}

// Route patterns are regular expressions: "/app.js" must not also match "/appXjs".
std::string exact(std::string_view path) {
    std::string pattern;
    for (char c : path) {
        if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) pattern += '\\';
        pattern += c;
    }
    return pattern;
}

}  // namespace

void add_static_routes(httplib::Server& server) {
    for (const StaticAsset& asset : static_assets()) {
        server.Get(exact(asset.path), serve(asset));
        if (asset.path == "/index.html") server.Get("/", serve(asset));
    }
}

}  // namespace gatehouse::daemon::web
