#include "gatehouse/daemon/access_policy.hpp"

#include <array>

namespace gatehouse::daemon {
namespace {

struct DisplayText {
    const char* reason;
    const char* zh;
    const char* en;
};

// The first deny reason found picks the text; the order is the order of checks below.
constexpr std::array<DisplayText, 10> kTexts = {{
    {"on_deny_list", "禁止通行，请联系安保人员", "Entry denied, please contact security"},
    {"not_on_list", "未在白名单内，禁止通行", "Not on the approved list, entry denied"},
    {"list_expired", "通行授权已过期，禁止通行", "Approval has expired, entry denied"},
    {"health_code_red", "健康码红码，禁止通行", "Red health code, entry denied"},
    {"health_code_yellow", "健康码黄码，禁止通行", "Yellow health code, entry denied"},
    {"no_health_code", "请出示健康码", "Please show your health code"},
    {"fever", "体温异常，请稍候复测", "Elevated temperature, please wait for a re-check"},
    {"no_screening", "未完成体温检测，请重新测温", "No temperature reading, please step up to the camera"},
    {"screening_uncertain", "测温未成功，请摘下眼镜或帽子后重新测温", "Temperature not measured, please remove glasses or hat and retry"},
    {"camera_fault", "测温设备故障，请联系工作人员", "Temperature camera out of order, please contact staff"},
}};

}  // namespace

AccessOutcome decide_access(const GatePolicy& policy, const AccessFacts& facts) {
    AccessOutcome out;
    std::vector<std::string> unavailable;  // required checks that could not be made
    const ipc::AccessRequest& r = *facts.request;

    if (facts.deny_entry) out.reasons.push_back("on_deny_list");
    if (policy.require_list) {
        const auto& a = facts.allow_entry;
        if (!a) {
            out.reasons.push_back("not_on_list");
        } else if ((a->valid_from_ms && facts.now_ms < *a->valid_from_ms) ||
                   (a->valid_until_ms && facts.now_ms > *a->valid_until_ms)) {
            out.reasons.push_back("list_expired");
        }
    }
    // A red or yellow code stops a person whatever the policy requires: it was presented.
    if (r.health_code == ipc::HealthCodeColor::red) out.reasons.push_back("health_code_red");
    if (r.health_code == ipc::HealthCodeColor::yellow) out.reasons.push_back("health_code_yellow");
    if (policy.require_health_code && !r.health_code) unavailable.push_back("no_health_code");
    const bool fever = facts.fever_flagged || (facts.celsius && *facts.celsius >= policy.fever_threshold);
    if (fever) out.reasons.push_back("fever");
    if (policy.require_temperature && !facts.celsius && !fever) unavailable.push_back(facts.temperature_unavailable);

    if (policy.allow_when_unavailable) {
        out.alert = !unavailable.empty();
        out.grant = out.reasons.empty();
        out.reasons.insert(out.reasons.end(), unavailable.begin(), unavailable.end());
    } else {
        out.reasons.insert(out.reasons.end(), unavailable.begin(), unavailable.end());
        out.grant = out.reasons.empty();
    }

    if (out.grant) {
        out.display_zh = facts.celsius ? "体温正常，请通行" : "验证通过，请通行";
        out.display_en = facts.celsius ? "Temperature normal, please pass" : "Verified, please pass";
        return out;
    }
    for (const auto& t : kTexts) {
        for (const auto& reason : out.reasons) {
            if (reason == t.reason) {
                out.display_zh = t.zh;
                out.display_en = t.en;
                return out;
            }
        }
    }
    out.display_zh = "禁止通行";
    out.display_en = "Entry denied";
    return out;
}

}  // namespace gatehouse::daemon
