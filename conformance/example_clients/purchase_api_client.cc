#include "purchase_api_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <cctype>
#include <cstdlib>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace {

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Keeps the Retry-After header; only the delay-seconds form, which is what the
// Purchase API sends.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  const std::string line(data, size * count);
  const std::string name = "retry-after:";
  if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0)
    *static_cast<std::optional<long>*>(user) = std::strtol(line.c_str() + name.size(), nullptr, 10);
  if (line.rfind("HTTP/", 0) == 0) static_cast<std::optional<long>*>(user)->reset();  // a new response
  return size * count;
}

}  // namespace

std::string ApiReply::Str(const char* member, const char* inner) const {
  if (!json.IsObject()) return "";
  auto it = json.FindMember(member);
  if (it == json.MemberEnd()) return "";
  const rapidjson::Value* v = &it->value;
  if (inner) {
    if (!v->IsObject()) return "";
    auto in = v->FindMember(inner);
    if (in == v->MemberEnd()) return "";
    v = &in->value;
  }
  return v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

std::string ApiReply::Summary() const {
  if (status == 0) return "no reply (" + transport_error + ")";
  std::string s = std::to_string(status);
  if (!ErrorCode().empty()) s += " " + ErrorCode();
  if (!Str("status").empty()) s += " " + Str("status");
  if (!json.IsObject() && !body.empty()) s += " (" + std::to_string(body.size()) + " bytes)";
  if (retry_after) s += ", Retry-After " + std::to_string(*retry_after);
  return s;
}

PurchaseApiClient::PurchaseApiClient(std::string base_url, std::string access_token)
    : base_url_(std::move(base_url)), authorization_("Authorization: Bearer " + access_token) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  curl_ = curl_easy_init();
}

PurchaseApiClient::~PurchaseApiClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

ApiReply PurchaseApiClient::Send(const ApiRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  ApiReply reply;
  if (!curl) {
    reply.transport_error = "libcurl did not initialise";
    return reply;
  }
  const bool absolute = request.target.rfind("http://", 0) == 0 || request.target.rfind("https://", 0) == 0;
  const std::string url = absolute ? request.target : base_url_ + request.target;

  curl_easy_reset(curl);  // keeps the open connection
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.retry_after);
  curl_slist* headers = nullptr;
  if (request.authorize) headers = curl_slist_append(headers, authorization_.c_str());
  if (request.method == "POST") {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());  // DELETE /purchase/cancel
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    // The server closed the connection without answering: it may have handled
    // the request. Anything else (refused, timeout...) did not reach it or is unknown.
    reply.lost = rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_PARTIAL_FILE;
    reply.transport_error = curl_easy_strerror(rc);
    reply.body.clear();
    reply.retry_after.reset();
    return reply;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.json.Parse(reply.body.c_str(), reply.body.size());
  if (reply.json.HasParseError()) reply.json.SetNull();
  return reply;
}

JsonObject& JsonObject::Add(const char* name, const std::string& value) {
  auto& a = doc_.GetAllocator();
  doc_.AddMember(rapidjson::Value(name, a), rapidjson::Value(value.c_str(), a), a);
  return *this;
}

JsonObject& JsonObject::Add(const char* name, long value) {
  auto& a = doc_.GetAllocator();
  doc_.AddMember(rapidjson::Value(name, a), rapidjson::Value(static_cast<int64_t>(value)), a);
  return *this;
}

std::string JsonObject::Text() const {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc_.Accept(writer);
  return out.GetString();
}

std::string UrlEncode(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}
