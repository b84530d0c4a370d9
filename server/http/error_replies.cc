#include "http/error_replies.h"

#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"  // SpecError
#include "core/yaml_document.h"
#include "http/valid_text.h"

namespace purchase::http {

ErrorReplies ErrorReplies::Parse(std::string_view yaml_text, std::string_view source) {
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  const YAML::Node errors = root["errors"];
  if (!errors || !errors.IsMap()) throw SpecErrorAt(source, root, "'errors' must be a map of error codes");
  ErrorReplies out;
  for (const auto& entry : errors) {
    const std::string code = entry.first.Scalar();
    const YAML::Node status = entry.second["status"];
    int value = -1;
    try {
      if (status && status.IsScalar()) value = std::stoi(status.Scalar());
    } catch (const std::exception&) {
    }
    if (value != 0 && (value < 400 || value > 599))
      throw SpecErrorAt(source, status ? status : entry.second,
                        "error " + code + ": 'status' must be an HTTP error status (or 0: the rule's own)");
    if (!out.statuses_.emplace(code, value).second)
      throw SpecErrorAt(source, entry.first, "error " + code + " is listed twice");
  }
  return out;
}

HttpReply ErrorReplies::Reply(std::string_view code, std::string_view message, int status,
                              std::optional<std::string_view> field) const {
  auto it = statuses_.find(std::string(code));
  if (it == statuses_.end()) throw std::logic_error("error code " + std::string(code) + " is not in errors.yaml");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  // A message may echo a request (a name, a path, an id): the last line of
  // defence against invalid UTF-8 in a reply, which decoding refuses first.
  const std::string text = ToValidUtf8(message);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  if (field) {
    w.Key("field");
    const std::string named = ToValidUtf8(*field);
    w.String(named.data(), static_cast<rapidjson::SizeType>(named.size()));
  }
  w.EndObject();
  w.EndObject();
  HttpReply reply = JsonReply(it->second != 0 ? it->second : status, buffer.GetString());
  return reply;
}

HttpReply JsonReply(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

std::string JsonString(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const std::string valid = ToValidUtf8(text);
  w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
  return buffer.GetString();
}

}  // namespace purchase::http
