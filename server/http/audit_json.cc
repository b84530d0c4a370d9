#include "http/audit_json.h"

#include "http/json_text.h"

namespace purchase::http {
namespace {

using Json = JsonText;

void WriteAuditedRequest(Json& j, const AuditedRequest& r) {
  j.w().StartObject();
  j.KeyInt("seq", static_cast<int64_t>(r.seq));
  j.KeyTime("server_time", r.server_time);
  j.KeyStr("method", r.method);
  j.KeyStr("path", r.path);
  if (!r.order_id.empty()) j.KeyStr("order_id", r.order_id);
  j.KeyInt("status", r.status);
  if (!r.error_code.empty()) j.KeyStr("error_code", r.error_code);
  if (r.retry_after) j.KeyInt("retry_after", *r.retry_after);
  if (!r.order_status.empty()) j.KeyStr("order_status", r.order_status);
  j.w().EndObject();
}

}  // namespace

std::string AuditReportJson(const ClientAudit* audit, const ClientObligations& obligations,
                            const std::function<std::string(uint16_t)>& client_name) {
  Json j;
  j.w().StartObject();
  j.Key("enabled");
  j.w().Bool(audit != nullptr);
  j.Key("obligations");
  j.w().StartArray();
  for (const auto& o : obligations.all()) {
    j.w().StartObject();
    j.KeyStr("id", o.id);
    j.KeyStr("rule", o.rule);
    j.KeyStr("reason", o.reason);
    j.KeyStr("detected_when", o.detected_when);
    j.w().EndObject();
  }
  j.w().EndArray();
  j.Key("requests_recorded");
  j.w().StartObject();
  if (audit)
    for (const auto& [client, count] : audit->RecordedPerVendor()) j.KeyInt(client_name(client), static_cast<int64_t>(count));
  j.w().EndObject();
  j.KeyInt("findings_dropped", audit ? static_cast<int64_t>(audit->findings_dropped()) : 0);
  j.Key("findings");
  j.w().StartArray();
  if (audit)
    for (const auto& f : audit->Findings()) {
      j.w().StartObject();
      j.KeyStr("obligation", f.obligation);
      j.KeyStr("vendor", client_name(f.vendor));
      j.KeyStr("observed", f.observed);
      if (const ClientObligation* o = obligations.Find(f.obligation)) j.KeyStr("expected", o->rule);
      j.Key("requests");
      j.w().StartArray();
      for (const auto& r : f.requests) WriteAuditedRequest(j, r);
      j.w().EndArray();
      j.w().EndObject();
    }
  j.w().EndArray();
  j.w().EndObject();
  return j.Take();
}

}  // namespace purchase::http
