#include "web/web_ledger.hpp"

namespace gatehouse::daemon::web {

WebLedger::WebLedger(const std::filesystem::path& path, std::size_t readers)
    : path_(path), writer_(storage::LedgerOptions{path}) {
    for (std::size_t i = 0; i < std::max<std::size_t>(readers, 1); ++i) {
        storage::LedgerOptions options{path};
        options.read_only = true;
        idle_.push_back(std::make_unique<storage::Ledger>(options));
    }
}

}  // namespace gatehouse::daemon::web
