#pragma once
// The web console's pages, styles and scripts (web/), built into the binary (cmake/embed_web_assets.cmake).
#include <string_view>
#include <vector>

namespace gatehouse::daemon::web {

/// One file of web/, served at `path`.
struct StaticAsset {
    std::string_view path;          ///< "/index.html", "/app.js", ...
    std::string_view content_type;
    std::string_view bytes;
};

/// Every file of web/ (generated source).
const std::vector<StaticAsset>& static_assets();

}  // namespace gatehouse::daemon::web
