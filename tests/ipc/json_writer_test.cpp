#include <catch2/catch.hpp>

#include <limits>

#include <nlohmann/json.hpp>

#include "gatehouse/ipc/json_writer.hpp"

using gatehouse::ipc::JsonObjectWriter;
using nlohmann::json;

TEST_CASE("objects are written member by member and read back equal", "[ipc][json]") {
    const std::string text = JsonObjectWriter()
                                 .text("s", "quote \" backslash \\ tab \t nul " + std::string(1, '\0') + " 温度")
                                 .integer("i", -9007199254740993)
                                 .number("d", 37.0)
                                 .number("e", 1e308)
                                 .boolean("b", true)
                                 .null("n")
                                 .raw("r", R"({"k":[1,2]})")
                                 .text_array("a", {"x", "y"})
                                 .optional_text("ot", std::nullopt)
                                 .optional_number("on", 36.6)
                                 .finish();
    const json j = json::parse(text);
    CHECK(j["s"] == "quote \" backslash \\ tab \t nul " + std::string(1, '\0') + " 温度");
    CHECK(j["i"] == -9007199254740993);
    CHECK(j["d"].is_number_float());
    CHECK(j["d"] == 37.0);
    CHECK(j["e"] == 1e308);
    CHECK(j["b"] == true);
    CHECK(j["n"].is_null());
    CHECK(j["r"]["k"] == json{1, 2});
    CHECK(j["a"] == json{"x", "y"});
    CHECK(j["ot"].is_null());
    CHECK(j["on"] == 36.6);
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD, non-finite numbers null", "[ipc][json]") {
    const std::string text = JsonObjectWriter()
                                 .text("bad", "a\xff\xfe" "b\xed\xa0\x80" "c\xc0\xaf")
                                 .number("nan", std::numeric_limits<double>::quiet_NaN())
                                 .number("inf", std::numeric_limits<double>::infinity())
                                 .finish();
    const json j = json::parse(text);  // throws if the writer produced invalid JSON
    CHECK(j["bad"] == "a\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(j["nan"].is_null());
    CHECK(j["inf"].is_null());
    CHECK(JsonObjectWriter().finish() == "{}");
}
