#include "exec/target.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include <rapidjson/document.h>

#include "core/yaml_document.h"
#include "scenario/loader.h"  // SuggestClosest
#include "scenario/scenario.h"

namespace conformance {

namespace {

std::string Where(const std::string& source, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return source + ":" + std::to_string(std::max(m.line, 0) + 1) + ":" + std::to_string(std::max(m.column, 0) + 1);
}

std::string ScalarString(const YAML::Node& node, const std::string& key, const std::string& source) {
  if (!node.IsScalar()) throw purchase::SpecErrorAt(source, node, "'" + key + "' must be a string");
  return node.Scalar();
}

}  // namespace

TargetFile ParseTargetFile(std::string_view text, const std::string& source) {
  static const std::vector<std::string> kKeys = {"target", "spec", "token", "token_b", "control_token", "capabilities", "vars"};
  const YAML::Node root = purchase::LoadYamlDocument(text, source);
  TargetFile file;
  if (root.IsNull()) return file;
  if (!root.IsMap())
    throw purchase::SpecErrorAt(source, root, "a target file is a map (" + std::string("target, spec, token, token_b, "
                                              "control_token, capabilities, vars)"));
  std::set<std::string> seen;
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      const std::string suggestion = SuggestClosest(key, kKeys);
      throw purchase::SpecErrorAt(source, kv.first,
                                  "unknown key '" + key + "' in the target file" +
                                      (suggestion.empty() ? " (expected one of: target, spec, token, token_b, "
                                                            "control_token, capabilities, vars)"
                                                          : "; did you mean '" + suggestion + "'?"));
    }
    if (!seen.insert(key).second) throw purchase::SpecErrorAt(source, kv.first, "duplicate key '" + key + "'");
    const YAML::Node& value = kv.second;
    if (key == "target") file.target = ScalarString(value, key, source);
    else if (key == "spec") file.spec = ScalarString(value, key, source);
    else if (key == "token") file.token = ScalarString(value, key, source);
    else if (key == "token_b") file.token_b = ScalarString(value, key, source);
    else if (key == "control_token") file.control_token = ScalarString(value, key, source);
    else if (key == "capabilities") {
      if (!value.IsSequence())
        throw purchase::SpecErrorAt(source, value, "'capabilities' must be a list of capability names");
      file.capabilities.emplace();
      for (const auto& c : value) file.capabilities->insert(ScalarString(c, "capabilities", source));
    } else if (key == "vars") {
      if (!value.IsMap())
        throw purchase::SpecErrorAt(source, value, "'vars' must map fixture roles to values (~: the target has none)");
      for (const auto& v : value) {
        const std::string name = ScalarString(v.first, "vars", source);
        if (file.vars.count(name)) throw purchase::SpecErrorAt(source, v.first, "duplicate variable '" + name + "'");
        if (v.second.IsNull()) file.vars[name] = std::nullopt;
        else file.vars[name] = ScalarString(v.second, name, source);
        file.var_where[name] = Where(source, v.first);
      }
    }
  }
  return file;
}

HttpRequest ControlRequest(const std::string& base_url, const std::string& control_token, std::string method,
                           const std::string& path, std::string json_body) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = base_url + path;
  if (!control_token.empty()) request.headers.emplace_back("Authorization", "Bearer " + control_token);
  if (!json_body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = std::move(json_body);
    request.has_body = true;
  }
  return request;
}

ScopedSandbox::ScopedSandbox(HttpClient& client, std::string base_url, std::string control_token, std::string name)
    : client_(client), base_url_(std::move(base_url)), control_token_(std::move(control_token)), name_(std::move(name)) {
  const HttpResponse made = client_.Send(
      ControlRequest(base_url_, control_token_, "POST", "/_control/sandboxes", "{\"name\":\"" + name_ + "\"}"));
  if (made.status != 201)
    error_ = "POST /_control/sandboxes answered " +
             (made.status ? std::to_string(made.status) + " " + made.body.substr(0, 200) : made.error_message);
}

ScopedSandbox::~ScopedSandbox() {
  if (error_.empty()) client_.Send(ControlRequest(base_url_, control_token_, "DELETE", "/_control/sandboxes/" + name_));
}

std::string NewRunId() {
  std::random_device random;
  char id[9];
  std::snprintf(id, sizeof id, "%08x", static_cast<unsigned>(random() & 0xffffffffu));
  return id;
}

ProbeResult ProbeTarget(HttpClient& client, const std::string& base_url, const std::string& control_token) {
  HttpRequest request;
  request.method = "GET";
  request.url = base_url + "/_control";
  request.headers.emplace_back("Accept", "application/json");
  if (!control_token.empty()) request.headers.emplace_back("Authorization", "Bearer " + control_token);
  const HttpResponse response = client.Send(request);
  ProbeResult probe;
  if (response.error != TransportError::kNone) {
    probe.error = response.error_message;
    return probe;
  }
  probe.reachable = true;
  if (response.status == 401) {
    probe.note = "GET /_control answered 401: check --control-token; scenarios that need the control API are skipped";
    return probe;
  }
  if (response.status == 404) {
    probe.capabilities.insert(kControlOffCapability);
    probe.note = "no control API (GET /_control answered 404); scenarios that need it are skipped";
    return probe;
  }
  if (response.status != 200) {
    probe.note = "no control API (GET /_control answered " + std::to_string(response.status) +
                 "); scenarios that need it are skipped";
    return probe;
  }
  rapidjson::Document doc;
  doc.Parse(response.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("capabilities") || !doc["capabilities"].IsArray()) {
    probe.note = "GET /_control answered 200 without a capabilities list; scenarios that need the control API are skipped";
    return probe;
  }
  for (const auto& c : doc["capabilities"].GetArray())
    if (c.IsString()) probe.capabilities.insert(c.GetString());
  if (doc.HasMember("clock") && doc["clock"].IsString() && std::string(doc["clock"].GetString()) == "real")
    probe.capabilities.insert(kRealClockCapability);
  probe.manual_clock = doc.HasMember("clock") && doc["clock"].IsString() &&
                       std::string(doc["clock"].GetString()) == "manual" && probe.capabilities.count("clock");
  return probe;
}

std::optional<SandboxPath> SplitSandboxPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/_sandbox/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const size_t end = std::min(path.find('/', kPrefix.size()), path.size());
  return SandboxPath{path.substr(kPrefix.size(), end - kPrefix.size()), path.substr(0, end),
                     end == path.size() ? std::string_view("/") : path.substr(end)};
}

}  // namespace conformance
