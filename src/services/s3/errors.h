// S3's errors (kit/errors.h): the model declares a few (NoSuchBucket,
// NoSuchKey, NoSuchUpload, BucketAlreadyExists ...); the others AWS documents
// in its error code list, with these statuses (400 when not listed).
#pragma once

#include "kit/errors.h"

namespace nuage::services::s3 {

inline const kit::Errors errors("s3", {
    {"AccessDenied", 403},
    {"BucketNotEmpty", 409},
    {"InvalidRange", 416},
    {"MethodNotAllowed", 405},
    {"NoSuchBucketPolicy", 404},
    {"NoSuchCORSConfiguration", 404},
    {"NoSuchLifecycleConfiguration", 404},
    {"NoSuchPublicAccessBlockConfiguration", 404},
    {"NoSuchTagSet", 404},
    {"NoSuchVersion", 404},
    {"NotModified", 304},
    {"PreconditionFailed", 412},
    {"InternalError", 500},
});

}  // namespace nuage::services::s3
