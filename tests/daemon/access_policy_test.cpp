#include <catch2/catch.hpp>

#include "gatehouse/daemon/access_policy.hpp"

using namespace gatehouse;
using daemon::AccessFacts;
using daemon::decide_access;
using daemon::GatePolicy;

namespace {

using ipc::HealthCodeColor;

ipc::AccessRequest request(std::optional<HealthCodeColor> code = HealthCodeColor::green,
                           std::optional<double> celsius = 36.5) {
    return {"t1", "r1", "E1", ipc::CredentialMethod::card, code, celsius};
}

daemon::AccessOutcome decide(const GatePolicy& p, const ipc::AccessRequest& r,
                             std::optional<storage::PersonListEntry> allow = std::nullopt,
                             std::optional<storage::PersonListEntry> deny = std::nullopt, std::int64_t now = 1000) {
    AccessFacts f;
    f.request = &r;
    f.allow_entry = std::move(allow);
    f.deny_entry = std::move(deny);
    f.celsius = r.celsius;
    f.now_ms = now;
    return decide_access(p, f);
}

storage::PersonListEntry listed(std::optional<std::int64_t> from = {}, std::optional<std::int64_t> until = {}) {
    return {storage::PersonListKind::allow, "E1", "", from, until, ""};
}

}  // namespace

TEST_CASE("a healthy person with a green code and normal temperature passes", "[daemon][policy]") {
    const auto out = decide(GatePolicy{}, request());
    CHECK(out.grant);
    CHECK(out.reasons.empty());
    CHECK(out.display_zh == "体温正常，请通行");
    CHECK(out.display_en == "Temperature normal, please pass");
}

TEST_CASE("each finding denies with its reason and text", "[daemon][policy]") {
    GatePolicy p;
    p.require_list = true;
    struct Case {
        ipc::AccessRequest r;
        std::optional<storage::PersonListEntry> allow, deny;
        std::vector<std::string> reasons;
        std::string en;
    };
    const std::vector<Case> cases = {
        {request(HealthCodeColor::green, 37.3), listed(), {}, {"fever"}, "Elevated temperature, please wait for a re-check"},
        {request(HealthCodeColor::red), listed(), {}, {"health_code_red"}, "Red health code, entry denied"},
        {request(HealthCodeColor::yellow), listed(), {}, {"health_code_yellow"}, "Yellow health code, entry denied"},
        {request(), {}, {}, {"not_on_list"}, "Not on the approved list, entry denied"},
        {request(), listed(2000), {}, {"list_expired"}, "Approval has expired, entry denied"},
        {request(), listed({}, 999), {}, {"list_expired"}, "Approval has expired, entry denied"},
        {request(), listed(), storage::PersonListEntry{storage::PersonListKind::deny, "E1", "", {}, {}, ""}, {"on_deny_list"},
         "Entry denied, please contact security"},
        {request(HealthCodeColor::red, 38.0), {}, {}, {"not_on_list", "health_code_red", "fever"}, "Not on the approved list, entry denied"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.reasons);
        const auto out = decide(p, c.r, c.allow, c.deny);
        CHECK_FALSE(out.grant);
        CHECK(out.reasons == c.reasons);
        CHECK(out.display_en == c.en);
        CHECK_FALSE(out.display_zh.empty());
    }
}

TEST_CASE("a missing reading or code follows the unavailable-check policy", "[daemon][policy]") {
    GatePolicy secure;
    const auto denied = decide(secure, request(std::nullopt, std::nullopt));
    CHECK_FALSE(denied.grant);
    CHECK(denied.reasons == std::vector<std::string>{"no_health_code", "no_screening"});
    CHECK_FALSE(denied.alert);

    GatePolicy lenient;
    lenient.allow_when_unavailable = true;
    const auto allowed = decide(lenient, request(HealthCodeColor::green, std::nullopt));
    CHECK(allowed.grant);
    CHECK(allowed.alert);
    CHECK(allowed.reasons == std::vector<std::string>{"no_screening"});
    CHECK(allowed.display_en == "Verified, please pass");
    // Allow-and-alert never overrides a real finding.
    CHECK_FALSE(decide(lenient, request(HealthCodeColor::red, std::nullopt)).grant);

    GatePolicy nothing_required;
    nothing_required.require_temperature = false;
    nothing_required.require_health_code = false;
    CHECK(decide(nothing_required, request(std::nullopt, std::nullopt)).grant);
}

TEST_CASE("the threshold is per gate", "[daemon][policy]") {
    GatePolicy p;
    p.fever_threshold = 37.8;
    CHECK(decide(p, request(HealthCodeColor::green, 37.5)).grant);
    CHECK_FALSE(decide(p, request(HealthCodeColor::green, 37.8)).grant);
}
