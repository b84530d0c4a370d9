#include "exec/target.h"

#include <rapidjson/document.h>

#include "scenario/scenario.h"

namespace conformance {

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

}  // namespace conformance
