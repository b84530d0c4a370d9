// PurchaseApiClient: the plain HTTP part of the example clients, so that
// example_client.cc can show only what a client decides. It sends one request
// (libcurl, one handle, keep-alive), reads the status, the Retry-After header
// and the JSON body, and says when the connection closed without a reply.
// It never retries and never sleeps: those are the client's decisions.
// One instance per thread (a libcurl easy handle is not thread-safe).
#pragma once

#include <optional>
#include <string>

#include <rapidjson/document.h>

struct ApiRequest {
  std::string method;  // "GET", "POST" or "DELETE"
  std::string target;  // "/purchase/info?order_id=..." or, for a signed URL, the absolute URL
  std::string body;    // JSON, POST only
  bool authorize = true;  // false for signed asset URLs: they carry their own signature
};

struct ApiReply {
  long status = 0;                  // 0 when no reply came
  bool lost = false;                // the connection closed with no reply (the request may have been handled)
  std::string transport_error;      // why no reply came, if none did
  std::optional<long> retry_after;  // Retry-After, in seconds
  std::string body;
  rapidjson::Document json;         // the body parsed, or null when it is not JSON

  // A string member of the JSON body, e.g. Str("order_id") or Str("error", "code"); "" if absent.
  std::string Str(const char* member, const char* inner = nullptr) const;
  // The error code of an error answer ("" for a success).
  std::string ErrorCode() const { return Str("error", "code"); }
  // "202 PROCESSING, Retry-After 1", "409 DUPLICATE_PURCHASE", "no reply (...)".
  std::string Summary() const;
};

class PurchaseApiClient {
 public:
  // `base_url` like "http://127.0.0.1:8080"; `access_token` is the vendor's Bearer token.
  PurchaseApiClient(std::string base_url, std::string access_token);
  ~PurchaseApiClient();
  PurchaseApiClient(const PurchaseApiClient&) = delete;
  PurchaseApiClient& operator=(const PurchaseApiClient&) = delete;

  // Sends one request and waits for its reply (at most 30 s). Never throws.
  ApiReply Send(const ApiRequest& request);

 private:
  std::string base_url_;
  std::string authorization_;
  void* curl_;  // CURL*, kept out of this header
};

// Builds a JSON object from string and integer members, escaped properly.
class JsonObject {
 public:
  JsonObject& Add(const char* name, const std::string& value);
  JsonObject& Add(const char* name, long value);
  std::string Text() const;

 private:
  rapidjson::Document doc_{rapidjson::kObjectType};
};

// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& value);
