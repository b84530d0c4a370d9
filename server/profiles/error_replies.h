// The profiles' name for the error replies every API shares (http/error_replies.h).
#pragma once

#include "http/error_replies.h"

namespace purchase::profiles {

using http::ErrorReplies;
using http::JsonReply;
using http::JsonString;

}  // namespace purchase::profiles
