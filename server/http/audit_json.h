// The body of GET/DELETE /_control/audit (spec/control.yaml, AuditReport),
// the same for every API that offers the capability `audit`: the API's
// obligations, how many requests each client made, and each finding with
// the requests that broke the obligation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/client_audit.h"

namespace purchase::http {

// `audit` null: the audit records nothing ("enabled": false). `client_name`
// names a client as the API knows it (a vendor id, a merchant...).
std::string AuditReportJson(const ClientAudit* audit, const ClientObligations& obligations,
                            const std::function<std::string(uint16_t)>& client_name);

}  // namespace purchase::http
