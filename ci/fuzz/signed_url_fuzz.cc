// Fuzzes the signed-URL path: GET /assets/{download|view}/<id>?<query> through
// HttpApi::Handle on a server holding one COMPLETED order (and one CANCELED)
// whose URLs were handed out. In the input, {ID}, {CID}, {EXP} and {SIG}
// ({VSIG}) stand for the live order id, the canceled one, the expiry and the
// download (view) signature, so seeds start from real URLs and mutations
// explore around them.
//
// Input: byte 0 picks the kind; then the id up to '\n'; the rest is the raw query.
// A finding is a crash, a sanitizer report, a status the spec does not
// document for this operation (200, 403, 404, 409, 410, 413), or a 200 for a
// URL whose parameters, once percent-decoded, are not the ones actually
// handed out (a forgery). Percent-decoding first because "%73ig" is "sig"
// (RFC 3986, 6.2.2.2); a different spelling of the number, such as a leading
// zero in expires, is a finding.
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <string>

#include <rapidjson/document.h>

#include "hl_connector/http_api.h"
#include "http/request_decoding.h"
#include "fuzz_query.h"

namespace {

using namespace purchase;
using namespace purchase::http;

std::string Member(const std::string& body, const char* name) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  return !d.HasParseError() && d.IsObject() && d.HasMember(name) && d[name].IsString() ? d[name].GetString() : "";
}

struct World {
  World()
      : catalog(Catalog::Load(PURCHASE_FUZZ_FIXTURES)),
        service(catalog, Lifecycle::Builtin(), std::make_unique<ManualClock>(1767225600000), {}),
        api(service, ErrorCatalog::Builtin(), {}) {
    id = Order("fuzz-1");
    canceled = Order("fuzz-2");
    Call("POST", "/_control/clock/advance", R"({"seconds":5})");
    Call("DELETE", "/purchase/cancel?order_id=" + canceled, "");
    for (const char* kind : {"download", "view"}) {
      const std::string url = Member(Call("GET", std::string("/purchase/") + kind + "-url?order_id=" + id, "").body, "url");
      std::smatch m;
      if (!std::regex_search(url, m, std::regex("expires=([0-9]+)&sig=([0-9a-f]+)"))) abort();
      expires = m[1];
      (kind[0] == 'd' ? sig : vsig) = m[2];
    }
  }
  HttpReply Call(const std::string& method, const std::string& path_and_query, const std::string& body) {
    HttpRequest r;
    r.method = method;
    const size_t q = path_and_query.find('?');
    r.path = path_and_query.substr(0, q);
    if (q != std::string::npos) r.query = fuzzing::SplitQuery(path_and_query.substr(q + 1));
    r.authorization = "Bearer test-token-vendor-a";
    r.body = body;
    return api.Handle(r);
  }
  std::string Order(const std::string& vendor_order_id) {
    const std::string token = Member(Call("POST", "/purchase/validate-purchase-before-payment",
                                          R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})")
                                         .body,
                                     "token");
    return Member(Call("POST", "/purchase/register",
                       R"({"token":")" + token + R"(","asset_id":"asset-basic","quantity":1,"vendor_order_id":")" +
                           vendor_order_id + R"("})")
                      .body,
                  "order_id");
  }
  std::string Fill(std::string s) const {
    for (const auto& [k, v] : {std::pair<std::string, std::string>{"{ID}", id}, {"{CID}", canceled}, {"{EXP}", expires},
                               {"{SIG}", sig}, {"{VSIG}", vsig}})
      for (size_t at; (at = s.find(k)) != std::string::npos;) s.replace(at, k.size(), v);
    return s;
  }

  Catalog catalog;
  PurchaseService service;
  HttpApi api;
  std::string id, canceled, expires, sig, vsig;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool download = data[0] % 2 == 0;
  const size_t nl = in.find('\n');
  const std::string id = world->Fill(std::string(in.substr(0, nl)));
  const std::string query = nl == std::string_view::npos ? "" : world->Fill(std::string(in.substr(nl + 1)));

  HttpRequest req;
  req.method = "GET";
  req.path = std::string(download ? "/assets/download/" : "/assets/view/") + id;
  req.query = fuzzing::SplitQuery(query);
  const HttpReply reply = world->api.Handle(req);
  const int s = reply.status;
  if (!(s == 200 || s == 403 || s == 404 || s == 405 || s == 409 || s == 410 || s == 413)) {
    fprintf(stderr, "FUZZ FINDING: undocumented status %d: %s\n", s, reply.body.substr(0, 300).c_str());
    abort();
  }
  if (s == 200) {
    bool has_sig = false, has_expires = false;
    for (const auto& [raw_k, raw_v] : req.query) {
      const auto k = PercentDecode(raw_k), v = PercentDecode(raw_v);
      if (!k || !v) continue;
      has_sig |= *k == "sig" && *v == (download ? world->sig : world->vsig);
      has_expires |= *k == "expires" && *v == world->expires;
    }
    if (id != world->id || !has_sig || !has_expires) {
      fprintf(stderr, "FUZZ FINDING: a URL that was never handed out opened the asset: %s\n", req.path.c_str());
      abort();
    }
  }
  return 0;
}
