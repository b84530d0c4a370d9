#include "profiles/tabs/json_body.h"


namespace purchase::profiles::tabs {

http::HttpReply Invalid(const ErrorReplies& errors, std::string_view field, std::string_view message) {
  return errors.Reply("REQUEST_VALIDATION_FAILED", message, 0, field);
}

std::optional<std::string> UnknownMember(const rapidjson::Value& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& m : object.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) return std::string(name);
  }
  return std::nullopt;
}

}  // namespace purchase::profiles::tabs
